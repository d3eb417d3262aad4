import type { Db, Executor } from '../../db/knex';
import { bumpGrantVersion } from '../../db/queries/access';
import { findDeptById, findDeptNames } from '../../db/queries/depts';
import { readPage } from '../../db/queries/paging';
import {
  countActiveSuperAdmins,
  filteredUsers,
  findLiveRoleIds,
  findRolesOfUsers,
  findUserById,
  findUserByUsername,
  insertUser,
  lockUser,
  replaceUserRoles,
  softDeleteUser,
  superAdminRoleId,
  updateUser,
  type SysUserRow,
  type UserChanges,
  type UserPageFilters,
  type UserRoleRow,
} from '../../db/queries/users';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { hashPassword } from '../passwords';
import { normalizeChinaPhone } from '../phone';
import { conflictOnUniqueViolation } from '../refuse-duplicates';
import { requirePasswordPolicy } from './password-policy';
import { lockSuperAdminRole, refuseRemovingLastSuperAdmin, requireSuperAdminActor, type Actor } from './super-admins';
import { requireUsernameForm, usernameFormProblem, type UsernameRefusal } from './usernames';

/** sys_user.account_status */
export const USER_STATUS = { ACTIVE: 0, DISABLED: 1 } as const;

export interface UserWithRoles {
  user: SysUserRow;
  roles: UserRoleRow[];
  deptName: string | null;
}

export interface SaveUserInput {
  id?: string;
  username?: string;
  password?: string;
  realName?: string | null;
  empNo?: string | null;
  phone?: string | null;
  email?: string | null;
  deptId?: string | null;
  status?: number;
  roleIds?: string[];
}

const usernameTaken = (username: string) =>
  new ConflictError(`username ${username} is taken`, 'USERNAME_TAKEN', { username });
const empNoTaken = (empNo: string) =>
  new ConflictError(`employee number ${empNo} belongs to another user`, 'EMP_NO_TAKEN', { empNo });

function isSuperAdmin(roles: readonly UserRoleRow[]): boolean {
  return roles.some((role) => role.built_in);
}

function isActiveSuperAdmin(user: SysUserRow, roles: readonly UserRoleRow[]): boolean {
  return user.account_status === USER_STATUS.ACTIVE && isSuperAdmin(roles);
}

export async function loadUser(db: Executor, id: string): Promise<UserWithRoles> {
  const user = await findUserById(db, id);
  if (!user) throw new NotFoundError('user', id, 'USER_NOT_FOUND');
  const [roles, deptNames] = await Promise.all([
    findRolesOfUsers(db, [id]),
    findDeptNames(db, user.dept_id ? [user.dept_id] : []),
  ]);
  return { user, roles, deptName: user.dept_id ? (deptNames.get(user.dept_id) ?? null) : null };
}

async function requireDept(db: Executor, deptId: string | null | undefined): Promise<void> {
  if (deptId && !(await findDeptById(db, deptId))) {
    throw ValidationError.field('deptId', 'no such department', 'rule.noSuchSysDept');
  }
}

async function requireRoles(db: Executor, roleIds: readonly string[]): Promise<void> {
  const live = await findLiveRoleIds(db, roleIds);
  const unknown = roleIds.filter((id) => !live.has(id));
  if (unknown.length > 0) {
    const ids = unknown.join(', ');
    throw ValidationError.field('roleIds', `unknown role id(s): ${ids}`, 'rule.unknownRoles', { ids });
  }
}

function normalizedPhone(phone: string | null | undefined): string | null | undefined {
  if (phone === undefined || phone === null || phone.trim() === '') return phone === undefined ? undefined : null;
  const normalized = normalizeChinaPhone(phone);
  if (!normalized) throw ValidationError.field('phone', 'must be a phone number used in China', 'rule.cnPhone');
  return normalized;
}

const blankToNull = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null || value.trim() === '' ? null : value.trim();

/**
 * Adds a user (username and password required; roles given at once), or modifies the one `id`
 * names: the fields sent change, null clears. Password and roles have operations of their own
 * on an existing user. Disabling a user here revokes its tokens, like updateStatus.
 */
