import type { Executor } from '../knex';
import type { SysUserRow } from './users';
import type { SysDeptRow } from './depts';

/** Who the HR sync writes as (cuser/muser). */
export const NEXUS_ACTOR = 'nexus';

/** Remembers a signature until `expiresAt`; false when it is already remembered (a replay). */
export async function recordSignatureOnce(db: Executor, signature: Buffer, expiresAt: Date): Promise<boolean> {
  const result = await db.raw<{ rows: unknown[] }>(
    `WITH pruned AS (DELETE FROM nexus_signature_seen WHERE expires_at < now())
     INSERT INTO nexus_signature_seen (signature, expires_at) VALUES (?, ?)
     ON CONFLICT DO NOTHING RETURNING 1`,
    [signature, expiresAt],
  );
  return result.rows.length === 1;
}

/**
 * A live department by its HR code, locked: FOR UPDATE to change it, FOR SHARE to put users in
 * it (a concurrent delete then waits, or this read sees it deleted).
 */
export async function lockDeptByCode(
  db: Executor,
  code: string,
  mode: 'update' | 'share',
): Promise<SysDeptRow | undefined> {
  const query = db<SysDeptRow>('sys_dept').where({ code, is_del: 0 }).first();
  return mode === 'update' ? query.forUpdate() : query.forShare();
}

export async function insertDept(
  db: Executor,
  dept: { code: string; name: string; parentId: string | null; orderNum: number; leaderEmpNo: string | null },
): Promise<SysDeptRow> {
  const [row] = await db<SysDeptRow>('sys_dept')
    .insert({
      code: dept.code,
      name: dept.name,
      parent_id: dept.parentId,
      order_num: dept.orderNum,
      leader_emp_no: dept.leaderEmpNo,
      cuser: NEXUS_ACTOR,
      muser: NEXUS_ACTOR,
    } as never)
    .returning('*');
  return row as SysDeptRow;
}

export async function updateDept(
  db: Executor,
  id: string,
  changes: Partial<Pick<SysDeptRow, 'name' | 'parent_id' | 'order_num' | 'leader_emp_no'>>,
): Promise<void> {
  await db('sys_dept')
    .where({ id })
    .update({ ...changes, mtime: db.fn.now(), muser: NEXUS_ACTOR });
}

/** Soft-deletes departments; returns their codes. */
export async function softDeleteDepts(db: Executor, ids: string[]): Promise<string[]> {
  const rows = (await db('sys_dept')
    .whereIn('id', ids)
    .andWhere({ is_del: 0 })
    .update({ is_del: 1, mtime: db.fn.now(), muser: NEXUS_ACTOR })
    .returning('code')) as Array<{ code: string | null }>;
  return rows.map((row) => row.code ?? '');
}

export async function lockUserByEmpNo(db: Executor, empNo: string): Promise<SysUserRow | undefined> {
  return db<SysUserRow>('sys_user').where({ emp_no: empNo, is_del: 0 }).first().forUpdate();
}

export async function findLiveUserByEmpNo(db: Executor, empNo: string): Promise<SysUserRow | undefined> {
  return db<SysUserRow>('sys_user').where({ emp_no: empNo, is_del: 0 }).first();
}

/** Live users of the departments, locked for the change the caller makes. */
export async function lockUsersOfDepts(db: Executor, deptIds: string[]): Promise<SysUserRow[]> {
  return db<SysUserRow>('sys_user').whereIn('dept_id', deptIds).andWhere({ is_del: 0 }).orderBy('id').forUpdate();
}

export interface NexusUserInsert {
  username: string;
  passwordHash: string;
  empNo: string;
  realName: string | null;
  phoneNum: string | null;
  email: string | null;
  deptId: string | null;
  accountStatus: number;
}

export async function insertNexusUser(db: Executor, user: NexusUserInsert): Promise<SysUserRow> {
  const [row] = await db<SysUserRow>('sys_user')
    .insert({
      username: user.username,
      password_hash: user.passwordHash,
      emp_no: user.empNo,
      real_name: user.realName,
      phone_num: user.phoneNum,
      email: user.email,
      dept_id: user.deptId,
      account_status: user.accountStatus,
      cuser: NEXUS_ACTOR,
      muser: NEXUS_ACTOR,
    } as never)
    .returning('*');
  return row as SysUserRow;
}

export type NexusUserChanges = Partial<
  Pick<SysUserRow, 'username' | 'real_name' | 'phone_num' | 'email' | 'dept_id' | 'account_status'>
>;

