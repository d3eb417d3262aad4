import type { Executor } from '../knex';
import { bumpGrantVersion } from './access';

/** role_key of the built-in role that holds every permission. */
export const SUPER_ADMIN_ROLE_KEY = 'super_admin';

/** Gives a user the roles with these keys (in addition to those it has). */
export async function grantRolesByKey(db: Executor, userId: string, roleKeys: string[]): Promise<void> {
  await db.raw(
    `INSERT INTO sys_user_role (user_id, role_id)
     SELECT ?, id FROM sys_role WHERE is_del = 0 AND lower(role_key) = ANY(?::text[])
     ON CONFLICT DO NOTHING`,
    [userId, roleKeys.map((key) => key.toLowerCase())],
  );
  await bumpGrantVersion(db);
}
