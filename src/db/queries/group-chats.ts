import type { Knex } from 'knex';
import type { Executor } from '../knex';
import { readPage } from './paging';
import { containsPattern } from './corp-rows';

/** A WeCom customer group mirrored locally, with its owner's name and how many members it has now. */
export interface GroupChatRow {
  id: string;
  corp_id: string;
  chat_id: string;
  name: string;
  owner: string | null;
  owner_name: string | null;
  create_time: Date | null;
  notice: string | null;
  member_version: string | null;
  status: number;
  admin_list: string[];
  current_members: number;
  del_time: Date | null;
  is_del: number;
  ctime: Date;
  mtime: Date;
}

export interface GroupChatFilter {
  pageNum: number;
  pageSize: number;
  name?: string;
  owner?: string;
  status?: number;
  includeDismissed?: boolean;
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

/** `%text%` for LIKE/ILIKE with the pattern characters of `text` taken literally. */
const SORT_COLUMNS: Record<string, string> = {
  id: 'gc.id',
  name: 'gc.name',
  createTime: 'gc.create_time',
  memberCount: 'current_members',
};

function groupQuery(db: Executor, corpId: string): Knex.QueryBuilder {
  return db('wecom_group_chat as gc')
    .leftJoin('wecom_employee as e', function joinOwner() {
      this.on('e.corp_id', 'gc.corp_id').andOn('e.userid', 'gc.owner');
    })
    .where('gc.corp_id', corpId);
}

function selectGroup(db: Executor, q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q.select(
    'gc.*',
    'e.name as owner_name',
    db.raw(
      `(SELECT count(*)::int FROM wecom_group_member m
         WHERE m.corp_id = gc.corp_id AND m.chat_id = gc.chat_id AND m.status = 0 AND m.is_del = 0) AS current_members`,
    ),
  );
}

/** Every live group of the corp, newest first. */
export async function listGroupChats(db: Executor, corpId: string): Promise<GroupChatRow[]> {
  return (await selectGroup(db, groupQuery(db, corpId).andWhere('gc.is_del', 0)).orderByRaw(
    'gc.create_time DESC NULLS LAST, gc.id DESC',
  )) as GroupChatRow[];
}

export async function pageGroupChats(
  db: Executor,
  corpId: string,
  f: GroupChatFilter,
): Promise<{ list: GroupChatRow[]; total: number }> {
  const q = groupQuery(db, corpId);
  if (!f.includeDismissed) q.andWhere('gc.is_del', 0);
  if (f.name) q.andWhereILike('gc.name', containsPattern(f.name));
  if (f.owner) q.andWhere('gc.owner', f.owner);
  if (f.status !== undefined) q.andWhere('gc.status', f.status);
  const { rows, total } = await readPage<GroupChatRow>(q, f, (page) =>
    selectGroup(db, page)
      .orderByRaw(
        `${SORT_COLUMNS[f.sortField ?? 'createTime'] ?? 'gc.create_time'} ${f.sortOrder === 'asc' ? 'ASC' : 'DESC'} NULLS LAST`,
      )
      .orderBy('gc.id', 'desc'),
  );
  return { list: rows, total };
}

/** A live group by WeCom chat id. */
export async function findGroupChat(db: Executor, corpId: string, chatId: string): Promise<GroupChatRow | undefined> {
  return (await selectGroup(db, groupQuery(db, corpId).andWhere({ 'gc.chat_id': chatId, 'gc.is_del': 0 })).first()) as
    GroupChatRow | undefined;
}
