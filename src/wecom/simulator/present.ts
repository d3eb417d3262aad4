import type { Static } from '@sinclair/typebox';
import type {
  CorpTagGroupSchema,
  CorpTagSchema,
  DepartmentSchema,
  ExternalContactSchema,
  FollowInfoSchema,
  FollowUserSchema,
  GroupChatMemberSchema,
  GroupChatSchema,
  UserSchema,
} from '../endpoints';
import type {
  SimChatMember,
  SimCorp,
  SimCustomer,
  SimDepartment,
  SimEmployee,
  SimGroupChat,
  SimRelation,
  SimTag,
  SimTagGroup,
} from './state';

/** Simulator objects → WeCom wire objects, typed by the endpoint table's schemas. */

export function presentDepartment(d: SimDepartment): Static<typeof DepartmentSchema> {
  const out: Static<typeof DepartmentSchema> = { id: d.id, name: d.name, parentid: d.parentId, order: d.order };
  if (d.nameEn !== undefined) out.name_en = d.nameEn;
  out.department_leader = [...d.leaders];
  return out;
}

export function presentUser(e: SimEmployee): Static<typeof UserSchema> {
  return {
    userid: e.userid,
    name: e.name,
    department: [...e.departments],
    order: [...e.orders],
    position: e.position,
    mobile: e.mobile,
    gender: e.gender,
    email: e.email,
    is_leader_in_dept: [...e.isLeaderInDept],
    avatar: e.avatar,
    alias: e.alias,
    status: e.status,
    main_department: e.mainDepartment,
    open_userid: e.openUserid,
  };
}

export function presentExternalContact(c: SimCustomer): Static<typeof ExternalContactSchema> {
  const out: Static<typeof ExternalContactSchema> = {
    external_userid: c.externalUserid,
    name: c.name,
    avatar: c.avatar,
    type: c.type,
    gender: c.gender,
  };
  if (c.unionid !== undefined) out.unionid = c.unionid;
  if (c.type === 2) {
    if (c.position !== undefined) out.position = c.position;
    if (c.corpName !== undefined) out.corp_name = c.corpName;
    if (c.corpFullName !== undefined) out.corp_full_name = c.corpFullName;
    out.external_profile = { external_attr: [] };
  }
  return out;
}

function followBase(r: SimRelation) {
  const out: Static<typeof FollowInfoSchema> = {
    userid: r.userid,
    remark: r.remark,
    description: r.description,
    createtime: r.createtime,
    remark_mobiles: [...r.remarkMobiles],
    oper_userid: r.operUserid,
    add_way: r.addWay,
  };
  if (r.remarkCorpName !== undefined) out.remark_corp_name = r.remarkCorpName;
  if (r.state !== undefined) out.state = r.state;
  return out;
}

/** follow_user item of externalcontact/get: tag names resolved through the corp's tag groups. */
export function presentFollowUser(corp: SimCorp, r: SimRelation): Static<typeof FollowUserSchema> {
  const tags: NonNullable<Static<typeof FollowUserSchema>['tags']> = [];
  for (const id of r.tagIds) {
    const tag = corp.tagById.get(id);
    const group = tag && corp.tagGroupById.get(tag.groupId);
    if (!tag || !group || tag.deleted) continue;
    tags.push({ group_name: group.name, tag_name: tag.name, tag_id: tag.id, type: 1 });
  }
  return { ...followBase(r), tags };
}

/** follow_info of batch/get_by_user: corp tag ids only. */
export function presentFollowInfo(corp: SimCorp, r: SimRelation): Static<typeof FollowInfoSchema> {
  return { ...followBase(r), tag_id: r.tagIds.filter((id) => corp.tagById.get(id)?.deleted === false) };
}

export function presentTag(t: SimTag, withDeleted: boolean): Static<typeof CorpTagSchema> {
  const out: Static<typeof CorpTagSchema> = { id: t.id, name: t.name, create_time: t.createTime, order: t.order };
  if (withDeleted) out.deleted = t.deleted;
  return out;
}

export function presentTagGroup(
  g: SimTagGroup,
  tags: readonly SimTag[],
  withDeleted: boolean,
): Static<typeof CorpTagGroupSchema> {
  const out: Static<typeof CorpTagGroupSchema> = {
    group_id: g.id,
    group_name: g.name,
    create_time: g.createTime,
    order: g.order,
    tag: tags.map((t) => presentTag(t, withDeleted)),
  };
  if (withDeleted) out.deleted = g.deleted;
  return out;
}

/** A live group with its live tags, as get_corp_tag_list answers without filters. */
export function presentLiveTagGroup(g: SimTagGroup): Static<typeof CorpTagGroupSchema> {
  const live = g.tags.filter((t) => !t.deleted);
  return presentTagGroup(g, live, false);
}

function presentMember(m: SimChatMember, needName: boolean): Static<typeof GroupChatMemberSchema> {
  const out: Static<typeof GroupChatMemberSchema> = {
    userid: m.userid,
    type: m.type,
    join_time: m.joinTime,
    join_scene: m.joinScene,
  };
  if (m.unionid !== undefined) out.unionid = m.unionid;
  if (m.invitor !== undefined) out.invitor = { userid: m.invitor };
  out.group_nickname = m.groupNickname ?? '';
  if (needName) out.name = m.name;
  if (m.state !== undefined) out.state = m.state;
  return out;
}

export function presentGroupChat(c: SimGroupChat, needName: boolean): Static<typeof GroupChatSchema> {
  return {
    chat_id: c.chatId,
    name: c.name,
    owner: c.owner,
    create_time: c.createTime,
    notice: c.notice,
    member_list: c.members.map((m) => presentMember(m, needName)),
    admin_list: c.admins.map((userid) => ({ userid })),
    member_version: c.memberVersion,
  };
}
