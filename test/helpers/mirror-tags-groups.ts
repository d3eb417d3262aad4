import type { Db } from '../../src/db/knex';
import { uid } from './factories';

/** Mirror rows written straight into PostgreSQL, as a sync would have left them; every call names its corp. */

export interface SeededTagGroup {
  id: string;
  groupId: string;
  tagIds: string[];
}

export async function seedCorpTagGroup(
  db: Db,
  corpId: string,
  spec: {
    groupId?: string;
    name?: string;
    order?: number;
    tags: Array<{ tagId?: string; name: string; order?: number }>;
  },
): Promise<SeededTagGroup> {
  const groupId = spec.groupId ?? uid('etg');
  const [group] = (await db('wecom_corp_tag_group')
    .insert({
      corp_id: corpId,
      group_id: groupId,
      group_name: spec.name ?? uid('group-'),
      group_order: spec.order ?? 0,
      create_time: new Date(),
    })
    .returning('id')) as Array<{ id: string }>;
  const tagIds: string[] = [];
  for (const tag of spec.tags) {
    const tagId = tag.tagId ?? uid('et');
    await db('wecom_corp_tag').insert({
      corp_id: corpId,
      tag_id: tagId,
      group_id: groupId,
      name: tag.name,
      tag_order: tag.order ?? 0,
      create_time: new Date(),
    });
    tagIds.push(tagId);
  }
  return { id: group!.id, groupId, tagIds };
}

export async function seedSelfTagGroup(
  db: Db,
  corpId: string,
  spec: { name?: string; order?: number; tags: Array<{ name: string; order?: number }> },
): Promise<SeededTagGroup> {
  const [group] = (await db('self_tag_group')
    .insert({ corp_id: corpId, name: spec.name ?? uid('group-'), group_order: spec.order ?? 0 })
    .returning('id')) as Array<{ id: string }>;
  const tagIds: string[] = [];
  for (const tag of spec.tags) {
    const [row] = (await db('self_tag')
      .insert({ corp_id: corpId, group_id: group!.id, name: tag.name, tag_order: tag.order ?? 0 })
      .returning('id')) as Array<{ id: string }>;
    tagIds.push(row!.id);
  }
  return { id: group!.id, groupId: group!.id, tagIds };
}

export async function seedEmployee(db: Db, corpId: string, spec: { userid?: string; name?: string } = {}) {
  const userid = spec.userid ?? uid('emp');
  await db('wecom_employee').insert({
    corp_id: corpId,
    userid,
    name: spec.name ?? `员工${userid.slice(-4)}`,
    status: 1,
  });
  return userid;
}

export async function seedCustomer(db: Db, corpId: string, spec: { externalUserid?: string; name?: string } = {}) {
  const externalUserid = spec.externalUserid ?? uid('wm');
  await db('wecom_customer').insert({
    corp_id: corpId,
    external_userid: externalUserid,
    name: spec.name ?? `客户${externalUserid.slice(-4)}`,
    type: 1,
  });
  return externalUserid;
}

/** A follow-user relation; status 0 is active, anything else means the two are no longer connected. */
export async function seedRelation(
  db: Db,
  corpId: string,
  spec: { externalUserid: string; userid: string; status?: number },
): Promise<void> {
  await db('wecom_relation').insert({
    corp_id: corpId,
    external_userid: spec.externalUserid,
    userid: spec.userid,
    add_time: new Date(),
    status: spec.status ?? 0,
  });
}

export async function seedCustomerTag(
  db: Db,
  corpId: string,
  spec: { externalUserid: string; userid?: string; tagSource: 'corp' | 'self'; tagId: string; isDel?: number },
): Promise<string> {
  const [row] = (await db('customer_tag')
    .insert({
      corp_id: corpId,
      external_userid: spec.externalUserid,
      userid: spec.userid ?? '',
      tag_source: spec.tagSource,
      tag_id: spec.tagId,
      is_del: spec.isDel ?? 0,
    })
    .returning('id')) as Array<{ id: string }>;
  return row!.id;
}

export async function seedGroupChat(
  db: Db,
  corpId: string,
  spec: {
    chatId?: string;
    name?: string;
    owner?: string;
    status?: number;
    dismissed?: boolean;
    createTime?: Date;
  } = {},
): Promise<{ id: string; chatId: string }> {
  const chatId = spec.chatId ?? uid('wr');
  const [row] = (await db('wecom_group_chat')
    .insert({
      corp_id: corpId,
      chat_id: chatId,
      name: spec.name ?? uid('群-'),
      owner: spec.owner ?? null,
      create_time: spec.createTime ?? new Date(),
      status: spec.status ?? 0,
      is_del: spec.dismissed ? 1 : 0,
      del_time: spec.dismissed ? new Date() : null,
    })
    .returning('id')) as Array<{ id: string }>;
  return { id: row!.id, chatId };
}

export interface MemberSpec {
  chatId: string;
  memberId?: string;
  memberType?: 1 | 2;
  name?: string;
  joinTime?: Date;
  joinScene?: number;
  invitor?: string;
  state?: string;
  quitTime?: Date;
  quitScene?: number;
}

/** A group member; giving quitTime makes it one who left the group. */
export async function seedGroupMember(db: Db, corpId: string, spec: MemberSpec): Promise<string> {
  const [row] = (await db('wecom_group_member')
    .insert({
      corp_id: corpId,
      chat_id: spec.chatId,
      member_id: spec.memberId ?? uid('wm'),
      member_type: spec.memberType ?? 2,
      name: spec.name ?? null,
      join_time: spec.joinTime ?? new Date(),
      join_scene: spec.joinScene ?? 3,
      invitor: spec.invitor ?? null,
      state: spec.state ?? null,
      status: spec.quitTime ? 1 : 0,
      quit_time: spec.quitTime ?? null,
      quit_scene: spec.quitTime ? (spec.quitScene ?? 0) : null,
    })
    .returning('id')) as Array<{ id: string }>;
  return row!.id;
}

export const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
