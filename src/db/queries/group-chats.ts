import type { Knex } from 'knex';
import type { Executor } from '../knex';
import { readPage } from './paging';
import { containsPattern } from './corp-rows';
import { whereOwnerInScope, type CorpViewer } from './data-scope';

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

/** The groups of the viewer's corp whose owner is in the viewer's data scope. */
function groupQuery(db: Executor, viewer: CorpViewer): Knex.QueryBuilder {
  const q = db('wecom_group_chat as gc')
    .leftJoin('wecom_employee as e', function joinOwner() {
      this.on('e.corp_id', 'gc.corp_id').andOn('e.userid', 'gc.owner');
    })
    .where('gc.corp_id', viewer.corpId);
  return whereOwnerInScope(q, viewer, 'gc.owner');
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

/** Every live group in the viewer's scope, newest first. */
export async function listGroupChats(db: Executor, viewer: CorpViewer): Promise<GroupChatRow[]> {
  return (await selectGroup(db, groupQuery(db, viewer).andWhere('gc.is_del', 0)).orderByRaw(
    'gc.create_time DESC NULLS LAST, gc.id DESC',
  )) as GroupChatRow[];
}

export async function pageGroupChats(
  db: Executor,
  viewer: CorpViewer,
  f: GroupChatFilter,
): Promise<{ list: GroupChatRow[]; total: number }> {
  const q = groupQuery(db, viewer);
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

/** A live group in the viewer's scope by WeCom chat id. */
export async function findGroupChat(
  db: Executor,
  viewer: CorpViewer,
  chatId: string,
): Promise<GroupChatRow | undefined> {
  return (await selectGroup(db, groupQuery(db, viewer).andWhere({ 'gc.chat_id': chatId, 'gc.is_del': 0 })).first()) as
    GroupChatRow | undefined;
}
