import type { EndpointResponse } from '../../endpoints';
import { decodeCursor, encodeCursor, maxPageOf } from '../cursor';
import { WecomError } from '../errors';
import { presentGroupChat } from '../present';
import type { SimCorp, SimGroupChat } from '../state';
import { requireUser } from './org';
import type { HandlerTable } from './types';

/** groupchat/list without owner_filter is refused when the app sees more members than this. */
export const UNFILTERED_OWNER_LIMIT = 1000;

export function requireChat(corp: SimCorp, chatId: string): SimGroupChat {
  const chat = corp.chats.get(chatId);
  if (!chat) throw new WecomError(40050);
  return chat;
}

/** Makes `userid` the owner; adds them as a member when they were not one. Returns false when nothing changed. */
export function changeOwner(corp: SimCorp, chat: SimGroupChat, userid: string): boolean {
  if (chat.owner === userid) return false;
  const employee = corp.employee(userid);
  if (!chat.members.some((m) => m.userid === userid)) {
    chat.members.push({
      userid,
      type: 1,
      joinTime: corp.now(),
      joinScene: 1,
      invitor: chat.owner,
      name: employee?.name ?? userid,
    });
    chat.memberVersion = corp.newHex(32);
  }
  chat.owner = userid;
  chat.admins = chat.admins.filter((a) => a !== userid);
  return true;
}

type ListItem = EndpointResponse<'listGroupChats'>['group_chat_list'][number];

export const groupHandlers = {
  listGroupChats: ({ corp }, { body }) => {
    const status = body.status_filter ?? 0;
    if (![0, 1, 2, 3].includes(status)) throw new WecomError(40058, 'invalid status_filter');
    const owners = body.owner_filter ? new Set(body.owner_filter.userid_list) : null;
    if (owners === null) {
      let visible = 0;
      for (const e of corp.employees.values()) if (e.status === 1) visible++;
      if (visible > UNFILTERED_OWNER_LIMIT) {
        throw new WecomError(81017, 'owner_filter is required when the visible range exceeds 1000 members');
      }
    }
    const limit = Math.min(body.limit, maxPageOf('listGroupChats'));
    const [afterSeq = 0] = body.cursor ? decodeCursor('gc', body.cursor, 1) : [];
    const items: ListItem[] = [];
    let lastSeq = afterSeq;
    for (const chat of corp.chats.values()) {
      if (chat.seq <= afterSeq) continue;
      if (owners && !owners.has(chat.owner)) continue;
      if (status !== 0 && chat.status !== status) continue;
      // A further match exists: this page is full and the next one starts after the last chat shown.
      if (items.length === limit) return { group_chat_list: items, next_cursor: encodeCursor('gc', [lastSeq]) };
      items.push({ chat_id: chat.chatId, status: chat.status });
      lastSeq = chat.seq;
    }
    return { group_chat_list: items, next_cursor: '' };
  },

  getGroupChat: ({ corp }, { body }) => {
    const chat = requireChat(corp, body.chat_id);
    return { group_chat: presentGroupChat(chat, body.need_name === 1) };
  },

  transferGroupChats: ({ corp }, { body }) => {
    const newOwner = requireUser(corp, body.new_owner);
    if (newOwner.status !== 1) throw new WecomError(40003, 'new_owner is not an active member');
    const failed_chat_list: Array<{ chat_id: string; errcode: number; errmsg: string }> = [];
    for (const chatId of new Set(body.chat_id_list)) {
      const chat = corp.chats.get(chatId);
      if (!chat) {
        failed_chat_list.push({ chat_id: chatId, errcode: 40050, errmsg: 'chatid not found' });
      } else if (!changeOwner(corp, chat, newOwner.userid)) {
        failed_chat_list.push({ chat_id: chatId, errcode: 90504, errmsg: 'group owner is unchanged' });
      }
    }
    return { failed_chat_list };
  },
} satisfies Partial<HandlerTable>;
