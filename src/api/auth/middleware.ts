import type { Middleware } from 'koa';
import type { Db } from '../../db/knex';
import { findSessionUser } from '../../db/queries/access';
import { mayDo, type AccessCache } from '../../domain/access/user-access';
import { ForbiddenError, UnauthorizedError } from '../../domain/errors';
import type { AuthUser } from '../../domain/users/tokens';
import { verifyAdminToken } from '../../domain/users/tokens';

export interface AdminGuard {
  /** Permission the route needs; none for self-service routes. */
  permission: string | undefined;
  selfService: boolean;
}

/**
 * Verifies the `token` header, loads the user (deleted and disabled users and revoked tokens are
 * refused) and checks that one of the user's active roles grants the route's permission.
 */
export function requireAdmin(db: Db, jwtSecret: string, accessCache: AccessCache, guard: AdminGuard): Middleware {
  return async (ctx, next) => {
    const token = ctx.get('token') || ctx.get('authorization').replace(/^Bearer\s+/i, '');
    if (!token) throw new UnauthorizedError('missing token header', 'TOKEN_MISSING');
    const claims = verifyAdminToken(token, jwtSecret);
    const row = await findSessionUser(db, claims.uid);
    if (!row) throw new UnauthorizedError('user no longer exists', 'TOKEN_INVALID');
    if (row.account_status !== 0) throw new UnauthorizedError('account disabled', 'ACCOUNT_DISABLED');
    if (row.token_version !== claims.tv) throw new UnauthorizedError('token revoked, log in again', 'TOKEN_REVOKED');
    const access = await accessCache.get(db, { id: row.id, deptId: row.dept_id }, row.grant_version);
    if (!guard.selfService) {
      if (row.must_change_password) {
        throw new ForbiddenError('change the one-time password first', 'PASSWORD_CHANGE_REQUIRED');
      }
      const permission = guard.permission;
      if (permission && !mayDo(access, permission)) {
        throw new ForbiddenError(`permission ${permission} required`, 'PERMISSION_DENIED', { permission });
      }
    }
    const user: AuthUser = {
      id: row.id,
      username: row.username,
      empNo: row.emp_no ?? '',
      deptId: row.dept_id,
      corpId: row.corp_id,
      wecomUserid: row.wecom_userid,
      access,
    };
    ctx.state['user'] = user;
    await next();
  };
}
