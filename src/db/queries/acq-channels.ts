import type { Executor } from '../knex';
import { containsPattern, updateCorpRow } from './corp-rows';
import { readPage } from './paging';

/** A source of customers: links, QR codes and mini-program links belong to one. */
export interface ChannelRow {
  id: string;
  corp_id: string;
  name: string;
  type: string;
  status: number;
  owner: string | null;
  owner_name: string | null;
  remark: string | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

export interface ChannelFields {
  name: string;
  type: string;
  status: number;
  owner: string | null;
  remark: string | null;
}

export interface ChannelFilter {
  pageNum: number;
  pageSize: number;
  name?: string;
  type?: string;
  status?: number;
  owner?: string;
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

/** Unique index: one live channel per name (case-insensitive) in a corp. */
export const CHANNEL_NAME_INDEX = 'acq_channel_name_uq';

const SORT_COLUMNS: Record<string, string> = { id: 'c.id', name: 'c.name', ctime: 'c.ctime', mtime: 'c.mtime' };

function channelQuery(db: Executor, corpId: string) {
  return db('acq_channel as c').where({ 'c.corp_id': corpId, 'c.is_del': 0 });
}

function withOwnerName(db: Executor, q: ReturnType<typeof channelQuery>) {
  return q
    .leftJoin('wecom_employee as e', function joinOwner() {
      this.on('e.corp_id', 'c.corp_id').andOn('e.userid', 'c.owner');
    })
    .select('c.*', 'e.name as owner_name');
}

export async function findChannel(db: Executor, corpId: string, id: string): Promise<ChannelRow | undefined> {
  return (await withOwnerName(db, channelQuery(db, corpId).andWhere('c.id', id)).first()) as ChannelRow | undefined;
}

/** The live channels of the corp, enabled first, by name. */
export async function listChannels(db: Executor, corpId: string, status?: number): Promise<ChannelRow[]> {
  const q = channelQuery(db, corpId);
  if (status !== undefined) q.andWhere('c.status', status);
  return (await withOwnerName(db, q).orderBy([
    { column: 'c.status', order: 'desc' },
    { column: 'c.name', order: 'asc' },
    { column: 'c.id', order: 'asc' },
  ])) as ChannelRow[];
}

export async function pageChannels(
  db: Executor,
  corpId: string,
  f: ChannelFilter,
): Promise<{ list: ChannelRow[]; total: number }> {
  const q = channelQuery(db, corpId);
  if (f.name) q.andWhereILike('c.name', containsPattern(f.name));
  if (f.type) q.andWhere('c.type', f.type);
  if (f.status !== undefined) q.andWhere('c.status', f.status);
  if (f.owner) q.andWhere('c.owner', f.owner);
  const { rows, total } = await readPage<ChannelRow>(q, f, (page) =>
    withOwnerName(db, page)
      .orderBy(SORT_COLUMNS[f.sortField ?? 'id'] ?? 'c.id', f.sortOrder === 'asc' ? 'asc' : 'desc')
      .orderBy('c.id', 'desc'),
  );
  return { list: rows, total };
}

export async function insertChannel(
  db: Executor,
  corpId: string,
  fields: ChannelFields,
  actor: string,
): Promise<string> {
  const [row] = (await db('acq_channel')
    .insert({ corp_id: corpId, ...fields, cuser: actor, muser: actor })
    .returning('id')) as Array<{ id: string }>;
  if (!row) throw new Error('channel insert returned no row');
  return row.id;
}

/** Updates the given fields of a live channel; false when the corp has no such channel. */
export async function updateChannel(
  db: Executor,
  corpId: string,
  id: string,
  patch: Partial<ChannelFields>,
  actor: string,
): Promise<boolean> {
  const live = await db('acq_channel').where({ corp_id: corpId, id, is_del: 0 }).first('id');
  if (!live) return false;
  return (await updateCorpRow(db, 'acq_channel', corpId, id, patch, actor)) !== undefined;
}

/** The channel's type when it is a live channel of the corp. */
export async function findChannelType(db: Executor, corpId: string, id: string): Promise<string | undefined> {
  const row = (await db('acq_channel').where({ corp_id: corpId, id, is_del: 0 }).first('type')) as
    { type: string } | undefined;
  return row?.type;
}
