import type { Executor } from '../knex';
import type { SysUserRow } from './users';

export interface SessionUserRow extends SysUserRow {
  must_change_password: boolean;
  /** sys_grant_version at the moment of the read: cached grants older than this are stale. */
  grant_version: string;
}

/** The user of a token and the current grant version, in one round trip (it runs on every admin request). */
export async function findSessionUser(db: Executor, id: string): Promise<SessionUserRow | undefined> {
  const result = await db.raw<{ rows: SessionUserRow[] }>(
    `SELECT u.*, (SELECT version FROM sys_grant_version WHERE id = 1) AS grant_version
       FROM sys_user u WHERE u.id = ? AND u.is_del = 0`,
    [id],
  );
  return result.rows[0];
}

export interface ActiveRoleRow {
  id: string;
  role_key: string;
  name: string;
  data_scope: number;
  built_in: boolean;
  /** Custom departments of a scope-2 role. */
  dept_ids: string[];
  permissions: string[];
}

/** The user's active roles with what each grants. Disabled and deleted roles grant nothing. */
export async function findActiveRoles(db: Executor, userId: string): Promise<ActiveRoleRow[]> {
  const result = await db.raw<{ rows: ActiveRoleRow[] }>(
    `SELECT r.id, r.role_key, r.name, r.data_scope, r.built_in,
            coalesce((SELECT array_agg(rd.dept_id::text) FROM sys_role_dept rd WHERE rd.role_id = r.id), '{}') AS dept_ids,
            coalesce((SELECT array_agg(m.permission) FROM sys_role_menu rm
                        JOIN sys_menu m ON m.id = rm.menu_id AND m.is_del = 0 AND m.permission IS NOT NULL
                       WHERE rm.role_id = r.id), '{}') AS permissions
       FROM sys_user_role ur
       JOIN sys_role r ON r.id = ur.role_id AND r.is_del = 0 AND r.status = 0
      WHERE ur.user_id = ?
      ORDER BY r.order_num, r.id`,
    [userId],
  );
  return result.rows;
}

/** A department and every department below it (live ones only). */
export async function findDeptSubtree(db: Executor, deptId: string): Promise<string[]> {
  const result = await db.raw<{ rows: Array<{ id: string }> }>(
    `WITH RECURSIVE subtree AS (
       SELECT id FROM sys_dept WHERE id = ? AND is_del = 0
       UNION
       SELECT d.id FROM sys_dept d JOIN subtree s ON d.parent_id = s.id WHERE d.is_del = 0
     ) SELECT id FROM subtree`,
    [deptId],
  );
  return result.rows.map((row) => row.id);
}

/**
 * Tells every API process that grants changed: call it in the transaction that changes roles,
 * grants, role assignments, departments or a user's department.
 */
export async function bumpGrantVersion(db: Executor): Promise<void> {
  await db.raw('UPDATE sys_grant_version SET version = version + 1 WHERE id = 1');
}
