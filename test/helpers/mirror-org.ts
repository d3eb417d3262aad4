import type { Db } from '../../src/db/knex';
import type { WecomCustomerRow } from '../../src/db/queries/wecom-customers';
import type { WecomDeptRow } from '../../src/db/queries/wecom-depts';
import type { WecomEmployeeRow } from '../../src/db/queries/wecom-employees';
import type { WecomRelationRow } from '../../src/db/queries/wecom-relations';
import { uid } from './factories';

// Rows as a sync would leave them, written straight to PostgreSQL for one corp; override any column.

export async function mirrorDept(
  db: Db,
  corpId: string,
  values: Partial<WecomDeptRow> & { dept_id: string },
): Promise<WecomDeptRow> {
  const [row] = (await db('wecom_dept')
    .insert({
      name: `部门${values.dept_id}`,
      parent_id: '1',
      dept_order: '0',
      cuser: 'wecom-sync',
      ...values,
      corp_id: corpId,
    })
    .returning('*')) as WecomDeptRow[];
  return row!;
}

export async function mirrorEmployee(
  db: Db,
  corpId: string,
  values: Partial<WecomEmployeeRow> = {},
): Promise<WecomEmployeeRow> {
  const [row] = (await db('wecom_employee')
    .insert({
      userid: uid('emp'),
      name: '张三',
      status: 1,
      departments: ['1'],
      main_department: '1',
      has_contact_feature: true,
      cuser: 'wecom-sync',
      ...values,
      corp_id: corpId,
    })
    .returning('*')) as WecomEmployeeRow[];
  return row!;
}

export async function mirrorCustomer(
  db: Db,
  corpId: string,
  values: Partial<WecomCustomerRow> = {},
): Promise<WecomCustomerRow> {
  const [row] = (await db('wecom_customer')
    .insert({
      external_userid: uid('wm'),
      name: '李四',
      type: 1,
      gender: 1,
      cuser: 'wecom-sync',
      ...values,
      external_profile: values.external_profile === undefined ? null : JSON.stringify(values.external_profile),
      corp_id: corpId,
    })
    .returning('*')) as WecomCustomerRow[];
  return row!;
}

export async function mirrorRelation(
  db: Db,
  corpId: string,
  values: Partial<WecomRelationRow> & { external_userid: string; userid: string },
): Promise<WecomRelationRow> {
  const [row] = (await db('wecom_relation')
    .insert({ add_time: new Date(), add_way: 1, status: 0, cuser: 'wecom-sync', ...values, corp_id: corpId })
    .returning('*')) as WecomRelationRow[];
  return row!;
}

/**
 * `count` customers, each followed by `userid`, inserted in one statement (large exports):
 * external userids `<prefix>-<n>`, names `客户<n>`, added one minute apart from `from`.
 */
export async function mirrorManyRelations(
  db: Db,
  corpId: string,
  options: { userid: string; count: number; prefix: string; from: Date },
): Promise<void> {
  await db.raw(
    `INSERT INTO wecom_customer (corp_id, external_userid, name, type, gender)
     SELECT ?, ? || '-' || n, '客户' || n, 1, 0 FROM generate_series(1, ?) AS n`,
    [corpId, options.prefix, options.count],
  );
  await db.raw(
    `INSERT INTO wecom_relation (corp_id, external_userid, userid, remark, add_time, add_way, state, status)
     SELECT ?, ? || '-' || n, ?, '备注' || n, ?::timestamptz + n * interval '1 minute', 1, 'bulk', 0
       FROM generate_series(1, ?) AS n`,
    [corpId, options.prefix, options.userid, options.from, options.count],
  );
}