export async function saveUser(db: Db, input: SaveUserInput, actor: Actor): Promise<UserWithRoles> {
  if (input.username !== undefined) requireUsernameForm(input.username);
  const phone = normalizedPhone(input.phone);
  const common: UserChanges = {
    ...(input.realName !== undefined ? { real_name: blankToNull(input.realName) ?? null } : {}),
    ...(input.empNo !== undefined ? { emp_no: blankToNull(input.empNo) ?? null } : {}),
    ...(phone !== undefined ? { phone_num: phone } : {}),
    ...(input.email !== undefined ? { email: blankToNull(input.email) ?? null } : {}),
    ...(input.deptId !== undefined ? { dept_id: input.deptId } : {}),
  };
  const conflicts = {
    sys_user_username_uq: () => usernameTaken(input.username ?? ''),
    sys_user_emp_no_uq: () => empNoTaken(input.empNo ?? ''),
  };
  if (input.id) {
    const id = input.id;
    if (input.password !== undefined) {
      throw ValidationError.field(
        'password',
        'cannot be set on an existing user; use resetPassword or changePassword',
        'rule.passwordOnlyOnCreate',
      );
    }
    if (input.roleIds !== undefined) {
      throw ValidationError.field(
        'roleIds',
        'cannot be changed here on an existing user; use assignRoles',
        'rule.rolesOnlyOnCreate',
      );
    }
    return conflictOnUniqueViolation(
      () =>
        db.transaction(async (trx) => {
          if (input.status === USER_STATUS.DISABLED) await lockSuperAdminRole(trx);
          const existing = await lockUser(trx, id);
          if (!existing) throw new NotFoundError('user', id, 'USER_NOT_FOUND');
          const roles = await findRolesOfUsers(trx, [id]);
          if (isSuperAdmin(roles)) requireSuperAdminActor(actor);
          await requireDept(trx, input.deptId);
          const disabling = input.status === USER_STATUS.DISABLED && existing.account_status === USER_STATUS.ACTIVE;
          if (disabling && isActiveSuperAdmin(existing, roles)) await refuseRemovingLastSuperAdmin(trx, [id]);
          await updateUser(
            trx,
            id,
            {
              ...common,
              ...(input.username !== undefined ? { username: input.username } : {}),
              ...(input.status !== undefined ? { account_status: input.status } : {}),
            },
            actor.username,
            { revokeTokens: disabling },
          );
          if (common.dept_id !== undefined && common.dept_id !== existing.dept_id) await bumpGrantVersion(trx);
          return loadUser(trx, id);
        }),
      conflicts,
    );
  }

  if (input.username === undefined) throw ValidationError.field('username', 'is required', 'field.required');
  if (input.password === undefined) throw ValidationError.field('password', 'is required', 'field.required');
  const username = input.username;
  requirePasswordPolicy('password', input.password, username);
  const roleIds = input.roleIds ?? [];
  const superRole = await superAdminRoleId(db);
  if (superRole !== undefined && roleIds.includes(superRole)) requireSuperAdminActor(actor);
  const passwordHash = await hashPassword(input.password);
  return conflictOnUniqueViolation(
    () =>
      db.transaction(async (trx) => {
        await requireDept(trx, input.deptId);
        await requireRoles(trx, roleIds);
        const user = await insertUser(trx, {
          username,
          passwordHash,
          cuser: actor.username,
          accountStatus: input.status ?? USER_STATUS.ACTIVE,
        });
        await updateUser(trx, user.id, common, actor.username);
        await replaceUserRoles(trx, user.id, roleIds);
        return loadUser(trx, user.id);
      }),
    conflicts,
  );
}

const SORT_COLUMNS: Record<string, string> = {
  id: 'u.id',
  username: 'u.username',
  realName: 'u.real_name',
  empNo: 'u.emp_no',
  status: 'u.account_status',
  ctime: 'u.ctime',
  mtime: 'u.mtime',
};

export async function pageUsers(
  db: Db,
  q: UserPageFilters & { pageNum: number; pageSize: number; sortField?: string; sortOrder?: 'asc' | 'desc' },
): Promise<{ list: UserWithRoles[]; total: number }> {
  const page = await readPage<SysUserRow>(filteredUsers(db, q), q, (query) =>
    query
      .select('u.*')
      .orderBy(SORT_COLUMNS[q.sortField ?? 'id'] ?? 'u.id', q.sortOrder ?? (q.sortField ? 'asc' : 'desc'))
      .orderBy('u.id', q.sortOrder ?? 'desc'),
  );
  const ids = page.rows.map((row) => row.id);
  const [roles, deptNames] = await Promise.all([
    findRolesOfUsers(db, ids),
    findDeptNames(
      db,
      page.rows.flatMap((row) => (row.dept_id ? [row.dept_id] : [])),
    ),
  ]);
  return {
    list: page.rows.map((user) => ({
      user,
      roles: roles.filter((role) => role.user_id === user.id),
      deptName: user.dept_id ? (deptNames.get(user.dept_id) ?? null) : null,
    })),
    total: page.total,
  };
}

