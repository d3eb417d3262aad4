import { Type } from '@sinclair/typebox';
import type { ChatGroupRow } from '../../../db/queries/chat-groups';

const NStr = Type.Union([Type.String(), Type.Null()]);
const iso = (d: Date | string) => new Date(d).toISOString();

export const ChatGroupView = Type.Object({
  id: Type.String(),
  chatId: Type.String(),
  remark: NStr,
  category: NStr,
  channelId: NStr,
  groupName: Type.Union([Type.String({ description: 'from the mirrored WeCom group' }), Type.Null()]),
  owner: NStr,
  ownerName: NStr,
  groupStatus: Type.Union([Type.Integer(), Type.Null()]),
  groupDismissed: Type.Boolean(),
  memberCount: Type.Integer({ description: 'members in the group now' }),
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export function presentChatGroup(r: ChatGroupRow) {
  return {
    id: r.id,
    chatId: r.chat_id,
    remark: r.remark,
    category: r.category,
    channelId: r.channel_id,
    groupName: r.group_name,
    owner: r.group_owner,
    ownerName: r.owner_name,
    groupStatus: r.group_status,
    groupDismissed: r.group_dismissed !== false,
    memberCount: r.current_members,
    ctime: iso(r.ctime),
    cuser: r.cuser,
    mtime: iso(r.mtime),
    muser: r.muser,
  };
}
