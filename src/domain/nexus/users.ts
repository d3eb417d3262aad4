import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '../../db/knex';
import { bumpGrantVersion } from '../../db/queries/access';
import {
  findLiveEmpNos,
  findRolesByKeys,
  findUserRoleIds,
  insertNexusUser,
  lockDeptByCode,
  lockUserByEmpNo,
  moveUsersToDept,
  replaceUserRoles,
  softDeleteUsers,
  updateNexusUser,
  type NexusUserChanges,
} from '../../db/queries/nexus';
import type { SysUserRow } from '../../db/queries/users';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { hashPassword } from '../passwords';
import { conflictOnUniqueViolation, withKeyLocks } from '../refuse-duplicates';
import { lockSuperAdminRole, refuseRemovingLastSuperAdmin } from '../users/super-admins';

/** A user as the HR system describes it; a field left out keeps its current value. */
export interface NexusUserInput {
  empNo: string;
  /** Defaults to the employee number for a new user. */
  username?: string;
  realName?: string;
  phone?: string;
  email?: string;
  deptCode?: string;
  /** 0 active, 1 disabled. */
  status?: number;
  /** When given, the user's roles become exactly these. */
  roleKeys?: string[];
}

export type SaveResult = 'created' | 'updated' | 'unchanged';

const employeeKey = (empNo: string) => ['nexus-employee', empNo] as const;

/** The department of a code, held FOR SHARE until the transaction ends; 400 naming `field` when there is none. */
export async function requireDept(trx: Knex.Transaction, code: string, field: string): Promise<string> {
  const dept = await lockDeptByCode(trx, code, 'share');
  if (!dept) {
    throw ValidationError.field(field, `no department with code ${code}`, 'rule.nexusUnknownDept', { code });
  }
  return dept.id;
}

async function requireRoles(trx: Knex.Transaction, roleKeys: string[]): Promise<string[]> {
  const roles = await findRolesByKeys(trx, roleKeys);
  const found = new Set(roles.map((role) => role.role_key.toLowerCase()));
  const unknown = roleKeys.filter((key) => !found.has(key.toLowerCase()));
  if (unknown.length > 0) {
    const keys = unknown.join(', ');
    throw ValidationError.field('roleKeys', `unknown role key(s): ${keys}`, 'rule.nexusUnknownRoles', { keys });
  }
  return [...new Set(roles.map((role) => role.id))].sort();
}

/**
 * Refuses a change that would leave the installation without an active super admin: the same
 * rule, and the same lock (taken first in every transaction that may remove one), as the admin
 * API's user operations, so the two never deadlock or both remove the last one.
 */
export const keepASuperAdmin = refuseRemovingLastSuperAdmin;

const usernameTaken = (username: string) => () =>
  new ConflictError(`username ${username} is taken by another user`, 'NEXUS_USERNAME_TAKEN', { username });

function changesOf(row: SysUserRow, input: NexusUserInput, deptId: string | undefined): NexusUserChanges {
  const wanted: NexusUserChanges = {
    username: input.username,
    real_name: input.realName,
    phone_num: input.phone,
    email: input.email,
    dept_id: deptId,
    account_status: input.status,
  };
  return Object.fromEntries(
    Object.entries(wanted).filter(
      ([column, value]) => value !== undefined && row[column as keyof SysUserRow] !== value,
    ),
  ) as NexusUserChanges;
}

function sameIds(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().every((id, i) => id === [...b].sort()[i]);
}

/**
 * Creates or updates the user of an employee number. `mode` 'create' takes an existing employee
 * as an update (the HR system may send a hire twice); 'update' of an unknown employee is a 404.
 * Writes nothing when nothing differs (no mtime bump, no token revocation). Disabling revokes the
 * user's tokens; a change of department or roles moves the grant version.
 */
