import type { Static } from '@sinclair/typebox';
import type { Executor } from '../../db/knex';
import {
  addCounts,
  upsertMirrorRows,
  type MirrorUpsertOptions,
  type UpsertCounts,
} from '../../db/queries/mirror-upsert';
import type { GroupChatSchema } from '../../wecom/endpoints';

type GroupChat = Static<typeof GroupChatSchema>;

const seconds = (unix: number) => new Date(unix * 1000);

/**
 * Mirrors one customer group as groupchat/get returns it. Members missing from the answer have
 * left: they keep their row with status 1 and the quit time (the callback's time when a callback
 * told us, otherwise the time we noticed).
 */
export async function upsertGroupChat(
  db: Executor,
  corpId: string,
  chat: GroupChat,
  status: number | undefined,
  options: MirrorUpsertOptions & { quitAt?: Date; quitScene?: number } = {},
): Promise<UpsertCounts> {
  const chatRow: Record<string, unknown> = {
    corp_id: corpId,
    chat_id: chat.chat_id,
    name: chat.name,
    owner: chat.owner,
    create_time: seconds(chat.create_time),
    notice: chat.notice ?? null,
    member_version: chat.member_version ?? null,
    admin_list: (chat.admin_list ?? []).map((a) => a.userid),
    member_count: chat.member_list.length,
  };
  if (status !== undefined) chatRow['status'] = status;
  const chats = await upsertMirrorRows(db, 'wecom_group_chat', ['corp_id', 'chat_id'], [chatRow], options);
  const members = await upsertMirrorRows(
    db,
    'wecom_group_member',
    ['corp_id', 'chat_id', 'member_id'],
    chat.member_list.map((m) => ({
      corp_id: corpId,
      chat_id: chat.chat_id,
      member_id: m.userid,
      member_type: m.type,
      unionid: m.unionid ?? null,
      join_time: seconds(m.join_time),
      join_scene: m.join_scene,
      invitor: m.invitor?.userid ?? null,
      group_nickname: m.group_nickname ?? null,
      name: m.name ?? null,
      state: m.state ?? null,
      status: 0,
      quit_time: null,
      quit_scene: null,
    })),
    options,
  );
  const stillIn = chat.member_list.map((m) => m.userid);
  await db('wecom_group_member')
    .where({ corp_id: corpId, chat_id: chat.chat_id, status: 0 })
    .whereNotIn('member_id', stillIn)
    .update({
      status: 1,
      quit_time: options.quitAt ?? db.fn.now(),
      quit_scene: options.quitScene ?? null,
      mtime: db.fn.now(),
    });
  return addCounts(chats, members);
}

/** The group was dismissed: soft-deleted with the time; its members are recorded as gone at that time. */
export async function markGroupChatDismissed(db: Executor, corpId: string, chatId: string, at: Date) {
  await db('wecom_group_member')
    .where({ corp_id: corpId, chat_id: chatId, status: 0 })
    .update({ status: 1, quit_time: at, mtime: db.fn.now() });
  return db('wecom_group_chat')
    .where({ corp_id: corpId, chat_id: chatId, is_del: 0 })
    .update({ is_del: 1, del_time: at, mtime: db.fn.now() });
}

/** Members a del_member callback names: gone at the event's time, with its quit scene. */
export async function recordGroupDepartures(
  db: Executor,
  corpId: string,
  chatId: string,
  memberIds: readonly string[],
  at: Date,
  quitScene: number | null,
): Promise<void> {
  await db('wecom_group_member')
    .where({ corp_id: corpId, chat_id: chatId, status: 1 })
    .whereIn('member_id', memberIds)
    .update({ quit_time: at, quit_scene: quitScene, mtime: db.fn.now() });
}