/** Whether a username can be used (by a new user, or by `userId` renaming itself), and why not. */
export async function checkUsername(
  db: Db,
  username: string,
  userId?: string,
): Promise<{ available: boolean; reason: UsernameRefusal | null }> {
  const formProblem = usernameFormProblem(username);
  if (formProblem) return { available: false, reason: formProblem };
  const holder = await findUserByUsername(db, username);
  if (holder && holder.id !== userId) return { available: false, reason: 'taken' };
  return { available: true, reason: null };
}

export type DeleteRefusal = 'self' | 'notFound' | 'superAdminRequired' | 'lastSuperAdmin';

export interface DeleteResult {
  id: string;
  deleted: boolean;
  reason: DeleteRefusal | null;
}

/**
 * Soft-deletes users one by one and reports each: yourself, a user that is not there, a super
 * admin (unless you are one) and the last active super admin are refused; the others go, their
 * tokens with them.
 */
export async function deleteUsers(db: Db, ids: readonly string[], actor: Actor): Promise<DeleteResult[]> {
  return db.transaction(async (trx) => {
    await lockSuperAdminRole(trx);
    const results: DeleteResult[] = [];
    const refuse = (id: string, reason: DeleteRefusal) => results.push({ id, deleted: false, reason });
    for (const id of ids) {
      if (id === actor.id) {
        refuse(id, 'self');
        continue;
      }
      const user = await lockUser(trx, id);
      if (!user) {
        refuse(id, 'notFound');
        continue;
      }
      const roles = await findRolesOfUsers(trx, [id]);
      if (isSuperAdmin(roles) && !actor.superAdmin) {
        refuse(id, 'superAdminRequired');
        continue;
      }
      if (isActiveSuperAdmin(user, roles) && (await countActiveSuperAdmins(trx, [id])) === 0) {
        refuse(id, 'lastSuperAdmin');
        continue;
      }
      await softDeleteUser(trx, id, actor.username);
      results.push({ id, deleted: true, reason: null });
    }
    return results;
  });
}

/** Makes `roleIds` the user's roles; the next request of that user already sees the change. */
export async function assignRoles(
  db: Db,
  input: { userId: string; roleIds: string[] },
  actor: Actor,
): Promise<UserWithRoles> {
  return db.transaction(async (trx) => {
    await lockSuperAdminRole(trx);
    const user = await lockUser(trx, input.userId);
    if (!user) throw new NotFoundError('user', input.userId, 'USER_NOT_FOUND');
    await requireRoles(trx, input.roleIds);
    const current = await findRolesOfUsers(trx, [user.id]);
    const superRole = await superAdminRoleId(trx);
    const keepsSuper = superRole !== undefined && input.roleIds.includes(superRole);
    if (isSuperAdmin(current) || keepsSuper) requireSuperAdminActor(actor);
    if (isActiveSuperAdmin(user, current) && !keepsSuper) await refuseRemovingLastSuperAdmin(trx, [user.id]);
    await replaceUserRoles(trx, user.id, input.roleIds);
    return loadUser(trx, user.id);
  });
}

/** Enables or disables a user; disabling revokes its tokens at once. */
export async function updateUserStatus(
  db: Db,
  input: { id: string; status: number },
  actor: Actor,
): Promise<UserWithRoles> {
  return db.transaction(async (trx) => {
    if (input.status === USER_STATUS.DISABLED) await lockSuperAdminRole(trx);
    const user = await lockUser(trx, input.id);
    if (!user) throw new NotFoundError('user', input.id, 'USER_NOT_FOUND');
    const roles = await findRolesOfUsers(trx, [user.id]);
    if (isSuperAdmin(roles)) requireSuperAdminActor(actor);
    const disabling = input.status === USER_STATUS.DISABLED && user.account_status === USER_STATUS.ACTIVE;
    if (disabling && isActiveSuperAdmin(user, roles)) await refuseRemovingLastSuperAdmin(trx, [user.id]);
    if (user.account_status !== input.status) {
      await updateUser(trx, user.id, { account_status: input.status }, actor.username, { revokeTokens: disabling });
    }
    return loadUser(trx, user.id);
  });
}
