import type { Knex } from 'knex';
import type { Executor } from '../knex';
import { containsPattern } from './corp-rows';
import { readPage, type PageWindow } from './paging';

export interface RoleRow {
  id: string;
  name: string;
  role_key: string;
  order_num: number;
  status: number;
  data_scope: number;
  built_in: boolean;
  remark: string | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

/** A role with what a list shows beside it. */
export interface RoleDetailRow extends RoleRow {
  dept_ids: string[];
  user_count: number;
}

export interface RoleWrite {
  name: string;
  role_key: string;
  order_num: number;
  status: number;
  data_scope: number;
  remark: string | null;
}

export interface RoleFilter extends PageWindow {
  name?: string;
  roleKey?: string;
  status?: number;
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

const SORT_COLUMNS: Record<string, string> = { id: 'r.id', order: 'r.order_num', name: 'r.name', ctime: 'r.ctime' };

function detailQuery(db: Executor): Knex.QueryBuilder {
  return db('sys_role as r').where('r.is_del', 0);
}

function selectDetail(db: Executor, query: Knex.QueryBuilder): Knex.QueryBuilder {
  return query.select(
    'r.*',
    db.raw(
      `coalesce((SELECT array_agg(rd.dept_id::text ORDER BY rd.dept_id) FROM sys_role_dept rd WHERE rd.role_id = r.id), '{}') AS dept_ids`,
    ),
    db.raw(
      `(SELECT count(*)::int FROM sys_user_role ur JOIN sys_user u ON u.id = ur.user_id AND u.is_del = 0
         WHERE ur.role_id = r.id) AS user_count`,
    ),
  );
}

export async function pageRoles(db: Executor, filter: RoleFilter): Promise<{ rows: RoleDetailRow[]; total: number }> {
  const query = detailQuery(db);
  if (filter.name) query.whereILike('r.name', containsPattern(filter.name));
  if (filter.roleKey) query.whereILike('r.role_key', containsPattern(filter.roleKey));
  if (filter.status !== undefined) query.where('r.status', filter.status);
  const column = SORT_COLUMNS[filter.sortField ?? 'order'] ?? 'r.order_num';
  const direction = filter.sortOrder ?? 'asc';
  return readPage<RoleDetailRow>(query, filter, (q) =>
    selectDetail(db, q).orderBy([
      { column, order: direction },
      { column: 'r.id', order: direction },
    ]),
  );
}

export async function listRoles(db: Executor): Promise<RoleDetailRow[]> {
  return selectDetail(db, detailQuery(db)).orderBy([{ column: 'r.order_num' }, { column: 'r.id' }]);
}

export async function findRoleDetail(db: Executor, id: string): Promise<RoleDetailRow | undefined> {
  return selectDetail(db, detailQuery(db).where('r.id', id)).first();
}

export async function findRolesForUpdate(db: Executor, ids: string[]): Promise<RoleRow[]> {
  return db<RoleRow>('sys_role').where({ is_del: 0 }).whereIn('id', ids).orderBy('id').forUpdate();
}

export async function insertRole(db: Executor, role: RoleWrite, actor: string): Promise<RoleRow> {
  const [row] = await db<RoleRow>('sys_role')
    .insert({ ...role, cuser: actor, muser: actor } as never)
    .returning('*');
  return row as RoleRow;
}

export async function updateRole(db: Executor, id: string, role: RoleWrite, actor: string): Promise<void> {
  await db('sys_role')
    .where({ id, is_del: 0 })
    .update({ ...role, muser: actor, mtime: db.fn.now() });
}

export async function replaceRoleDepts(db: Executor, roleId: string, deptIds: string[]): Promise<void> {
  await db('sys_role_dept').where({ role_id: roleId }).delete();
  if (deptIds.length > 0) await db('sys_role_dept').insert(deptIds.map((dept_id) => ({ role_id: roleId, dept_id })));
}

export async function replaceRoleMenus(db: Executor, roleId: string, menuIds: string[]): Promise<void> {
  await db('sys_role_menu').where({ role_id: roleId }).delete();
  if (menuIds.length > 0) await db('sys_role_menu').insert(menuIds.map((menu_id) => ({ role_id: roleId, menu_id })));
}

export async function findRoleMenuIds(db: Executor, roleId: string): Promise<string[]> {
  const rows = await db('sys_role_menu as rm')
    .join('sys_menu as m', 'm.id', 'rm.menu_id')
    .where({ 'rm.role_id': roleId, 'm.is_del': 0 })
    .orderBy('rm.menu_id')
    .select('rm.menu_id');
  return rows.map((row: { menu_id: string }) => row.menu_id);
}

/** Live users holding any of the roles, per role. */
export async function countRoleUsers(db: Executor, roleIds: string[]): Promise<Map<string, number>> {
  const rows = await db('sys_user_role as ur')
    .join('sys_user as u', 'u.id', 'ur.user_id')
    .where('u.is_del', 0)
    .whereIn('ur.role_id', roleIds)
    .groupBy('ur.role_id')
    .select('ur.role_id', db.raw('count(*)::int AS count'));
  return new Map(rows.map((row: { role_id: string; count: number }) => [row.role_id, row.count]));
}

export async function softDeleteRoles(db: Executor, ids: string[], actor: string): Promise<void> {
  await db('sys_user_role').whereIn('role_id', ids).delete();
  await db('sys_role').whereIn('id', ids).update({ is_del: 1, muser: actor, mtime: db.fn.now() });
}

/** Ids among `ids` of live departments of the system tree. */
export async function existingDeptIds(db: Executor, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db('sys_dept').where({ is_del: 0 }).whereIn('id', ids).select('id');
  return new Set(rows.map((row: { id: string }) => row.id));
}
