import type { Knex } from 'knex';
import type { Executor } from '../knex';
import { containsPattern, reserveRowId, updateCorpRow } from './corp-rows';
import { readPage } from './paging';

/** A mini-program promotion link with its channel's name. */
export interface MiniLinkRow {
  id: string;
  corp_id: string;
  name: string;
  app_id: string;
  page_path: string;
  query: string | null;
  title: string | null;
  cover_material_id: string | null;
  channel_id: string | null;
  channel_type: string | null;
  channel_name: string | null;
  /** The link's app id when the corp stored an AppSecret for it (schemes can be generated), else null. */
  configured_app_id: string | null;
  state: string;
  remark: string | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

export interface MiniLinkFields {
  name: string;
  app_id: string;
  page_path: string;
  query: string | null;
  title: string | null;
  cover_material_id: string | null;
  channel_id: string | null;
  channel_type: string | null;
  remark: string | null;
}

export interface MiniLinkFilter {
  pageNum: number;
  pageSize: number;
  name?: string;
  appId?: string;
  channelId?: string;
  channelType?: string;
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

/** Prefix of the channel parameter of mini-program links (join QR codes use `qj`, acquisition links `ql`). */
export const MINI_LINK_STATE_PREFIX = 'qm';

const SORT_COLUMNS: Record<string, string> = { id: 'l.id', name: 'l.name', ctime: 'l.ctime', mtime: 'l.mtime' };

function miniLinkQuery(db: Executor, corpId: string): Knex.QueryBuilder {
  return db('mini_link as l').where({ 'l.corp_id': corpId, 'l.is_del': 0 });
}

const withChannelName = (q: Knex.QueryBuilder): Knex.QueryBuilder =>
  q
    .leftJoin('acq_channel as c', 'c.id', 'l.channel_id')
    .leftJoin('mini_program_app as a', (on) => on.on('a.corp_id', 'l.corp_id').andOn('a.app_id', 'l.app_id'))
    .select('l.*', 'c.name as channel_name', 'a.app_id as configured_app_id');

export async function findMiniLink(db: Executor, corpId: string, id: string): Promise<MiniLinkRow | undefined> {
  return (await withChannelName(miniLinkQuery(db, corpId).andWhere('l.id', id)).first()) as MiniLinkRow | undefined;
}

/** A live link by id alone, whatever its corp: what a landing page names (ids are unique across corps). */
export async function findLiveMiniLinkById(db: Executor, id: string): Promise<MiniLinkRow | undefined> {
  return (await withChannelName(db('mini_link as l').where({ 'l.id': id, 'l.is_del': 0 })).first()) as
    MiniLinkRow | undefined;
}

export async function pageMiniLinks(
  db: Executor,
  corpId: string,
  f: MiniLinkFilter,
): Promise<{ list: MiniLinkRow[]; total: number }> {
  const q = miniLinkQuery(db, corpId);
  if (f.name) q.andWhereILike('l.name', containsPattern(f.name));
  if (f.appId) q.andWhere('l.app_id', f.appId);
  if (f.channelId) q.andWhere('l.channel_id', f.channelId);
  if (f.channelType) q.andWhere('l.channel_type', f.channelType);
  const { rows, total } = await readPage<MiniLinkRow>(q, f, (page) =>
    withChannelName(page)
      .orderBy(SORT_COLUMNS[f.sortField ?? 'id'] ?? 'l.id', f.sortOrder === 'asc' ? 'asc' : 'desc')
      .orderBy('l.id', 'desc'),
  );
  return { list: rows, total };
}

/** Inserts a link under a fresh id; its state is `qm<id>`. Returns the id. */
export async function insertMiniLink(
  db: Executor,
  corpId: string,
  fields: MiniLinkFields,
  actor: string,
): Promise<string> {
  const id = await reserveRowId(db, 'mini_link');
  await db('mini_link').insert({
    id,
    corp_id: corpId,
    ...fields,
    state: `${MINI_LINK_STATE_PREFIX}${id}`,
    cuser: actor,
    muser: actor,
  });
  return id;
}

/** Updates the given fields of a live link; false when the corp has no such link. */
export async function updateMiniLink(
  db: Executor,
  corpId: string,
  id: string,
  patch: Partial<MiniLinkFields>,
  actor: string,
): Promise<boolean> {
  const live = await db('mini_link').where({ corp_id: corpId, id, is_del: 0 }).first('id');
  if (!live) return false;
  return (await updateCorpRow(db, 'mini_link', corpId, id, patch, actor)) !== undefined;
}

/** Soft-deletes a live link; false when the corp has no such link. */
export async function softDeleteMiniLink(db: Executor, corpId: string, id: string, actor: string): Promise<boolean> {
  const [row] = (await db('mini_link')
    .where({ corp_id: corpId, id, is_del: 0 })
    .update({ is_del: 1, mtime: db.fn.now(), muser: actor })
    .returning('id')) as Array<{ id: string }>;
  return row !== undefined;
}
