import type { Knex } from 'knex';
import type { Executor } from '../knex';
import { containsPattern, reserveRowId, updateCorpRow } from './corp-rows';
import { readPage } from './paging';

/** A group-join QR code (WeCom join way) with its channel's name and the joins counted from the member mirror. */
export interface JoinQrRow {
  id: string;
  corp_id: string;
  name: string;
  channel_id: string | null;
  channel_type: string | null;
  channel_name: string | null;
  scene: number;
  chat_id_list: string[];
  auto_create_room: number;
  room_base_name: string | null;
  room_base_id: number | null;
  state: string;
  remark: string | null;
  config_id: string;
  qr_code: string | null;
  status: number;
  /** Stays in groups that began through this code (a member who left and came back counts twice). */
  join_count: number;
  /** Of those, the ones still in their group. */
  member_count: number;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

/** What a save decides; WeCom's config_id and qr_code are written beside it. */
export interface JoinQrFields {
  name: string;
  channel_id: string | null;
  channel_type: string | null;
  scene: number;
  chat_id_list: string[];
  auto_create_room: number;
  room_base_name: string | null;
  room_base_id: number | null;
  remark: string | null;
}

export interface JoinQrFilter {
  pageNum: number;
  pageSize: number;
  name?: string;
  channelId?: string;
  channelType?: string;
  status?: number;
  chatId?: string;
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

/** Prefix of the states handed to WeCom for join ways (acquisition links use `ql`). */
export const JOIN_QR_STATE_PREFIX = 'qj';

const SORT_COLUMNS: Record<string, string> = { id: 'q.id', name: 'q.name', ctime: 'q.ctime', mtime: 'q.mtime' };

function joinQrQuery(db: Executor, corpId: string): Knex.QueryBuilder {
  return db('group_join_qr as q').where({ 'q.corp_id': corpId, 'q.is_del': 0 });
}

function selectJoinQr(db: Executor, q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q.leftJoin('acq_channel as c', 'c.id', 'q.channel_id').select(
    'q.*',
    'c.name as channel_name',
    db.raw(
      `(SELECT count(*)::int FROM wecom_group_member m
           WHERE m.corp_id = q.corp_id AND m.state = q.state AND m.is_del = 0) AS join_count`,
    ),
    db.raw(
      `(SELECT count(*)::int FROM wecom_group_member m
           WHERE m.corp_id = q.corp_id AND m.state = q.state AND m.is_del = 0 AND m.status = 0) AS member_count`,
    ),
  );
}

export async function findJoinQr(db: Executor, corpId: string, id: string): Promise<JoinQrRow | undefined> {
  return (await selectJoinQr(db, joinQrQuery(db, corpId).andWhere('q.id', id)).first()) as JoinQrRow | undefined;
}

/** The live code, its row locked until the transaction ends: saves and deletes of one code take turns. */
export async function lockJoinQr(db: Executor, corpId: string, id: string): Promise<JoinQrRow | undefined> {
  const locked = (await joinQrQuery(db, corpId).andWhere('q.id', id).forUpdate().first('q.id')) as
    { id: string } | undefined;
  return locked ? findJoinQr(db, corpId, id) : undefined;
}

export async function pageJoinQrs(
  db: Executor,
  corpId: string,
  f: JoinQrFilter,
): Promise<{ list: JoinQrRow[]; total: number }> {
  const q = joinQrQuery(db, corpId);
  if (f.name) q.andWhereILike('q.name', containsPattern(f.name));
  if (f.channelId) q.andWhere('q.channel_id', f.channelId);
  if (f.channelType) q.andWhere('q.channel_type', f.channelType);
  if (f.status !== undefined) q.andWhere('q.status', f.status);
  if (f.chatId) q.andWhereRaw('? = ANY(q.chat_id_list)', [f.chatId]);
  const { rows, total } = await readPage<JoinQrRow>(q, f, (page) =>
    selectJoinQr(db, page)
      .orderBy(SORT_COLUMNS[f.sortField ?? 'id'] ?? 'q.id', f.sortOrder === 'asc' ? 'asc' : 'desc')
      .orderBy('q.id', 'desc'),
  );
  return { list: rows, total };
}

/** A fresh id for a code about to be created, so its state can be given to WeCom before the row exists. */
export const reserveJoinQrId = (db: Executor): Promise<string> => reserveRowId(db, 'group_join_qr');

export async function insertJoinQr(
  db: Executor,
  corpId: string,
  row: JoinQrFields & { id: string; state: string; config_id: string; qr_code: string | null },
  actor: string,
): Promise<void> {
  await db('group_join_qr').insert({ corp_id: corpId, ...row, cuser: actor, muser: actor });
}

export async function updateJoinQr(
  db: Executor,
  corpId: string,
  id: string,
  patch: Partial<JoinQrFields> & { qr_code?: string | null; status?: number },
  actor: string,
): Promise<void> {
  await updateCorpRow(db, 'group_join_qr', corpId, id, patch, actor);
}

export async function softDeleteJoinQr(db: Executor, corpId: string, id: string, actor: string): Promise<void> {
  await updateCorpRow(db, 'group_join_qr', corpId, id, { is_del: 1 }, actor);
}

/** The chat ids among `chatIds` that are live customer groups of the corp in the mirror. */
export async function liveGroupChatIds(db: Executor, corpId: string, chatIds: readonly string[]): Promise<Set<string>> {
  if (chatIds.length === 0) return new Set();
  const rows = (await db('wecom_group_chat')
    .where({ corp_id: corpId, is_del: 0 })
    .whereIn('chat_id', [...chatIds])
    .select('chat_id')) as Array<{ chat_id: string }>;
  return new Set(rows.map((r) => r.chat_id));
}

export interface JoinQrChat {
  chat_id: string;
  name: string | null;
  owner: string | null;
  dismissed: boolean;
  current_members: number;
}

/** The groups of a code as the mirror knows them, in the code's order (a group the mirror lacks has no name). */
export async function joinQrChats(db: Executor, corpId: string, chatIds: readonly string[]): Promise<JoinQrChat[]> {
  if (chatIds.length === 0) return [];
  const rows = (await db('wecom_group_chat as gc')
    .where('gc.corp_id', corpId)
    .whereIn('gc.chat_id', [...chatIds])
    .select(
      'gc.chat_id',
      'gc.name',
      'gc.owner',
      db.raw('gc.is_del = 1 AS dismissed'),
      db.raw(
        `(SELECT count(*)::int FROM wecom_group_member m
           WHERE m.corp_id = gc.corp_id AND m.chat_id = gc.chat_id AND m.status = 0 AND m.is_del = 0) AS current_members`,
      ),
    )) as JoinQrChat[];
  const byId = new Map(rows.map((r) => [r.chat_id, r]));
  return chatIds.map(
    (chatId) => byId.get(chatId) ?? { chat_id: chatId, name: null, owner: null, dismissed: false, current_members: 0 },
  );
}
