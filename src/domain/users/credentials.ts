import type { Db } from '../../db/knex';
import { findRolesOfUsers, lockUser, updateUser } from '../../db/queries/users';
import { NotFoundError, ValidationError } from '../errors';
import { hashPassword, verifyPassword } from '../passwords';
import { generatePassword, requirePasswordPolicy } from './password-policy';
import { tokenForUser, type TokenSettings } from './session-token';
import { requireSuperAdminActor, type Actor } from './super-admins';

/**
 * An admin's reset of someone's password: a generated one-time password (returned once, stored
 * only hashed) that must be changed at the next sign-in; the user's tokens stop working at once.
 */
export async function resetPassword(db: Db, userId: string, actor: Actor): Promise<{ password: string }> {
  return db.transaction(async (trx) => {
    const user = await lockUser(trx, userId);
    if (!user) throw new NotFoundError('user', userId, 'USER_NOT_FOUND');
    if ((await findRolesOfUsers(trx, [userId])).some((role) => role.built_in)) requireSuperAdminActor(actor);
    const password = generatePassword(user.username);
    await updateUser(
      trx,
      userId,
      { password_hash: await hashPassword(password), must_change_password: true },
      actor.username,
      { revokeTokens: true },
    );
    return { password };
  });
}

/**
 * A user's change of their own password (the old one proves it is them). Clears a pending forced
 * change, revokes every older token, and answers a fresh token so the caller stays signed in.
 */
export async function changeOwnPassword(
  db: Db,
  userId: string,
  input: { oldPassword: string; newPassword: string },
  token: TokenSettings,
): Promise<{ token: string; expiresIn: number }> {
  return db.transaction(async (trx) => {
    const user = await lockUser(trx, userId);
    if (!user) throw new NotFoundError('user', userId, 'USER_NOT_FOUND');
    if (!(await verifyPassword(input.oldPassword, user.password_hash))) {
      throw ValidationError.field('oldPassword', 'is not the current password', 'rule.wrongOldPassword');
    }
    requirePasswordPolicy('newPassword', input.newPassword, user.username);
    if (input.newPassword === input.oldPassword) {
      throw ValidationError.field('newPassword', 'must differ from the current password', 'rule.samePassword');
    }
    const updated = await updateUser(
      trx,
      userId,
      { password_hash: await hashPassword(input.newPassword), must_change_password: false },
      user.username,
      { revokeTokens: true },
    );
    if (!updated) throw new NotFoundError('user', userId, 'USER_NOT_FOUND');
    return tokenForUser(updated, token);
  });
}
