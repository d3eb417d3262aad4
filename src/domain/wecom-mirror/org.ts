import type { Static } from '@sinclair/typebox';
import type { Executor } from '../../db/knex';
import { upsertMirrorRows, type MirrorUpsertOptions, type UpsertCounts } from '../../db/queries/mirror-upsert';
import type { DepartmentSchema, UserSchema } from '../../wecom/endpoints';

type WecomDepartment = Static<typeof DepartmentSchema>;
type WecomUser = Static<typeof UserSchema>;

export function departmentRow(corpId: string, d: WecomDepartment) {
  return {
    corp_id: corpId,
    dept_id: String(d.id),
    name: d.name,
    name_en: d.name_en ?? null,
    parent_id: String(d.parentid),
    dept_order: String(d.order),
    leaders: d.department_leader ?? [],
  };
}

export function upsertDepartments(
  db: Executor,
  corpId: string,
  departments: readonly WecomDepartment[],
  options: MirrorUpsertOptions = {},
): Promise<UpsertCounts> {
  return upsertMirrorRows(
    db,
    'wecom_dept',
    ['corp_id', 'dept_id'],
    departments.map((d) => departmentRow(corpId, d)),
    options,
  );
}

/** `hasContactFeature` comes from get_follow_user_list, which user/list does not tell. */
export function employeeRow(corpId: string, u: WecomUser, hasContactFeature: boolean) {
  return {
    corp_id: corpId,
    userid: u.userid,
    name: u.name,
    alias: u.alias ?? null,
    position: u.position ?? null,
    mobile: u.mobile ?? null,
    email: u.email ?? null,
    gender: u.gender === undefined || u.gender === '' ? null : Number(u.gender),
    avatar: u.avatar ?? null,
    status: u.status,
    main_department: u.main_department === undefined ? null : String(u.main_department),
    departments: u.department.map(String),
    is_leader_in_dept: u.is_leader_in_dept ?? [],
    open_userid: u.open_userid ?? null,
    has_contact_feature: hasContactFeature,
  };
}

export function upsertEmployees(
  db: Executor,
  corpId: string,
  users: readonly WecomUser[],
  contactFeature: ReadonlySet<string>,
  options: MirrorUpsertOptions = {},
): Promise<UpsertCounts> {
  return upsertMirrorRows(
    db,
    'wecom_employee',
    ['corp_id', 'userid'],
    users.map((u) => employeeRow(corpId, u, contactFeature.has(u.userid))),
    options,
  );
}

export async function markDepartmentDeleted(db: Executor, corpId: string, deptId: string, at: Date): Promise<number> {
  return db('wecom_dept')
    .where({ corp_id: corpId, dept_id: deptId, is_del: 0 })
    .update({ is_del: 1, del_time: at, mtime: db.fn.now(), muser: 'wecom-callback' });
}

export async function markEmployeeDeleted(db: Executor, corpId: string, userid: string, at: Date): Promise<number> {
  return db('wecom_employee')
    .where({ corp_id: corpId, userid, is_del: 0 })
    .update({ is_del: 1, del_time: at, mtime: db.fn.now(), muser: 'wecom-callback' });
}

/** A userid changed in WeCom (update_user with NewUserID): the mirror follows, relations included. */
export async function renameEmployee(db: Executor, corpId: string, from: string, to: string): Promise<void> {
  await db('wecom_employee').where({ corp_id: corpId, userid: to }).delete();
  await db('wecom_employee').where({ corp_id: corpId, userid: from }).update({ userid: to, mtime: db.fn.now() });
  await db('wecom_relation').where({ corp_id: corpId, userid: from }).update({ userid: to, mtime: db.fn.now() });
  await db('customer_tag').where({ corp_id: corpId, userid: from }).update({ userid: to, mtime: db.fn.now() });
}
