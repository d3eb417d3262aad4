import type { SysUserRow } from '../../db/queries/users';
import { issueAdminToken, type AdminClaims } from './tokens';

export interface TokenSettings {
  secret: string;
  ttlSeconds: number;
}

/** The claims of a token for the user as stored now (named as in the seed's example token). */
export function claimsOfUser(user: SysUserRow): AdminClaims {
  return {
    uid: user.id,
    emp_no: user.emp_no ?? '',
    user_name: user.username,
    phone_num: user.phone_num ?? '',
    account_status: String(user.account_status),
    dept_id: user.dept_id ?? '',
    tv: user.token_version,
  };
}

/** A fresh admin token for the user as stored now (its current token_version). */
export function tokenForUser(user: SysUserRow, settings: TokenSettings): { token: string; expiresIn: number } {
  const token = issueAdminToken(claimsOfUser(user), settings.secret, settings.ttlSeconds);
  return { token, expiresIn: settings.ttlSeconds };
}