/** Writes the changes; `revokeTokens` bumps token_version so the user's tokens stop at once. */
export async function updateNexusUser(
  db: Executor,
  id: string,
  changes: NexusUserChanges,
  revokeTokens: boolean,
): Promise<void> {
  await db('sys_user')
    .where({ id })
    .update({
      ...changes,
      ...(revokeTokens ? { token_version: db.raw('token_version + 1') } : {}),
      mtime: db.fn.now(),
      muser: NEXUS_ACTOR,
    });
}

/** Soft-deletes users and revokes their tokens; returns who was deleted. */
export async function softDeleteUsers(
  db: Executor,
  ids: string[],
): Promise<Array<{ emp_no: string | null; username: string }>> {
  if (ids.length === 0) return [];
  return (await db('sys_user')
    .whereIn('id', ids)
    .andWhere({ is_del: 0 })
    .update({ is_del: 1, token_version: db.raw('token_version + 1'), mtime: db.fn.now(), muser: NEXUS_ACTOR })
    .returning(['emp_no', 'username'])) as Array<{ emp_no: string | null; username: string }>;
}

/** Moves the live users of these employee numbers to a department; returns those that moved. */
export async function moveUsersToDept(db: Executor, empNos: string[], deptId: string): Promise<string[]> {
  const rows = (await db('sys_user')
    .whereIn('emp_no', empNos)
    .andWhere({ is_del: 0 })
    .andWhereRaw('dept_id IS DISTINCT FROM ?', [deptId])
    .update({ dept_id: deptId, mtime: db.fn.now(), muser: NEXUS_ACTOR })
    .returning('emp_no')) as Array<{ emp_no: string }>;
  return rows.map((row) => row.emp_no);
}

export async function findLiveEmpNos(db: Executor, empNos: string[]): Promise<string[]> {
  const rows = (await db('sys_user').whereIn('emp_no', empNos).andWhere({ is_del: 0 }).select('emp_no')) as Array<{
    emp_no: string;
  }>;
  return rows.map((row) => row.emp_no);
}

/** Live roles by key (case-insensitive, as sys_role_key_uq). */
export async function findRolesByKeys(
  db: Executor,
  roleKeys: string[],
): Promise<Array<{ id: string; role_key: string }>> {
  return db('sys_role')
    .where({ is_del: 0 })
    .whereRaw('lower(role_key) = ANY(?::text[])', [roleKeys.map((key) => key.toLowerCase())])
    .select('id', 'role_key');
}

export async function findUserRoleIds(db: Executor, userId: string): Promise<string[]> {
  const rows = (await db('sys_user_role').where({ user_id: userId }).select('role_id')) as Array<{ role_id: string }>;
  return rows.map((row) => row.role_id);
}

/** Makes the user's roles exactly `roleIds`. */
export async function replaceUserRoles(db: Executor, userId: string, roleIds: string[]): Promise<void> {
  await db('sys_user_role').where({ user_id: userId }).whereNotIn('role_id', roleIds).delete();
  if (roleIds.length > 0) {
    await db('sys_user_role')
      .insert(roleIds.map((roleId) => ({ user_id: userId, role_id: roleId })))
      .onConflict(['user_id', 'role_id'])
      .ignore();
  }
}

export interface SsoSessionRow {
  id: string;
  user_id: string;
  /** The session token's payload exactly as signed. */
  claims: string;
  expires_at: Date;
}

export async function findSsoSession(db: Executor, hrTokenSha256: Buffer): Promise<SsoSessionRow | undefined> {
  return db<SsoSessionRow>('nexus_sso_session')
    .where({ hr_token_sha256: hrTokenSha256 } as never)
    .first('id', 'user_id', 'claims', 'expires_at');
}

/** Stores the first exchange of an HR token; false when another exchange of it got there first. */
export async function insertSsoSession(
  db: Executor,
  session: { hrTokenSha256: Buffer; userId: string; claims: string; expiresAt: Date },
): Promise<boolean> {
  // Mappings long expired are only kept to refuse their HR token; a month is far past its life in Nexus.
  await db.raw(`DELETE FROM nexus_sso_session WHERE expires_at < now() - interval '30 days'`);
  const result = await db.raw<{ rows: unknown[] }>(
    `INSERT INTO nexus_sso_session (hr_token_sha256, user_id, claims, expires_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (hr_token_sha256) DO NOTHING RETURNING 1`,
    [session.hrTokenSha256, session.userId, session.claims, session.expiresAt],
  );
  return result.rows.length === 1;
}

export async function updateSsoSessionClaims(db: Executor, id: string, claims: string): Promise<void> {
  await db('nexus_sso_session').where({ id }).update({ claims, mtime: db.fn.now() });
}
