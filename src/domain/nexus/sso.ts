import { createHash } from 'node:crypto';
import type { Db } from '../../db/knex';
import {
  findLiveUserByEmpNo,
  findSsoSession,
  insertSsoSession,
  updateSsoSessionClaims,
  type SsoSessionRow,
} from '../../db/queries/nexus';
import { findUserById, type SysUserRow } from '../../db/queries/users';
import { UnauthorizedError } from '../errors';
import { claimsOfUser } from '../users/session-token';
import { issueAdminToken, signAdminPayload, signedPayloadOf } from '../users/tokens';
import type { SsoVerifier } from './sso-verifier';

/** How long an HR token's exchange holds, from the first one (seed: 12小时有效). */
export const SSO_SESSION_SECONDS = 12 * 3600;

export interface SsoSettings {
  jwtSecret: string;
  /** Lifetime of our tokens (JWT_TTL_SECONDS); an SSO token never outlives its mapping. */
  ttlSeconds: number;
  now?: () => Date;
}

export interface SsoResult {
  token: string;
  expiresIn: number;
  mustChangePassword: boolean;
  /** When the HR token's mapping ends; after it the same HR token is refused. */
  sessionExpiresAt: string;
  user: { id: string; username: string; realName: string | null; empNo: string };
}

// The claims of the password login (login.ts), so an SSO token opens exactly what a login's does.
function requireUsable(user: SysUserRow | undefined): SysUserRow {
  if (!user) throw new UnauthorizedError('no user has this employee number', 'NEXUS_SSO_UNKNOWN_EMPLOYEE');
  if (user.account_status !== 0) throw new UnauthorizedError('account disabled', 'ACCOUNT_DISABLED');
  return user;
}

/** A new token for the user, expiring with the mapping at the latest. */
function issue(user: SysUserRow, expiresAt: Date, settings: SsoSettings, nowMs: number): string {
  const left = Math.floor((expiresAt.getTime() - nowMs) / 1000);
  return issueAdminToken(claimsOfUser(user), settings.jwtSecret, Math.max(1, Math.min(settings.ttlSeconds, left)));
}

function resultOf(token: string, user: SysUserRow, expiresAt: Date, nowMs: number): SsoResult {
  const payload = JSON.parse(signedPayloadOf(token)) as { exp: number };
  return {
    token,
    expiresIn: Math.max(0, payload.exp - Math.floor(nowMs / 1000)),
    mustChangePassword: user.must_change_password,
    sessionExpiresAt: expiresAt.toISOString(),
    user: { id: user.id, username: user.username, realName: user.real_name, empNo: user.emp_no ?? '' },
  };
}

/**
 * Our session for the HR token of the user that arrives from Nexus. The first exchange asks Nexus
 * whose token it is and maps the token (its SHA-256 only) to a session for 12 hours; exchanges
 * within them answer the same token without asking Nexus again, while it is valid, or a fresh one
 * once it expired or was revoked. After the 12 hours the HR token is refused. An unknown, deleted
 * or disabled employee is refused every time.
 */
export async function exchangeSsoToken(
  db: Db,
  verifier: SsoVerifier,
  hrToken: string,
  settings: SsoSettings,
): Promise<SsoResult> {
  const now = (settings.now ?? (() => new Date()))();
  const nowMs = now.getTime();
  const hrTokenSha256 = createHash('sha256').update(hrToken, 'utf8').digest();
  let session = await findSsoSession(db, hrTokenSha256);
  if (!session) {
    const user = requireUsable(await findLiveUserByEmpNo(db, await verifier.verify(hrToken)));
    const expiresAt = new Date(nowMs + SSO_SESSION_SECONDS * 1000);
    const token = issue(user, expiresAt, settings, nowMs);
    const claims = signedPayloadOf(token);
    if (await insertSsoSession(db, { hrTokenSha256, userId: user.id, claims, expiresAt })) {
      return resultOf(token, user, expiresAt, nowMs);
    }
    // A concurrent exchange of the same HR token stored its session first: answer that one.
    session = (await findSsoSession(db, hrTokenSha256)) as SsoSessionRow;
  }
  return resume(db, session, settings, nowMs);
}

async function resume(db: Db, session: SsoSessionRow, settings: SsoSettings, nowMs: number): Promise<SsoResult> {
  const expiresAt = new Date(session.expires_at);
  if (expiresAt.getTime() <= nowMs) {
    throw new UnauthorizedError('the sign-on of this Nexus token expired; sign in to Nexus again', 'NEXUS_SSO_EXPIRED');
  }
  const user = requireUsable(await findUserById(db, session.user_id));
  const stored = JSON.parse(session.claims) as { exp: number; tv: number };
  // A token with under a minute left is not worth handing out again.
  if (stored.tv === user.token_version && stored.exp * 1000 > nowMs + 60_000) {
    return resultOf(signAdminPayload(session.claims, settings.jwtSecret), user, expiresAt, nowMs);
  }
  const token = issue(user, expiresAt, settings, nowMs);
  await updateSsoSessionClaims(db, session.id, signedPayloadOf(token));
  return resultOf(token, user, expiresAt, nowMs);
}
