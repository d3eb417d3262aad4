import type { Db } from '../../db/knex';
import { grantRolesByKey, SUPER_ADMIN_ROLE_KEY } from '../../db/queries/user-roles';
import { anyUserExists, findUserByUsername, insertUser, type SysUserRow } from '../../db/queries/users';
import { ConflictError } from '../errors';
import { hashPassword } from '../passwords';
import { conflictOnUniqueViolation, lockKeys } from '../refuse-duplicates';
import { generatePassword, requirePasswordPolicy } from './password-policy';
import { requireUsernameForm } from './usernames';

/**
 * Creates a super admin from the command line or the boot settings: the password given (held to
 * the policy) or a generated one, which is returned so it can be shown once.
 */
export async function createSuperAdmin(
  db: Db,
  input: { username: string; password?: string },
  actor: string,
): Promise<{ user: SysUserRow; password: string; generated: boolean }> {
  requireUsernameForm(input.username);
  const generated = input.password === undefined;
  const password = input.password ?? generatePassword(input.username);
  requirePasswordPolicy('password', password, input.username);
  const passwordHash = await hashPassword(password);
  const taken = () =>
    new ConflictError(`username ${input.username} is taken`, 'USERNAME_TAKEN', { username: input.username });
  if (await findUserByUsername(db, input.username)) throw taken();
  return conflictOnUniqueViolation(
    () =>
      db.transaction(async (trx) => {
        const user = await insertUser(trx, {
          username: input.username,
          passwordHash,
          realName: input.username,
          cuser: actor,
        });
        await grantRolesByKey(trx, user.id, [SUPER_ADMIN_ROLE_KEY]);
        return { user, password, generated };
      }),
    { sys_user_username_uq: taken },
  );
}

/**
 * The INITIAL_ADMIN_* settings, applied once: the super admin is created only while the
 * installation has no user at all (deleted ones count), so a later boot never re-creates an admin
 * someone removed. Any number of API processes may boot at once; one of them creates it.
 */
export async function applyInitialAdmin(
  db: Db,
  settings: { username: string; password: string },
): Promise<SysUserRow | undefined> {
  requireUsernameForm(settings.username);
  requirePasswordPolicy('INITIAL_ADMIN_PASSWORD', settings.password, settings.username);
  if (await anyUserExists(db)) return undefined;
  const passwordHash = await hashPassword(settings.password);
  return db.transaction(async (trx) => {
    await lockKeys(trx, [['initial-admin']]);
    if (await anyUserExists(trx)) return undefined;
    const user = await insertUser(trx, {
      username: settings.username,
      passwordHash,
      realName: settings.username,
      cuser: 'initial-admin',
    });
    await grantRolesByKey(trx, user.id, [SUPER_ADMIN_ROLE_KEY]);
    return user;
  });
}
