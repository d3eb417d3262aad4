import type { Db } from '../../src/db/knex';

/**
 * The simulator's view of a corp (GET /control/corps/:id/state, WeCom field names) and the
 * mirror's, both reduced to the same canonical, sorted shape: every field the mirror keeps.
 */
export interface SimState {
  departments: Array<{ id: number; name: string; parentid: number; order: number; department_leader?: string[] }>;
  users: Array<{
    userid: string;
    name: string;
    department: number[];
    position?: string;
    mobile?: string;
    gender?: string;
    email?: string;
    avatar?: string;
    alias?: string;
    status: number;
    main_department?: number;
    customer_contact: boolean;
  }>;
  customers: Array<{
    external_contact: {
      external_userid: string;
      name: string;
      type: number;
      gender: number;
      avatar?: string;
      unionid?: string;
      corp_name?: string;
      corp_full_name?: string;
      position?: string;
    };
    follow_user: Array<{
      userid: string;
      remark: string;
      description: string;
      createtime: number;
      remark_mobiles?: string[];
      remark_corp_name?: string;
      oper_userid?: string;
      add_way: number;
      state?: string;
      tags?: Array<{ tag_id?: string; type: number }>;
    }>;
  }>;
  tagGroups: Array<{
    group_id: string;
    group_name: string;
    order: number;
    create_time: number;
    tag: Array<{ id: string; name: string; order: number; create_time: number }>;
  }>;
  groupChats: Array<{
    chat_id: string;
    name: string;
    owner: string;
    create_time: number;
    notice?: string;
    member_version?: string;
    admin_list?: Array<{ userid: string }>;
    member_list: Array<{
      userid: string;
      type: number;
      join_time: number;
      join_scene: number;
      invitor?: { userid: string };
      group_nickname?: string;
      state?: string;
    }>;
  }>;
}

export interface CanonicalCorp {
  departments: string[];
  employees: string[];
  customers: string[];
  relations: string[];
  relationTags: string[];
  tagGroups: string[];
  tags: string[];
  groups: string[];
  members: string[];
}

const line = (...values: unknown[]) => JSON.stringify(values);
const seconds = (date: Date | string | null) => (date === null ? null : Math.round(new Date(date).getTime() / 1000));
const sorted = (lines: string[]) => lines.sort();

export function canonicalFromSimulator(state: SimState): CanonicalCorp {
  return {
    departments: sorted(
      state.departments.map((d) =>
        line(String(d.id), d.name, String(d.parentid), String(d.order), d.department_leader ?? []),
      ),
    ),
    employees: sorted(
      state.users.map((u) =>
        line(
          u.userid,
          u.name,
          u.position ?? null,
          u.mobile ?? null,
          u.email ?? null,
          u.gender === undefined ? null : Number(u.gender),
          u.avatar ?? null,
          u.alias ?? null,
          u.status,
          u.main_department === undefined ? null : String(u.main_department),
          u.department.map(String),
          u.customer_contact,
        ),
      ),
    ),
    customers: sorted(
      state.customers
        .filter((c) => c.follow_user.length > 0)
        .map(({ external_contact: c }) =>
          line(
            c.external_userid,
            c.name,
            c.type,
            c.gender,
            c.avatar ?? null,
            c.corp_name ?? null,
            c.corp_full_name ?? null,
            c.position ?? null,
            c.unionid ?? null,
          ),
        ),
    ),
    relations: sorted(
      state.customers.flatMap((c) =>
        c.follow_user.map((f) =>
          line(
            c.external_contact.external_userid,
            f.userid,
            f.remark,
            f.description,
            f.createtime,
            f.remark_corp_name ?? null,
            f.remark_mobiles ?? [],
            f.oper_userid ?? null,
            f.add_way,
            f.state ?? null,
          ),
        ),
      ),
    ),
    relationTags: sorted(
      state.customers.flatMap((c) =>
        c.follow_user.flatMap((f) =>
          (f.tags ?? [])
            .filter((t) => t.type === 1 && t.tag_id)
            .map((t) => line(c.external_contact.external_userid, f.userid, t.tag_id)),
        ),
      ),
    ),
    tagGroups: sorted(state.tagGroups.map((g) => line(g.group_id, g.group_name, String(g.order), g.create_time))),
    tags: sorted(
      state.tagGroups.flatMap((g) => g.tag.map((t) => line(t.id, g.group_id, t.name, String(t.order), t.create_time))),
    ),
    groups: sorted(
      state.groupChats.map((g) =>
        line(
          g.chat_id,
          g.name,
          g.owner,
          g.create_time,
          g.notice ?? null,
          g.member_version ?? null,
          (g.admin_list ?? []).map((a) => a.userid),
          g.member_list.length,
        ),
      ),
    ),
    members: sorted(
      state.groupChats.flatMap((g) =>
        g.member_list.map((m) =>
          line(
            g.chat_id,
            m.userid,
            m.type,
            m.join_time,
            m.join_scene,
            m.invitor?.userid ?? null,
            m.group_nickname ?? null,
            m.state ?? null,
          ),
        ),
      ),
    ),
  };
}

