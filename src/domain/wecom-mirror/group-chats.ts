import type { Static } from '@sinclair/typebox';
import type { Executor } from '../../db/knex';
import {
  closeGroupStays,
  findLatestStayBefore,
  findStayEndedAt,
  insertStays,
  listCurrentStays,
  lockGroupChatRow,
  reopenStay,
  updateStayDeparture,
  updateStays,
  type MemberStayValues,
} from '../../db/queries/group-members';
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
 * Mirrors one customer group as groupchat/get returns it. Each member row is one stay: a member
 * missing from the answer has left (status 1, with the callback's time when a callback told us,
 * else the time we noticed); a member listed with another join time than its current stay left
 * and came back, so that stay ends and a new one begins.
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
  return db.transaction(async (trx) => {
    const chats = await upsertMirrorRows(trx, 'wecom_group_chat', ['corp_id', 'chat_id'], [chatRow], options);
    // Membership changes of one group take turns, so two events cannot both open a stay.
    await lockGroupChatRow(trx, corpId, chat.chat_id);
    const current = new Map((await listCurrentStays(trx, corpId, chat.chat_id)).map((s) => [s.member_id, s]));
    const listed = new Map(chat.member_list.map((m) => [m.userid, m]));

    const gone = [...current.values()].filter((s) => !listed.has(s.member_id)).map((s) => s.id);
    await closeGroupStays(trx, gone, options.quitAt ?? null, options.quitScene ?? null);

    const opening: MemberStayValues[] = [];
    const seen: Array<MemberStayValues & { id: string }> = [];
    for (const [memberId, m] of listed) {
      const values = stayValues(corpId, chat.chat_id, m);
      const stay = current.get(memberId);
      if (!stay) {
        opening.push(values);
      } else if (stay.join_time && stay.join_time.getTime() !== values.join_time.getTime()) {
        // Left between two reads: out by the time of the new join at the latest.
        const quitAt = options.quitAt && options.quitAt < values.join_time ? options.quitAt : values.join_time;
        await closeGroupStays(trx, [stay.id], quitAt, null);
        opening.push(values);
      } else {
        seen.push({ ...values, id: stay.id });
      }
    }
    const created = await insertStays(trx, opening, options);
    const updated = await updateStays(trx, seen, options);
    const members = { created, updated, unchanged: seen.length - updated };
    return addCounts(chats, members);
  });
}

function stayValues(corpId: string, chatId: string, m: GroupChat['member_list'][number]): MemberStayValues {
  return {
    corp_id: corpId,
    chat_id: chatId,
    member_id: m.userid,
    member_type: m.type,
    unionid: m.unionid ?? null,
    join_time: seconds(m.join_time),
    join_scene: m.join_scene,
    invitor: m.invitor?.userid ?? null,
    group_nickname: m.group_nickname ?? null,
    name: m.name ?? null,
    state: m.state ?? null,
  };
}

/** The group was dismissed: soft-deleted with the time; its members' stays end at that time. */
export async function markGroupChatDismissed(db: Executor, corpId: string, chatId: string, at: Date) {
  await lockGroupChatRow(db, corpId, chatId);
  await db('wecom_group_member')
    .where({ corp_id: corpId, chat_id: chatId, status: 0 })
    .update({ status: 1, quit_time: at, mtime: db.fn.now() });
  return db('wecom_group_chat')
    .where({ corp_id: corpId, chat_id: chatId, is_del: 0 })
    .update({ is_del: 1, del_time: at, mtime: db.fn.now() });
}

/**
 * Members a del_member callback names left at the event's time with its quit scene: a fact, kept
 * whatever the mirror saw. The stay they left is the one that ended then (this event, applied
 * again), else the latest that began by then; when that stay is still current, they came back
 * within the same second, so it ends and the current stay is a new one.
 */
export async function recordGroupDepartures(
  db: Executor,
  corpId: string,
  chatId: string,
  memberIds: readonly string[],
  at: Date,
  quitScene: number | null,
): Promise<void> {
  await db.transaction(async (trx) => {
    await lockGroupChatRow(trx, corpId, chatId);
    for (const memberId of new Set(memberIds)) {
      const left =
        (await findStayEndedAt(trx, corpId, chatId, memberId, at)) ??
        (await findLatestStayBefore(trx, corpId, chatId, memberId, at));
      if (!left) continue;
      await updateStayDeparture(trx, left.id, at, quitScene);
      if (left.status === 0) await reopenStay(trx, left.id);
    }
  });
}
