import type { Middleware } from 'koa';
import type { Db } from '../../db/knex';
import { findUserById } from '../../db/queries/users';
import { ForbiddenError, UnauthorizedError } from '../../domain/errors';
import type { AuthUser } from '../../domain/users/tokens';
import { verifyAdminToken } from '../../domain/users/tokens';

/**
 * Decides whether a user holds a permission. Until roles and menus exist every active admin holds
 * every permission; RBAC replaces this function without touching routes, which already name
 * the permission they need.
 */
export type PermissionCheck = (user: AuthUser, permission: string) => Promise<boolean>;

export const everyAdminMayDoEverything: PermissionCheck = () => Promise.resolve(true);

/** Verifies the `token` header, loads the user (disabled users and old password versions are refused) and checks the permission. */
export function requireAdmin(
  db: Db,
  jwtSecret: string,
  permission: string | undefined,
  check: PermissionCheck,
): Middleware {
  return async (ctx, next) => {
    const token = ctx.get('token') || ctx.get('authorization').replace(/^Bearer\s+/i, '');
    if (!token) throw new UnauthorizedError('missing token header', 'TOKEN_MISSING');
    const claims = verifyAdminToken(token, jwtSecret);
    const row = await findUserById(db, claims.uid);
    if (!row) throw new UnauthorizedError('user no longer exists', 'TOKEN_INVALID');
    if (row.account_status !== 0) throw new UnauthorizedError('account disabled', 'ACCOUNT_DISABLED');
    if (row.token_version !== claims.tv) throw new UnauthorizedError('token revoked, log in again', 'TOKEN_REVOKED');
    const user: AuthUser = {
      id: row.id,
      username: row.username,
      empNo: row.emp_no ?? '',
      deptId: row.dept_id ?? '',
      corpId: row.corp_id,
    };
    if (permission && !(await check(user, permission))) {
      throw new ForbiddenError(`permission ${permission} required`);
    }
    ctx.state['user'] = user;
    await next();
  };
}
