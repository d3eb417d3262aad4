import { Type } from '@sinclair/typebox';
import type { GroupChatRow } from '../../../db/queries/group-chats';
import type { GroupMemberRow } from '../../../db/queries/group-members';

const MEMBER_STATUS_DESCRIPTION = '0 in the group now, 1 left it';
const NStr = Type.Union([Type.String(), Type.Null()]);
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** A WeCom id (chat, user, external user): opaque, no spaces. */
export const WecomId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^\\S+$',
  'x-message': 'field.wecomId',
});

export const GroupView = Type.Object({
  id: Type.String(),
  chatId: Type.String(),
  name: Type.String(),
  owner: NStr,
  ownerName: NStr,
  createTime: NStr,
  notice: NStr,
  status: Type.Integer({ description: 'WeCom: 0 normal, 1 owner resigned, 2 inheriting, 3 inherited' }),
  memberCount: Type.Integer({ description: 'members in the group now' }),
  adminList: Type.Array(Type.String()),
  dismissed: Type.Boolean(),
  ctime: Type.String(),
  mtime: Type.String(),
});

export const GroupMemberView = Type.Object({
  id: Type.String(),
  chatId: Type.String(),
  groupName: NStr,
  memberId: Type.String({ description: 'userid of an employee or external_userid of a customer' }),
  memberType: Type.Integer({ description: '1 employee, 2 customer (external contact)' }),
  name: NStr,
  customerName: NStr,
  employeeName: NStr,
  groupNickname: NStr,
  unionid: NStr,
  joinTime: NStr,
  joinScene: Type.Union([Type.Integer({ description: '1 invited directly, 2 via link, 3 scanned QR' }), Type.Null()]),
  invitor: NStr,
  invitorName: NStr,
  state: Type.Union([Type.String({ description: 'channel (join-way state)' }), Type.Null()]),
  status: Type.Integer({ description: MEMBER_STATUS_DESCRIPTION }),
  quitTime: NStr,
  quitScene: Type.Union([Type.Integer({ description: '0 left, 1 removed' }), Type.Null()]),
});

export const MemberFilters = {
  chatId: Type.Optional(WecomId),
  state: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'channel (join-way state)' })),
  memberType: Type.Optional(Type.Integer({ minimum: 1, maximum: 2, description: '1 employee, 2 customer' })),
  status: Type.Optional(
    Type.Array(Type.Unsafe<0 | 1>({ type: 'integer', enum: [0, 1] }), {
      maxItems: 2,
      uniqueItems: true,
      description: `stays with one of these statuses (${MEMBER_STATUS_DESCRIPTION}), as relation and employee filters take theirs`,
    }),
  ),
  joinTimeFrom: Type.Optional(Type.String({ format: 'date-time' })),
  joinTimeTo: Type.Optional(Type.String({ format: 'date-time', description: 'exclusive' })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'part of the member name' })),
};

export const TodayStatsFields = {
  joinedToday: Type.Integer(),
  quitToday: Type.Integer(),
  timeZone: Type.String({ description: 'time zone of "today"' }),
};

export function presentGroup(g: GroupChatRow) {
  return {
    id: g.id,
    chatId: g.chat_id,
    name: g.name,
    owner: g.owner,
    ownerName: g.owner_name,
    createTime: iso(g.create_time),
    notice: g.notice,
    status: g.status,
    memberCount: g.current_members,
    adminList: g.admin_list,
    dismissed: g.is_del === 1,
    ctime: iso(g.ctime) as string,
    mtime: iso(g.mtime) as string,
  };
}

export function presentGroupMember(m: GroupMemberRow) {
  return {
    id: m.id,
    chatId: m.chat_id,
    groupName: m.group_name,
    memberId: m.member_id,
    memberType: m.member_type,
    name: m.customer_name ?? m.employee_name ?? m.name,
    customerName: m.customer_name,
    employeeName: m.employee_name,
    groupNickname: m.group_nickname,
    unionid: m.unionid,
    joinTime: iso(m.join_time),
    joinScene: m.join_scene,
    invitor: m.invitor,
    invitorName: m.invitor_name,
    state: m.state,
    status: m.status,
    quitTime: iso(m.quit_time),
    quitScene: m.status === 0 ? null : m.quit_scene,
  };
}
