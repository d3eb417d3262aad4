import type { Executor } from '../../db/knex';
import {
  findGroupChat,
  listGroupChats,
  pageGroupChats,
  type GroupChatFilter,
  type GroupChatRow,
} from '../../db/queries/group-chats';
import { listCurrentGroupMembers, type GroupMemberRow } from '../../db/queries/group-members';
import { NotFoundError } from '../errors';

export interface GroupWithMembers {
  group: GroupChatRow;
  members: GroupMemberRow[];
}

/** A live customer group of the corp; 404 when unknown, dismissed or another corp's. */
export async function requireGroupChat(db: Executor, corpId: string, chatId: string): Promise<GroupChatRow> {
  const group = await findGroupChat(db, corpId, chatId);
  if (!group) throw new NotFoundError('customer group', chatId, 'GROUP_NOT_FOUND');
  return group;
}

export async function listLiveGroups(db: Executor, corpId: string): Promise<GroupChatRow[]> {
  return listGroupChats(db, corpId);
}

export async function pageGroups(
  db: Executor,
  corpId: string,
  filter: GroupChatFilter,
): Promise<{ list: GroupChatRow[]; total: number }> {
  return pageGroupChats(db, corpId, filter);
}

/** A group with the members it has now. */
export async function groupMemberDetail(db: Executor, corpId: string, chatId: string): Promise<GroupWithMembers> {
  const group = await requireGroupChat(db, corpId, chatId);
  return { group, members: await listCurrentGroupMembers(db, corpId, chatId) };
}
