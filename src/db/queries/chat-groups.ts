import type { Knex } from 'knex';
import type { Executor } from '../knex';
import { readPage } from './paging';
import { containsPattern } from './corp-rows';
import { whereOwnerInScope, type CorpViewer } from './data-scope';

/** The SCRM's own record about a customer group, joined with the mirrored group (null fields when it is gone). */
export interface ChatGroupRow {
  id: string;
  corp_id: string;
  chat_id: string;
  remark: string | null;
  category: string | null;
  channel_id: string | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
  group_name: string | null;
  group_owner: string | null;
  owner_name: string | null;
  group_status: number | null;
  group_dismissed: boolean | null;
  current_members: number;
}

export interface ChatGroupFilter {
  pageNum: number;
  pageSize: number;
  chatId?: string;
  name?: string;
  category?: string;
  channelId?: string;
  owner?: string;
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

export interface ChatGroupFields {
  chatId: string;
  remark: string | null;
  category: string | null;
  channelId: string | null;
}

/** Unique index: one live record per group. */
export const CHAT_GROUP_CHAT_INDEX = 'chat_group_chat_uq';

const SORT_COLUMNS: Record<string, string> = { id: 'cg.id', ctime: 'cg.ctime', mtime: 'cg.mtime' };

/** Records of the viewer's corp whose group's owner is in the viewer's scope (a record of a vanished group has none). */
function chatGroupQuery(db: Executor, viewer: CorpViewer): Knex.QueryBuilder {
  const q = db('chat_group as cg')
    .leftJoin('wecom_group_chat as gc', function joinGroup() {
      this.on('gc.corp_id', 'cg.corp_id').andOn('gc.chat_id', 'cg.chat_id');
    })
    .leftJoin('wecom_employee as e', function joinOwner() {
      this.on('e.corp_id', 'gc.corp_id').andOn('e.userid', 'gc.owner');
    })
    .where({ 'cg.corp_id': viewer.corpId, 'cg.is_del': 0 });
  return whereOwnerInScope(q, viewer, 'gc.owner');
}

function selectChatGroup(db: Executor, q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q.select(
    'cg.*',
    'gc.name as group_name',
    'gc.owner as group_owner',
    'e.name as owner_name',
    'gc.status as group_status',
    db.raw('(gc.is_del = 1) AS group_dismissed'),
    db.raw(
      `(SELECT count(*)::int FROM wecom_group_member m
         WHERE m.corp_id = cg.corp_id AND m.chat_id = cg.chat_id AND m.status = 0 AND m.is_del = 0) AS current_members`,
    ),
  );
}

export async function pageChatGroups(
  db: Executor,
  viewer: CorpViewer,
  f: ChatGroupFilter,
): Promise<{ list: ChatGroupRow[]; total: number }> {
  const q = chatGroupQuery(db, viewer);
  if (f.chatId) q.andWhere('cg.chat_id', f.chatId);
  if (f.name) q.andWhereILike('gc.name', containsPattern(f.name));
  if (f.category) q.andWhere('cg.category', f.category);
  if (f.channelId) q.andWhere('cg.channel_id', f.channelId);
  if (f.owner) q.andWhere('gc.owner', f.owner);
  const { rows, total } = await readPage<ChatGroupRow>(q, f, (page) =>
    selectChatGroup(db, page)
      .orderBy(SORT_COLUMNS[f.sortField ?? 'id'] ?? 'cg.id', f.sortOrder === 'asc' ? 'asc' : 'desc')
      .orderBy('cg.id', 'desc'),
  );
  return { list: rows, total };
}

export async function findChatGroup(db: Executor, viewer: CorpViewer, id: string): Promise<ChatGroupRow | undefined> {
  return (await selectChatGroup(db, chatGroupQuery(db, viewer).andWhere('cg.id', id)).first()) as
    ChatGroupRow | undefined;
}

export async function findChatGroupIdByChatId(
  db: Executor,
  corpId: string,
  chatId: string,
): Promise<string | undefined> {
  const row = (await db('chat_group').where({ corp_id: corpId, chat_id: chatId, is_del: 0 }).first('id')) as
    { id: string } | undefined;
  return row?.id;
}

export async function insertChatGroup(
  db: Executor,
  corpId: string,
  fields: ChatGroupFields,
  actor: string,
): Promise<string> {
  const [row] = (await db('chat_group')
    .insert({
      corp_id: corpId,
      chat_id: fields.chatId,
      remark: fields.remark,
      category: fields.category,
      channel_id: fields.channelId,
      cuser: actor,
      muser: actor,
    })
    .returning('id')) as Array<{ id: string }>;
  if (!row) throw new Error('chat group insert returned no row');
  return row.id;
}

/** Updates the fields present in `patch` of a live record; returns whether it existed. */
export async function updateChatGroup(
  db: Executor,
  corpId: string,
  id: string,
  patch: Partial<ChatGroupFields>,
  actor: string,
): Promise<boolean> {
  const updated = await db('chat_group')
    .where({ corp_id: corpId, id, is_del: 0 })
    .update({
      ...(patch.chatId !== undefined ? { chat_id: patch.chatId } : {}),
      ...(patch.remark !== undefined ? { remark: patch.remark } : {}),
      ...(patch.category !== undefined ? { category: patch.category } : {}),
      ...(patch.channelId !== undefined ? { channel_id: patch.channelId } : {}),
      mtime: db.fn.now(),
      muser: actor,
    });
  return updated > 0;
}
