import { tokenForUser } from './session-token';
import type { Db } from '../../db/knex';
import { findUserByUsername } from '../../db/queries/users';
import { UnauthorizedError } from '../errors';
import { verifyPassword } from '../passwords';
import type { LoginThrottle } from '../throttle/login-throttle';

// Compared against when the username does not exist, so both failures take the same time.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export async function login(
  db: Db,
  credentials: { username: string; password: string },
  token: { secret: string; ttlSeconds: number },
  client: { ip: string; throttle: LoginThrottle },
): Promise<{
  token: string;
  expiresIn: number;
  mustChangePassword: boolean;
  user: { id: string; username: string; realName: string | null };
}> {
  // Refused while blocked before anything about the user is read, right password or not.
  const attempt = await client.throttle.begin(credentials.username, client.ip);
  const user = await findUserByUsername(db, credentials.username);
  const ok = await verifyPassword(credentials.password, user?.password_hash ?? DUMMY_HASH);
  if (!user || !ok) throw new UnauthorizedError('wrong username or password', 'LOGIN_FAILED');
  if (user.account_status !== 0) throw new UnauthorizedError('account disabled', 'ACCOUNT_DISABLED');
  // Only a login that succeeds resets the count (a disabled account's right password does not).
  await attempt.succeeded();
  const session = tokenForUser(user, token);
  return {
    ...session,
    mustChangePassword: user.must_change_password,
    user: { id: user.id, username: user.username, realName: user.real_name },
  };
}
