import type { Executor } from '../../db/knex';
import type { CorpViewer } from '../../db/queries/data-scope';
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

/** A live customer group of the corp; 404 when unknown, dismissed, another corp's or outside the viewer's scope. */
export async function requireGroupChat(db: Executor, viewer: CorpViewer, chatId: string): Promise<GroupChatRow> {
  const group = await findGroupChat(db, viewer, chatId);
  if (!group) throw new NotFoundError('customer group', chatId, 'GROUP_NOT_FOUND');
  return group;
}

export async function listLiveGroups(db: Executor, viewer: CorpViewer): Promise<GroupChatRow[]> {
  return listGroupChats(db, viewer);
}

export async function pageGroups(
  db: Executor,
  viewer: CorpViewer,
  filter: GroupChatFilter,
): Promise<{ list: GroupChatRow[]; total: number }> {
  return pageGroupChats(db, viewer, filter);
}

/** A group with the members it has now. */
export async function groupMemberDetail(db: Executor, viewer: CorpViewer, chatId: string): Promise<GroupWithMembers> {
  const group = await requireGroupChat(db, viewer, chatId);
  return { group, members: await listCurrentGroupMembers(db, viewer, chatId) };
}
