import type { Db, Executor } from '../../db/knex';
import type { CorpViewer } from '../../db/queries/data-scope';
import {
  CHAT_GROUP_CHAT_INDEX,
  findChatGroup,
  findChatGroupIdByChatId,
  insertChatGroup,
  pageChatGroups,
  updateChatGroup,
  type ChatGroupFilter,
  type ChatGroupRow,
} from '../../db/queries/chat-groups';
import { ConflictError, NotFoundError } from '../errors';
import { conflictOnUniqueViolation, withKeyLocks } from '../refuse-duplicates';
import { requireChannel } from '../acquisition/channels';
import { requireGroupChat } from './group-chats';

/** The SCRM's own notes about a customer group (remark, category, channel); one live record per group. */
export interface SaveChatGroupInput {
  id?: string;
  chatId: string;
  /** Absent: unchanged; null: cleared. */
  remark?: string | null;
  category?: string | null;
  channelId?: string | null;
}

/** A record of a group outside the viewer's scope is not found. */
export async function getChatGroup(db: Executor, viewer: CorpViewer, id: string): Promise<ChatGroupRow> {
  const row = await findChatGroup(db, viewer, id);
  if (!row) throw new NotFoundError('chat group record', id, 'CHAT_GROUP_NOT_FOUND');
  return row;
}

export async function pageChatGroupRecords(
  db: Executor,
  viewer: CorpViewer,
  filter: ChatGroupFilter,
): Promise<{ list: ChatGroupRow[]; total: number }> {
  return pageChatGroups(db, viewer, filter);
}

/**
 * Without id: the group's record is created, or updated when the group already has one.
 * With id: that record is updated. The chat id must name a live group of the mirror; that group
 * and the group of the record `id` must be in the viewer's data scope.
 */
export async function saveChatGroup(
  db: Db,
  viewer: CorpViewer,
  input: SaveChatGroupInput,
  actor: string,
): Promise<ChatGroupRow> {
  const corpId = viewer.corpId;
  const patch = {
    chatId: input.chatId,
    remark: input.remark,
    category: input.category,
    channelId: input.channelId,
  };
  if (input.channelId !== undefined && input.channelId !== null) await requireChannel(db, corpId, input.channelId);
  // Saves of one group take turns: a save without id updates the record another save just created.
  const id = await conflictOnUniqueViolation(
    () =>
      withKeyLocks(db, [['chat-group', corpId, input.chatId]], async (trx) => {
        await requireGroupChat(trx, viewer, input.chatId);
        if (input.id !== undefined) {
          const inScope = (await findChatGroup(trx, viewer, input.id)) !== undefined;
          if (!inScope || !(await updateChatGroup(trx, corpId, input.id, patch, actor))) {
            throw new NotFoundError('chat group record', input.id, 'CHAT_GROUP_NOT_FOUND');
          }
          return input.id;
        }
        const existing = await findChatGroupIdByChatId(trx, corpId, input.chatId);
        if (existing) {
          await updateChatGroup(trx, corpId, existing, patch, actor);
          return existing;
        }
        return insertChatGroup(
          trx,
          corpId,
          {
            chatId: input.chatId,
            remark: input.remark ?? null,
            category: input.category ?? null,
            channelId: input.channelId ?? null,
          },
          actor,
        );
      }),
    {
      [CHAT_GROUP_CHAT_INDEX]: () =>
        new ConflictError(`group ${input.chatId} already has a record`, 'CHAT_GROUP_EXISTS'),
    },
  );
  return getChatGroup(db, viewer, id);
}
