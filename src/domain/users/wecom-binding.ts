import type { Db } from '../../db/knex';
import { findRolesOfUsers, findUserById, findUserByWecomUserid, updateUser } from '../../db/queries/users';
import { findEmployeeByUserid } from '../../db/queries/wecom-employees';
import { requireEmployees } from '../employee-references';
import { ConflictError, NotFoundError, sqlState, SQLSTATE_UNIQUE_VIOLATION } from '../errors';
import { withKeyLocks } from '../refuse-duplicates';
import { requireSuperAdminActor, type Actor } from './super-admins';
import { loadUser, type UserWithRoles } from './users';

const taken = (userid: string, username: string) =>
  new ConflictError(`WeCom userid ${userid} is already bound to user ${username}`, 'WECOM_USERID_TAKEN', {
    userid,
    username,
  });

/**
 * Binds a user to an employee of the user's WeCom corp (their own, else the installation's), or
 * unbinds it (null). The employee must be in the mirror, and one employee binds one user per corp.
 */
export async function bindWecomUserid(
  db: Db,
  input: { id: string; wecomUserid: string | null },
  actor: Actor,
  defaultCorpId: string | undefined,
): Promise<UserWithRoles> {
  const user = await findUserById(db, input.id);
  if (!user) throw new NotFoundError('user', input.id, 'USER_NOT_FOUND');
  if ((await findRolesOfUsers(db, [user.id])).some((role) => role.built_in)) requireSuperAdminActor(actor);
  const userid = input.wecomUserid;
  if (userid === null) {
    await updateUser(db, user.id, { wecom_userid: null }, actor.username);
    return loadUser(db, user.id);
  }
  const corpId = user.corp_id ?? defaultCorpId;
  if (!corpId) throw new ConflictError('no WeCom corp is configured for this user', 'WECOM_CORP_MISSING');
  await requireEmployees(db, corpId, [{ field: 'wecomUserid', userid }]);
  try {
    return await withKeyLocks(db, [['user-wecom-binding', corpId, userid.toLowerCase()]], async (trx) => {
      const holder = await findUserByWecomUserid(trx, corpId, userid, defaultCorpId);
      if (holder && holder.id !== user.id) throw taken(userid, holder.username);
      // The mirror's spelling: "own rows" of data scope compare it with owners as WeCom writes them.
      const employee = await findEmployeeByUserid(trx, corpId, userid);
      await updateUser(trx, user.id, { wecom_userid: employee?.userid ?? userid }, actor.username);
      return loadUser(trx, user.id);
    });
  } catch (error) {
    // A binding written past the key lock (e.g. by the HR sync): the index has the last word.
    if (sqlState(error) !== SQLSTATE_UNIQUE_VIOLATION) throw error;
    const holder = await findUserByWecomUserid(db, corpId, userid, defaultCorpId);
    throw taken(userid, holder?.username ?? '');
  }
}