export async function saveNexusUser(
  db: Db,
  input: NexusUserInput,
  mode: 'create' | 'update',
): Promise<{ empNo: string; username: string; result: SaveResult }> {
  return withKeyLocks(db, [employeeKey(input.empNo)], async (trx) => {
    await lockSuperAdminRole(trx);
    const deptId = input.deptCode === undefined ? undefined : await requireDept(trx, input.deptCode, 'deptCode');
    const roleIds = input.roleKeys === undefined ? undefined : await requireRoles(trx, input.roleKeys);
    const existing = await lockUserByEmpNo(trx, input.empNo);
    if (!existing) {
      if (mode === 'update') throw new NotFoundError('employee', input.empNo, 'NEXUS_USER_NOT_FOUND');
      const username = input.username ?? input.empNo;
      // Nexus users sign in through SSO: the password is random and never shown to anyone.
      const passwordHash = await hashPassword(randomBytes(32).toString('base64url'));
      const user = await conflictOnUniqueViolation(
        () =>
          insertNexusUser(trx, {
            username,
            passwordHash,
            empNo: input.empNo,
            realName: input.realName ?? null,
            phoneNum: input.phone ?? null,
            email: input.email ?? null,
            deptId: deptId ?? null,
            accountStatus: input.status ?? 0,
          }),
        { sys_user_username_uq: usernameTaken(username) },
      );
      if (roleIds && roleIds.length > 0) await replaceUserRoles(trx, user.id, roleIds);
      if (deptId !== undefined || (roleIds && roleIds.length > 0)) await bumpGrantVersion(trx);
      return { empNo: input.empNo, username, result: 'created' };
    }
    const changes = changesOf(existing, input, deptId);
    const rolesChange = roleIds !== undefined && !sameIds(roleIds, await findUserRoleIds(trx, existing.id));
    if (Object.keys(changes).length === 0 && !rolesChange) {
      return { empNo: input.empNo, username: existing.username, result: 'unchanged' };
    }
    const disabling = changes.account_status !== undefined && changes.account_status !== 0;
    if (disabling || rolesChange) {
      // Roles are replaced below; the check counts the user as leaving only when it loses super admin.
      const losesSuperAdmin = disabling || !(await holdsSuperAdmin(trx, roleIds ?? []));
      if (losesSuperAdmin) await keepASuperAdmin(trx, [existing.id]);
    }
    if (Object.keys(changes).length > 0) {
      const username = changes.username ?? existing.username;
      await conflictOnUniqueViolation(() => updateNexusUser(trx, existing.id, changes, disabling), {
        sys_user_username_uq: usernameTaken(username),
      });
    }
    if (rolesChange) await replaceUserRoles(trx, existing.id, roleIds);
    if (rolesChange || changes.dept_id !== undefined) await bumpGrantVersion(trx);
    return { empNo: input.empNo, username: changes.username ?? existing.username, result: 'updated' };
  });
}

async function holdsSuperAdmin(trx: Knex.Transaction, roleIds: string[]): Promise<boolean> {
  if (roleIds.length === 0) return false;
  const row = (await trx('sys_role')
    .whereIn('id', roleIds)
    .andWhere({ built_in: true, is_del: 0, status: 0 })
    .first('id')) as { id: string } | undefined;
  return row !== undefined;
}

/**
 * Soft-deletes the user of an employee number and revokes its tokens at once. An unknown (or
 * already deleted) employee answers deleted: false, so the same call twice changes nothing.
 */
export async function deleteNexusUser(db: Db, empNo: string): Promise<{ empNo: string; deleted: boolean }> {
  return withKeyLocks(db, [employeeKey(empNo)], async (trx) => {
    await lockSuperAdminRole(trx);
    const user = await lockUserByEmpNo(trx, empNo);
    if (!user) return { empNo, deleted: false };
    await keepASuperAdmin(trx, [user.id]);
    await softDeleteUsers(trx, [user.id]);
    if (user.dept_id !== null) await bumpGrantVersion(trx);
    return { empNo, deleted: true };
  });
}

export type MoveResult = 'moved' | 'unchanged' | 'notFound';

/** Moves employees to one department in one transaction, answering for each employee in the order given. */
export async function moveNexusUsers(
  db: Db,
  deptCode: string,
  empNos: string[],
): Promise<{ deptCode: string; results: Array<{ empNo: string; result: MoveResult }> }> {
  return db.transaction(async (trx) => {
    const deptId = await requireDept(trx, deptCode, 'deptCode');
    const moved = new Set(await moveUsersToDept(trx, empNos, deptId));
    const live = new Set(await findLiveEmpNos(trx, empNos));
    if (moved.size > 0) await bumpGrantVersion(trx);
    return {
      deptCode,
      results: empNos.map((empNo) => ({
        empNo,
        result: moved.has(empNo) ? 'moved' : live.has(empNo) ? 'unchanged' : 'notFound',
      })),
    };
  });
}
