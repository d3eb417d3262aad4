import jwt from 'jsonwebtoken';
import type { UserAccess } from '../access/user-access';
import { UnauthorizedError } from '../errors';

/** Claims of the admin token, named as in the seed's example token. */
export interface AdminClaims {
  uid: string;
  emp_no: string;
  user_name: string;
  phone_num: string;
  account_status: string;
  dept_id: string;
  /** Password version: a password change bumps it and old tokens stop verifying. */
  tv: number;
}

export interface AuthUser {
  id: string;
  username: string;
  empNo: string;
  /** The user's department in the system's own tree (sys_dept). */
  deptId: string | null;
  /** The WeCom corp the user works on; null means the installation's default corp. */
  corpId: string | null;
  /** The WeCom userid the user is bound to: what "own rows" means for data scope. */
  wecomUserid: string | null;
  access: UserAccess;
}

const ALGORITHM = 'HS256';
const ISSUER = 'scrm-backend';

export function issueAdminToken(claims: AdminClaims, secret: string, ttlSeconds: number): string {
  return jwt.sign(claims, secret, { algorithm: ALGORITHM, expiresIn: ttlSeconds, issuer: ISSUER });
}

/** Verifies signature (HS256 only), issuer and expiry; any failure is a 401 with a reason. */
export function verifyAdminToken(token: string, secret: string): AdminClaims {
  try {
    const payload = jwt.verify(token, secret, { algorithms: [ALGORITHM], issuer: ISSUER });
    if (typeof payload !== 'object' || typeof payload['uid'] !== 'string' || typeof payload['tv'] !== 'number') {
      throw new UnauthorizedError('token is missing required claims', 'TOKEN_INVALID');
    }
    return payload as unknown as AdminClaims;
  } catch (error) {
    if (error instanceof UnauthorizedError) throw error;
    if (error instanceof jwt.TokenExpiredError) throw new UnauthorizedError('token expired', 'TOKEN_EXPIRED');
    throw new UnauthorizedError('token invalid', 'TOKEN_INVALID');
  }
}

/** A token's payload as it was signed (JSON text), from which signAdminPayload makes the same token again. */
export function signedPayloadOf(token: string): string {
  return Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8');
}

/** Signs a payload taken from signedPayloadOf: the same payload and secret give the very same token. */
export function signAdminPayload(payloadJson: string, secret: string): string {
  return jwt.sign(JSON.parse(payloadJson) as object, secret, { algorithm: ALGORITHM });
}