/** The live (not deleted) part of the mirror of one corp, in the simulator's canonical shape. */
export async function canonicalFromMirror(db: Db, corpId: string): Promise<CanonicalCorp> {
  const live = { corp_id: corpId, is_del: 0 };
  const departments = await db('wecom_dept').where(live);
  const employees = await db('wecom_employee').where(live);
  const customers = await db('wecom_customer').where(live);
  const relations = await db('wecom_relation').where({ corp_id: corpId, status: 0 });
  const relationTags = await db('customer_tag').where({ ...live, tag_source: 'corp' });
  const tagGroups = await db('wecom_corp_tag_group').where(live);
  const tags = await db('wecom_corp_tag').where(live);
  const groups = await db('wecom_group_chat').where(live);
  const members = await db('wecom_group_member').where({ corp_id: corpId, status: 0, is_del: 0 });
  return {
    departments: sorted(departments.map((d) => line(d.dept_id, d.name, d.parent_id, d.dept_order, d.leaders))),
    employees: sorted(
      employees.map((e) =>
        line(
          e.userid,
          e.name,
          e.position,
          e.mobile,
          e.email,
          e.gender,
          e.avatar,
          e.alias,
          e.status,
          e.main_department,
          e.departments,
          e.has_contact_feature,
        ),
      ),
    ),
    customers: sorted(
      customers.map((c) =>
        line(
          c.external_userid,
          c.name,
          c.type,
          c.gender,
          c.avatar,
          c.corp_name,
          c.corp_full_name,
          c.position,
          c.unionid,
        ),
      ),
    ),
    relations: sorted(
      relations.map((r) =>
        line(
          r.external_userid,
          r.userid,
          r.remark,
          r.description,
          seconds(r.add_time),
          r.remark_corp_name,
          r.remark_mobiles,
          r.oper_userid,
          r.add_way,
          r.state,
        ),
      ),
    ),
    relationTags: sorted(relationTags.map((t) => line(t.external_userid, t.userid, t.tag_id))),
    tagGroups: sorted(tagGroups.map((g) => line(g.group_id, g.group_name, g.group_order, seconds(g.create_time)))),
    tags: sorted(tags.map((t) => line(t.tag_id, t.group_id, t.name, t.tag_order, seconds(t.create_time)))),
    groups: sorted(
      groups.map((g) =>
        line(
          g.chat_id,
          g.name,
          g.owner,
          seconds(g.create_time),
          g.notice,
          g.member_version,
          g.admin_list,
          g.member_count,
        ),
      ),
    ),
    members: sorted(
      members.map((m) =>
        line(
          m.chat_id,
          m.member_id,
          m.member_type,
          seconds(m.join_time),
          m.join_scene,
          m.invitor,
          m.group_nickname,
          m.state,
        ),
      ),
    ),
  };
}
