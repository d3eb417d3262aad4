import type { Knex } from 'knex';
import type { Executor } from '../knex';
import { bumpGrantVersion } from './access';
import { SUPER_ADMIN_ROLE_KEY } from './user-roles';

export interface SysUserRow {
  id: string;
  username: string;
  password_hash: string;
  emp_no: string | null;
  real_name: string | null;
  phone_num: string | null;
  email: string | null;
  avatar: string | null;
  wecom_userid: string | null;
  dept_id: string | null;
  corp_id: string | null;
  account_status: number;
  token_version: number;
  must_change_password: boolean;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

export async function findUserById(db: Executor, id: string): Promise<SysUserRow | undefined> {
  return db<SysUserRow>('sys_user').where({ id, is_del: 0 }).first();
}

export async function findUserByUsername(db: Executor, username: string): Promise<SysUserRow | undefined> {
  return db<SysUserRow>('sys_user').whereRaw('lower(username) = lower(?)', [username]).andWhere({ is_del: 0 }).first();
}

export async function insertUser(
  db: Executor,
  user: {
    username: string;
    passwordHash: string;
    realName?: string;
    empNo?: string;
    phoneNum?: string;
    corpId?: string;
    cuser?: string;
    email?: string | null;
    deptId?: string | null;
    accountStatus?: number;
  },
): Promise<SysUserRow> {
  const [row] = await db<SysUserRow>('sys_user')
    .insert({
      username: user.username,
      password_hash: user.passwordHash,
      real_name: user.realName ?? null,
      emp_no: user.empNo ?? null,
      corp_id: user.corpId ?? null,
      phone_num: user.phoneNum ?? null,
      email: user.email ?? null,
      dept_id: user.deptId ?? null,
      account_status: user.accountStatus ?? 0,
      cuser: user.cuser ?? null,
      muser: user.cuser ?? null,
    } as never)
    .returning('*');
  return row as SysUserRow;
}

/** sys_user columns a save may change. */
export interface UserChanges {
  username?: string;
  real_name?: string | null;
  emp_no?: string | null;
  phone_num?: string | null;
  email?: string | null;
  dept_id?: string | null;
  account_status?: number;
  wecom_userid?: string | null;
  password_hash?: string;
  must_change_password?: boolean;
}

/**
 * Writes `changes` to a live user; `revokeTokens` also bumps token_version so every token issued
 * before stops working at once. Returns the row after the change, or undefined when there is none.
 */
export async function updateUser(
  db: Executor,
  id: string,
  changes: UserChanges,
  actor: string,
  options: { revokeTokens?: boolean } = {},
): Promise<SysUserRow | undefined> {
  const [row] = (await db('sys_user')
    .where({ id, is_del: 0 })
    .update({
      ...changes,
      ...(options.revokeTokens ? { token_version: db.raw('token_version + 1') } : {}),
      muser: actor,
      mtime: db.fn.now(),
    })
    .returning('*')) as SysUserRow[];
  return row;
}

/** Soft-deletes a live user and revokes its tokens; false when there was no such user. */
export async function softDeleteUser(db: Executor, id: string, actor: string): Promise<boolean> {
  const count = await db('sys_user')
    .where({ id, is_del: 0 })
    .update({ is_del: 1, token_version: db.raw('token_version + 1'), muser: actor, mtime: db.fn.now() });
  return count > 0;
}

export async function lockUser(db: Executor, id: string): Promise<SysUserRow | undefined> {
  return db<SysUserRow>('sys_user').where({ id, is_del: 0 }).forUpdate().first();
}

export async function findUsersByIds(db: Executor, ids: readonly string[]): Promise<SysUserRow[]> {
  if (ids.length === 0) return [];
  return db<SysUserRow>('sys_user').whereIn('id', ids).andWhere({ is_del: 0 });
}

/** The live user holding an employee number, if any. */
export async function findUserByEmpNo(db: Executor, empNo: string): Promise<SysUserRow | undefined> {
  return db<SysUserRow>('sys_user').where({ emp_no: empNo, is_del: 0 }).first();
}

/**
 * The live user bound to a WeCom userid of a corp (userids are case-insensitive); a user without
 * a corp of its own works on `defaultCorpId`.
 */
export async function findUserByWecomUserid(
  db: Executor,
  corpId: string,
  wecomUserid: string,
  defaultCorpId: string | undefined,
): Promise<SysUserRow | undefined> {
  return db<SysUserRow>('sys_user')
    .where({ is_del: 0 })
    .whereRaw('lower(wecom_userid) = lower(?)', [wecomUserid])
    .whereRaw('coalesce(corp_id, ?) = ?', [defaultCorpId ?? '', corpId])
    .orderBy('id')
    .first();
}

/** Whether any user row exists at all, deleted ones included (a fresh installation has none). */
export async function anyUserExists(db: Executor): Promise<boolean> {
  return (await db('sys_user').first(db.raw('1 AS one'))) !== undefined;
}

export interface UserRoleRow {
  user_id: string;
  id: string;
  name: string;
  role_key: string;
  data_scope: number;
  status: number;
  built_in: boolean;
}

/** The live roles of each user (disabled ones too, marked by status), in role order. */
export async function findRolesOfUsers(db: Executor, userIds: readonly string[]): Promise<UserRoleRow[]> {
  if (userIds.length === 0) return [];
  return db('sys_user_role as ur')
    .join('sys_role as r', 'r.id', 'ur.role_id')
    .whereIn('ur.user_id', userIds)
    .andWhere('r.is_del', 0)
    .orderBy(['r.order_num', 'r.id'])
    .select('ur.user_id', 'r.id', 'r.name', 'r.role_key', 'r.data_scope', 'r.status', 'r.built_in');
}

/** The ids among `ids` that are live roles. */
export async function findLiveRoleIds(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = (await db('sys_role').whereIn('id', ids).andWhere({ is_del: 0 }).select('id')) as Array<{
    id: string;
  }>;
  return new Set(rows.map((row) => row.id));
}

/** Makes `roleIds` the user's roles, and tells every process that grants changed. */
export async function replaceUserRoles(db: Executor, userId: string, roleIds: readonly string[]): Promise<void> {
  await db('sys_user_role').where({ user_id: userId }).delete();
  if (roleIds.length > 0) {
    await db('sys_user_role').insert(roleIds.map((roleId) => ({ user_id: userId, role_id: roleId })));
  }
  await bumpGrantVersion(db);
}

/**
 * Takes the lock every change that could remove an active super admin holds until it commits
 * (the built-in role's row): such changes take turns, and each one's count of the super admins
 * left sees what the one before it did. Take it before locking or changing any user row.
 */
export async function lockSuperAdminRole(db: Executor): Promise<void> {
  await db.raw(`SELECT id FROM sys_role WHERE role_key = ? AND is_del = 0 FOR NO KEY UPDATE`, [SUPER_ADMIN_ROLE_KEY]);
}

/** Enabled, live users holding the built-in role, leaving out `exceptUserIds`. */
export async function countActiveSuperAdmins(db: Executor, exceptUserIds: readonly string[] = []): Promise<number> {
  const result = await db.raw<{ rows: Array<{ count: string }> }>(
    `SELECT count(DISTINCT u.id) AS count
       FROM sys_user u
       JOIN sys_user_role ur ON ur.user_id = u.id
       JOIN sys_role r ON r.id = ur.role_id AND r.built_in AND r.is_del = 0 AND r.status = 0
      WHERE u.is_del = 0 AND u.account_status = 0 AND NOT (u.id::text = ANY (?::text[]))`,
    [[...exceptUserIds]],
  );
  return Number(result.rows[0]?.count ?? 0);
}

/** Whether the user holds the built-in super-admin role (enabled or not). */
export async function holdsSuperAdminRole(db: Executor, userId: string): Promise<boolean> {
  const row = await db('sys_user_role as ur')
    .join('sys_role as r', 'r.id', 'ur.role_id')
    .where({ 'ur.user_id': userId, 'r.built_in': true, 'r.is_del': 0 })
    .first('r.id');
  return row !== undefined;
}

/** The id of the built-in super-admin role. */
export async function superAdminRoleId(db: Executor): Promise<string | undefined> {
  const row = (await db('sys_role').where({ role_key: SUPER_ADMIN_ROLE_KEY, is_del: 0 }).first('id')) as
    { id: string } | undefined;
  return row?.id;
}

/** Every permission string of the live menu tree (what the super admin holds). */
export async function allMenuPermissions(db: Executor): Promise<string[]> {
  const rows = (await db('sys_menu').where({ is_del: 0 }).whereNotNull('permission').distinct('permission')) as Array<{
    permission: string;
  }>;
  // Sorted here: the database's collation would order `clue:page` and `clueDetail:get` differently.
  return rows.map((row) => row.permission).sort();
}

export interface UserPageFilters {
  username?: string;
  realName?: string;
  empNo?: string;
  phone?: string;
  deptId?: string;
  status?: number;
  roleId?: string;
}

const likeContains = (text: string) => `%${text.replace(/[\\%_]/g, '\\$&')}%`;

/** Live users matching the filters; a department filter includes the departments below it. */
export function filteredUsers(db: Executor, filters: UserPageFilters): Knex.QueryBuilder {
  const query = db('sys_user as u').where('u.is_del', 0);
  if (filters.username) query.andWhereILike('u.username', likeContains(filters.username));
  if (filters.realName) query.andWhereILike('u.real_name', likeContains(filters.realName));
  if (filters.empNo) query.andWhereILike('u.emp_no', likeContains(filters.empNo));
  // Phones are stored as digits only (see normalizeChinaPhone): "138-0013" finds 13800138000.
  const phoneDigits = filters.phone?.replace(/\D/g, '');
  if (phoneDigits) query.andWhereLike('u.phone_num', likeContains(phoneDigits));
  if (filters.status !== undefined) query.andWhere('u.account_status', filters.status);
  if (filters.deptId) {
    query.whereRaw(
      `u.dept_id IN (WITH RECURSIVE subtree AS (
          SELECT id FROM sys_dept WHERE id = ? AND is_del = 0
          UNION
          SELECT d.id FROM sys_dept d JOIN subtree s ON d.parent_id = s.id WHERE d.is_del = 0
        ) SELECT id FROM subtree)`,
      [filters.deptId],
    );
  }
  if (filters.roleId) {
    query.whereExists(db('sys_user_role as ur').whereRaw('ur.user_id = u.id').andWhere('ur.role_id', filters.roleId));
  }
  return query;
}

/** Display names (real name, else username) of the users among `usernames`, deleted ones included. */
export async function userDisplayNames(db: Executor, usernames: readonly string[]): Promise<Map<string, string>> {
  if (usernames.length === 0) return new Map();
  const rows = (await db('sys_user')
    .whereIn('username', [...new Set(usernames)])
    .orderBy('is_del', 'desc')
    .select('username', 'real_name')) as Array<{ username: string; real_name: string | null }>;
  return new Map(rows.map((r) => [r.username, r.real_name || r.username]));
}
