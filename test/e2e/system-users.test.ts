import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { createDb, migrateToLatest, type Db } from '../../src/db/knex';
import { ensureDatabase } from '../../src/db/ensure-database';
import { bumpGrantVersion } from '../../src/db/queries/access';
import { SUPER_ADMIN_ROLE_KEY } from '../../src/db/queries/user-roles';
import { verifyPassword } from '../../src/domain/passwords';
import {
  PORT_OFFSET,
  REPO_ROOT,
  sharedApiUrl,
  sharedTemporalAddress,
  TEST_DATABASE_URL,
  USERS_BOOT_API_PORTS,
} from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call, type ApiResponse } from '../helpers/http';
import { mirrorEmployee } from '../helpers/mirror-org';
import { TestSystem } from '../helpers/system';

const run = promisify(execFile);

interface UserView {
  id: string;
  username: string;
  realName: string | null;
  empNo: string | null;
  phone: string | null;
  email: string | null;
  deptId: string | null;
  deptName: string | null;
  status: number;
  wecomUserid: string | null;
  mustChangePassword: boolean;
  roles: Array<{ id: string; key: string; name: string; dataScope: number; status: number; builtIn: boolean }>;
}

interface DeptNode {
  id: string;
  parentId: string | null;
  code: string | null;
  name: string;
  order: number;
  leader: { empNo: string; userId: string | null; realName: string | null } | null;
  children: DeptNode[];
}

const GOOD_PASSWORD = 'Sales-2026-pw';
const PAGE = { pageNum: 1, pageSize: 1 };

/** A role written straight to the tables (role routes are not part of this suite), granting `permissions`. */
async function insertRole(
  db: Db,
  options: { permissions?: string[]; dataScope?: number; status?: number; name?: string } = {},
): Promise<{ id: string; key: string }> {
  const key = uid('role_');
  const [role] = (await db('sys_role')
    .insert({
      name: options.name ?? key,
      role_key: key,
      data_scope: options.dataScope ?? 5,
      status: options.status ?? 0,
      cuser: 'test',
    })
    .returning(['id', 'role_key'])) as Array<{ id: string; role_key: string }>;
  const permissions = options.permissions ?? [];
  const menus = (await db('sys_menu')
    .whereIn('permission', permissions)
    .andWhere({ is_del: 0 })
    .select('id')) as Array<{
    id: string;
  }>;
  expect(menus).toHaveLength(permissions.length);
  if (menus.length > 0) await db('sys_role_menu').insert(menus.map((m) => ({ role_id: role!.id, menu_id: m.id })));
  await bumpGrantVersion(db);
  return { id: role!.id, key: role!.role_key };
}

async function insertDept(
  db: Db,
  values: { name?: string; parentId?: string | null; code?: string; order?: number; leaderEmpNo?: string | null } = {},
): Promise<string> {
  const [row] = (await db('sys_dept')
    .insert({
      name: values.name ?? uid('部门'),
      parent_id: values.parentId ?? null,
      code: values.code ?? uid('dept-'),
      order_num: values.order ?? 0,
      leader_emp_no: values.leaderEmpNo ?? null,
      cuser: 'hr-sync',
    })
    .returning('id')) as Array<{ id: string }>;
  return row!.id;
}

async function login(baseUrl: string, username: string, password: string) {
  return call<{ token: string; mustChangePassword: boolean }>(baseUrl, 'POST', '/admin/auth/login', {
    body: { username, password },
  });
}

async function tokenOf(baseUrl: string, username: string, password: string): Promise<string> {
  const response = await login(baseUrl, username, password);
  expect(response.status).toBe(200);
  return response.body.data.token;
}

function fieldsOf(response: ApiResponse): string[] {
  return ((response.body.data as { errors?: Array<{ field: string }> } | null)?.errors ?? []).map((e) => e.field);
}

describe('system users', () => {
  let db: Db;
  let admin: Awaited<ReturnType<typeof createAdmin>>;
  const post = <T = UserView>(path: string, body: unknown, token = admin.token, headers?: Record<string, string>) =>
    call<T>(sharedApiUrl, 'POST', path, { token, body, ...(headers ? { headers } : {}) });
  const get = <T = UserView>(path: string, token = admin.token) => call<T>(sharedApiUrl, 'GET', path, { token });

  /** A user created through the API with `roleIds`, signed in. */
  async function createUser(extra: Record<string, unknown> = {}) {
    const username = uid('u_');
    const response = await post('/admin/user/save', { username, password: GOOD_PASSWORD, ...extra });
    expect(response.status).toBe(200);
    const token = await tokenOf(sharedApiUrl, username, GOOD_PASSWORD);
    return { id: response.body.data.id, username, token, view: response.body.data };
  }

  const userRow = (id: string) => db('sys_user').where({ id }).first();

  beforeAll(async () => {
    db = testDb();
    admin = await createAdmin(db, sharedApiUrl);
  });
  afterAll(async () => db.destroy());

  describe('user.save', () => {
    it('creates a user with department and roles; the password is stored hashed and signs in', async () => {
      const dept = await insertDept(db, { name: '华东销售部' });
      const role = await insertRole(db, { permissions: ['user:page'] });
      const username = uid('Zhang.');
      const empNo = uid('E');
      const response = await post('/admin/user/save', {
        username,
        password: GOOD_PASSWORD,
        realName: '张三',
        empNo,
        phone: '+86 138-0013-8000',
        email: 'zhangsan@example.com',
        deptId: dept,
        roleIds: [role.id],
      });
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({
        username,
        realName: '张三',
        empNo,
        phone: '13800138000',
        email: 'zhangsan@example.com',
        deptId: dept,
        deptName: '华东销售部',
        status: 0,
        mustChangePassword: false,
        roles: [{ id: role.id, key: role.key, dataScope: 5, status: 0, builtIn: false }],
      });
      const row = await userRow(response.body.data.id);
      expect(row).toMatchObject({ username, emp_no: empNo, phone_num: '13800138000', dept_id: dept, is_del: 0 });
      expect(row.password_hash).not.toContain(GOOD_PASSWORD);
      await expect(verifyPassword(GOOD_PASSWORD, row.password_hash)).resolves.toBe(true);
      expect(await db('sys_user_role').where({ user_id: row.id }).pluck('role_id')).toEqual([role.id]);
      // The new user signs in and holds exactly what the role grants.
      const token = await tokenOf(sharedApiUrl, username, GOOD_PASSWORD);
      expect((await post('/admin/user/page', PAGE, token)).status).toBe(200);
      expect((await post('/admin/user/checkUsername', { username: 'x' }, token)).status).toBe(403);
    });

    it.each([
      ['no username', { username: undefined }, 'username'],
      ['no password', { password: undefined }, 'password'],
      ['a short password', { password: 'Ab1!' }, 'password'],
      ['a password containing the username', { password: 'USERNAME-2026' }, 'password'],
      ['a letters-only password', { password: 'onlyletterspassword' }, 'password'],
      ['a username with spaces', { username: 'has space' }, 'username'],
      ['a Chinese username', { username: '张三' }, 'username'],
      ['a username of 65 characters', { username: 'u'.repeat(65) }, 'username'],
      ['a phone that is not one', { phone: '12345' }, 'phone'],
      ['a bad email', { email: 'not-an-email' }, 'email'],
      ['a department that does not exist', { deptId: '999999999999' }, 'deptId'],
      ['a role that does not exist', { roleIds: ['999999999999'] }, 'roleIds'],
      ['a status of 2', { status: 2 }, 'status'],
      ['an employee number with spaces', { empNo: 'E 1' }, 'empNo'],
      ['an unknown field', { nickname: 'x' }, 'nickname'],
    ])('refuses %s with a 400 naming the field, storing nothing', async (_, override, field) => {
      const username = uid('bad_');
      const body: Record<string, unknown> = { username, password: GOOD_PASSWORD, ...override };
      if (typeof body['password'] === 'string') body['password'] = body['password'].replace('USERNAME', username);
      for (const [key, value] of Object.entries(body)) if (value === undefined) delete body[key];
      const before = await db('sys_user').count({ n: '*' }).first();
      const response = await post('/admin/user/save', body);
      expect(response.status).toBe(400);
      expect(fieldsOf(response)).toEqual([field]);
      expect(await db('sys_user').count({ n: '*' }).first()).toEqual(before);
      expect(await db('sys_user').whereRaw('lower(username) = lower(?)', [String(body['username'] ?? '')])).toEqual([]);
    });

    it('answers the password policy and unknown departments in Chinese', async () => {
      const zh = { 'accept-language': 'zh-CN' };
      const weak = await post('/admin/user/save', { username: uid('zh_'), password: 'abc' }, admin.token, zh);
      expect(weak.status).toBe(400);
      expect(weak.body.msg).toBe('请求不合法：password: 长度必须为 8 至 128 个字符');
      const dept = await post(
        '/admin/user/save',
        { username: uid('zh_'), password: GOOD_PASSWORD, deptId: '999999999998' },
        admin.token,
        zh,
      );
      expect(dept.body.msg).toBe('请求不合法：deptId: 部门不存在');
    });

    it('refuses a taken username (in any case) and a taken employee number with 409, changing nothing', async () => {
      const first = await createUser({ empNo: uid('E') });
      const before = await db('sys_user').count({ n: '*' }).first();
      const sameName = await post('/admin/user/save', {
        username: first.username.toUpperCase(),
        password: GOOD_PASSWORD,
      });
      expect(sameName.status).toBe(409);
      expect(sameName.body.msg).toBe(`username ${first.username.toUpperCase()} is taken`);
      const sameEmpNo = await post(
        '/admin/user/save',
        { username: uid('u_'), password: GOOD_PASSWORD, empNo: first.view.empNo },
        admin.token,
        { 'accept-language': 'zh' },
      );
      expect(sameEmpNo.status).toBe(409);
      expect(sameEmpNo.body.msg).toBe(`工号 ${first.view.empNo} 已属于其他用户`);
      expect(await db('sys_user').count({ n: '*' }).first()).toEqual(before);
      // Renaming another user to the taken name is refused as well and leaves that user as it was.
      const second = await createUser();
      const rename = await post('/admin/user/save', { id: second.id, username: first.username });
      expect(rename.status).toBe(409);
      expect((await userRow(second.id)).username).toBe(second.username);
    });

    it('modifies the fields sent, clears with null, and moves the user between departments', async () => {
      const deptA = await insertDept(db);
      const deptB = await insertDept(db, { name: '研发部' });
      const user = await createUser({
        realName: '李四',
        phone: '13900001111',
        email: 'lisi@example.com',
        deptId: deptA,
      });
      const versionBefore = (await db('sys_grant_version').first()).version as string;
      const response = await post('/admin/user/save', { id: user.id, realName: '李四四', phone: null, deptId: deptB });
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({
        realName: '李四四',
        phone: null,
        email: 'lisi@example.com',
        deptId: deptB,
        deptName: '研发部',
      });
      expect(await userRow(user.id)).toMatchObject({ real_name: '李四四', phone_num: null, dept_id: deptB });
      // A department change moves the user's data scope: every process re-reads grants.
      expect(BigInt((await db('sys_grant_version').first()).version as string)).toBeGreaterThan(BigInt(versionBefore));
      // The user's token keeps working after an edit that is not a disable.
      expect((await get('/admin/user/current', user.token)).status).toBe(200);
    });

    it('refuses password and roles on an existing user, and an unknown id', async () => {
      const user = await createUser();
      const before = await userRow(user.id);
      for (const [body, field] of [
        [{ id: user.id, password: 'Another-pass-1' }, 'password'],
        [{ id: user.id, roleIds: [] }, 'roleIds'],
        [{ id: user.id, deptId: '999999999997' }, 'deptId'],
        [{ id: user.id, email: 'nope' }, 'email'],
      ] as const) {
        const response = await post('/admin/user/save', body);
        expect(response.status).toBe(400);
        expect(fieldsOf(response)).toEqual([field]);
      }
      expect(await userRow(user.id)).toEqual(before);
      const missing = await post('/admin/user/save', { id: '999999999996', realName: 'x' });
      expect(missing.status).toBe(404);
      expect(missing.body.msg).toBe('user 999999999996 not found');
    });

    it('lets only a super admin create a super admin', async () => {
      const superRole = (await db('sys_role').where({ role_key: SUPER_ADMIN_ROLE_KEY }).first()).id as string;
      const role = await insertRole(db, { permissions: ['user:save'] });
      const manager = await createUser({ roleIds: [role.id] });
      const username = uid('escalate_');
      const response = await post(
        '/admin/user/save',
        { username, password: GOOD_PASSWORD, roleIds: [superRole] },
        manager.token,
      );
      expect(response.status).toBe(403);
      expect(response.body.msg).toMatch(/only a super admin/);
      expect(await db('sys_user').where({ username })).toEqual([]);
      const plain = await post(
        '/admin/user/save',
        { username, password: GOOD_PASSWORD, roleIds: [role.id] },
        manager.token,
      );
      expect(plain.status).toBe(200);
    });
  });

  describe('user.get and user.page', () => {
    it('gets a user with roles and department; 404 for one that is not there', async () => {
      const dept = await insertDept(db, { name: '客服部' });
      const role = await insertRole(db, { name: '客服', dataScope: 3 });
      const user = await createUser({ deptId: dept, roleIds: [role.id], realName: '王五' });
      const response = await get(`/admin/user/${user.id}`);
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({
        id: user.id,
        username: user.username,
        realName: '王五',
        deptId: dept,
        deptName: '客服部',
        roles: [{ id: role.id, name: '客服', dataScope: 3 }],
      });
      expect((await get('/admin/user/999999999995')).status).toBe(404);
      expect((await get('/admin/user/abc')).status).toBe(400);
    });

    it('filters by text, department subtree, status and role, and sorts', async () => {
      const tag = uid('pg').toLowerCase();
      const root = await insertDept(db);
      const child = await insertDept(db, { parentId: root });
      const grandchild = await insertDept(db, { parentId: child });
      const elsewhere = await insertDept(db);
      const role = await insertRole(db);
      const make = async (suffix: string, extra: Record<string, unknown>) => {
        const response = await post('/admin/user/save', {
          username: `${tag}_${suffix}`,
          password: GOOD_PASSWORD,
          ...extra,
        });
        expect(response.status).toBe(200);
        return response.body.data.id;
      };
      const a = await make('a', { deptId: root, realName: '赵一', empNo: `${tag}-001`, phone: '13811112222' });
      const b = await make('b', { deptId: grandchild, realName: '赵二', roleIds: [role.id] });
      const c = await make('c', { deptId: elsewhere, realName: '钱三', status: 1 });
      const d = await make('d', { deptId: child, roleIds: [role.id] });
      const page = async (filters: Record<string, unknown>) => {
        const response = await post<{ list: UserView[]; total: number }>('/admin/user/page', {
          pageNum: 1,
          pageSize: 50,
          username: tag,
          ...filters,
        });
        expect(response.status).toBe(200);
        return response.body.data;
      };
      const ids = async (filters: Record<string, unknown>) => (await page(filters)).list.map((u) => u.id);
      expect(await ids({ sortField: 'username', sortOrder: 'asc' })).toEqual([a, b, c, d]);
      expect(await ids({ sortField: 'username', sortOrder: 'desc' })).toEqual([d, c, b, a]);
      expect(await ids({ deptId: root, sortField: 'username' })).toEqual([a, b, d]);
      expect(await ids({ deptId: child, sortField: 'username' })).toEqual([b, d]);
      expect(await ids({ status: 1 })).toEqual([c]);
      expect(await ids({ roleId: role.id, sortField: 'username' })).toEqual([b, d]);
      expect(await ids({ realName: '赵', sortField: 'username' })).toEqual([a, b]);
      expect(await ids({ empNo: `${tag}-00` })).toEqual([a]);
      expect(await ids({ phone: '1111' })).toEqual([a]);
      expect(await ids({ phone: '138-1111' })).toEqual([a]);
      expect(await ids({ username: `${tag.toUpperCase()}_B` })).toEqual([b]);
      // Wildcards in a filter are text, not patterns.
      expect(await ids({ username: `${tag}%` })).toEqual([]);
      const paged = await post<{ list: UserView[]; total: number }>('/admin/user/page', {
        pageNum: 2,
        pageSize: 3,
        username: tag,
        sortField: 'username',
      });
      expect(paged.body.data).toMatchObject({ total: 4, pageNum: 2, pageSize: 3 });
      expect(paged.body.data.list.map((u) => u.id)).toEqual([d]);
      const listed = (await page({ roleId: role.id, sortField: 'username' })).list[0];
      expect(listed?.roles.map((r) => r.id)).toEqual([role.id]);
      const bad = await post('/admin/user/page', { pageNum: 1, pageSize: 10, sortField: 'password_hash' });
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad)).toEqual(['sortField']);
    });
  });

  describe('user.current', () => {
    it('answers a limited user its roles, permission strings and data scope', async () => {
      const root = await insertDept(db);
      const child = await insertDept(db, { parentId: root });
      const role = await insertRole(db, { permissions: ['user:page', 'clue:page'], dataScope: 4, name: '销售经理' });
      const disabledRole = await insertRole(db, { permissions: ['user:save'], status: 1 });
      const user = await createUser({ deptId: root, roleIds: [role.id, disabledRole.id] });
      const response = await get<{
        user: UserView;
        roles: Array<{ id: string; dataScope: number }>;
        permissions: string[];
        superAdmin: boolean;
        dataScope: { all: boolean; deptIds: string[] };
        mustChangePassword: boolean;
      }>('/admin/user/current', user.token);
      expect(response.status).toBe(200);
      expect(response.body.data.user.id).toBe(user.id);
      expect(response.body.data.roles).toEqual([{ id: role.id, key: role.key, name: '销售经理', dataScope: 4 }]);
      expect(response.body.data.permissions).toEqual(['clue:page', 'user:page']);
      expect(response.body.data.superAdmin).toBe(false);
      expect(response.body.data.dataScope).toEqual({ all: false, deptIds: [root, child].sort() });
      expect(response.body.data.mustChangePassword).toBe(false);
    });

    it('answers the super admin every permission of the menu tree and scope all', async () => {
      const response = await get<{ permissions: string[]; superAdmin: boolean; dataScope: unknown }>(
        '/admin/user/current',
      );
      expect(response.status).toBe(200);
      const all = (await db('sys_menu')
        .where({ is_del: 0 })
        .whereNotNull('permission')
        .pluck('permission')) as string[];
      expect(response.body.data.permissions).toEqual([...new Set(all)].sort());
      expect(response.body.data.permissions).toEqual(expect.arrayContaining(['user:save', 'dept:treeAll']));
      expect(response.body.data.superAdmin).toBe(true);
      expect(response.body.data.dataScope).toEqual({ all: true, deptIds: [] });
    });

    it('answers a user without any role (self-service needs no permission)', async () => {
      const user = await createUser();
      const response = await get<{ permissions: string[]; roles: unknown[] }>('/admin/user/current', user.token);
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({ permissions: [], roles: [] });
    });
  });

  describe('user.checkUsername', () => {
    it.each([
      ['a free name', () => uid('free_'), { available: true, reason: null, message: null }],
      ['invalid characters', () => '张三', { available: false, reason: 'invalidCharacters' }],
      ['a name too long', () => 'x'.repeat(65), { available: false, reason: 'tooLong', message: '超过 64 个字符' }],
    ])('reports %s with 200', async (_, name, expected) => {
      const response = await post('/admin/user/checkUsername', { username: name() }, admin.token, {
        'accept-language': 'zh',
      });
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject(expected);
    });

    it('reports a taken name in any case, but not as taken by the user being edited', async () => {
      const user = await createUser();
      const taken = await post('/admin/user/checkUsername', { username: user.username.toUpperCase() });
      expect(taken.body.data).toEqual({ available: false, reason: 'taken', message: 'the username is taken' });
      const own = await post('/admin/user/checkUsername', { username: user.username, id: user.id });
      expect(own.body.data).toEqual({ available: true, reason: null, message: null });
      const empty = await post('/admin/user/checkUsername', { username: '' });
      expect(empty.status).toBe(400);
      expect(fieldsOf(empty)).toEqual(['username']);
    });
  });

  describe('token invalidation', () => {
    it('refuses the very next request after a disable, and old tokens stay dead after re-enabling', async () => {
      const user = await createUser();
      const tv = (await userRow(user.id)).token_version as number;
      const disabled = await post('/admin/user/updateStatus', { id: user.id, status: 1 });
      expect(disabled.status).toBe(200);
      expect(disabled.body.data.status).toBe(1);
      expect(await userRow(user.id)).toMatchObject({ account_status: 1, token_version: tv + 1 });
      const next = await get('/admin/user/current', user.token);
      expect(next.status).toBe(401);
      expect((await login(sharedApiUrl, user.username, GOOD_PASSWORD)).body.msg).toBe('account disabled');
      expect((await post('/admin/user/updateStatus', { id: user.id, status: 0 })).status).toBe(200);
      expect((await get('/admin/user/current', user.token)).body.msg).toBe('token revoked, log in again');
      expect((await get('/admin/user/current', await tokenOf(sharedApiUrl, user.username, GOOD_PASSWORD))).status).toBe(
        200,
      );
    });

    it('serves updateStatus as POST only, and refuses bad status values and unknown users', async () => {
      const user = await createUser();
      expect((await call(sharedApiUrl, 'GET', '/admin/user/updateStatus', { token: admin.token })).status).toBe(405);
      const bad = await post('/admin/user/updateStatus', { id: user.id, status: 3 });
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad)).toEqual(['status']);
      expect((await userRow(user.id)).account_status).toBe(0);
      expect((await post('/admin/user/updateStatus', { id: '999999999994', status: 1 })).status).toBe(404);
    });

    it('refuses the very next request after a delete, and reports each id of a batch', async () => {
      const user = await createUser();
      const other = await createUser();
      const response = await post<{ results: Array<{ id: string; deleted: boolean; reason: string | null }> }>(
        '/admin/user/batchDelete',
        { ids: [user.id, admin.id, '999999999993', other.id] },
        admin.token,
        { 'accept-language': 'zh' },
      );
      expect(response.status).toBe(200);
      expect(response.body.data.results).toEqual([
        { id: user.id, deleted: true, reason: null, message: null },
        { id: admin.id, deleted: false, reason: 'self', message: '不能删除自己' },
        { id: '999999999993', deleted: false, reason: 'notFound', message: '用户不存在' },
        { id: other.id, deleted: true, reason: null, message: null },
      ]);
      expect((await get('/admin/user/current', user.token)).status).toBe(401);
      expect(await userRow(user.id)).toMatchObject({ is_del: 1, token_version: 1 });
      expect(await userRow(admin.id)).toMatchObject({ is_del: 0 });
      expect((await get(`/admin/user/${user.id}`)).status).toBe(404);
      // A deleted user's name is free again.
      expect((await post('/admin/user/checkUsername', { username: user.username })).body.data).toMatchObject({
        available: true,
      });
    });

    it('refuses deleting a super admin unless the caller is one', async () => {
      const role = await insertRole(db, { permissions: ['user:batchDelete'] });
      const manager = await createUser({ roleIds: [role.id] });
      const victim = await createAdmin(db, sharedApiUrl);
      const response = await post<{ results: Array<{ reason: string | null }> }>(
        '/admin/user/batchDelete',
        { ids: [victim.id] },
        manager.token,
      );
      expect(response.body.data.results).toEqual([
        {
          id: victim.id,
          deleted: false,
          reason: 'superAdminRequired',
          message: 'only a super admin may delete a super admin',
        },
      ]);
      expect((await userRow(victim.id)).is_del).toBe(0);
    });

    it('refuses the very next request after an admin reset, and forces a change of the one-time password', async () => {
      const user = await createUser();
      const reset = await post<{ password: string }>('/admin/user/resetPassword', { id: user.id });
      expect(reset.status).toBe(200);
      const oneTime = reset.body.data.password;
      expect(oneTime).toMatch(/^[A-Za-z0-9]{14}$/);
      const row = await userRow(user.id);
      expect(row.must_change_password).toBe(true);
      await expect(verifyPassword(oneTime, row.password_hash)).resolves.toBe(true);
      expect((await get('/admin/user/current', user.token)).status).toBe(401);
      expect((await login(sharedApiUrl, user.username, GOOD_PASSWORD)).status).toBe(401);
      const signedIn = await login(sharedApiUrl, user.username, oneTime);
      expect(signedIn.body.data.mustChangePassword).toBe(true);
      const token = signedIn.body.data.token;
      // Only self-service answers until the password is changed.
      const role = await insertRole(db, { permissions: ['user:page'] });
      await post('/admin/user/assignRoles', { userId: user.id, roleIds: [role.id] });
      const blocked = await post('/admin/user/page', PAGE, token, { 'accept-language': 'zh' });
      expect(blocked.status).toBe(403);
      expect(blocked.body.msg).toBe('请先修改一次性密码');
      const current = await get<{ mustChangePassword: boolean }>('/admin/user/current', token);
      expect(current.body.data.mustChangePassword).toBe(true);
      const changed = await post<{ token: string }>(
        '/admin/user/changePassword',
        { oldPassword: oneTime, newPassword: 'Brand-new-pw-9' },
        token,
      );
      expect(changed.status).toBe(200);
      expect((await userRow(user.id)).must_change_password).toBe(false);
      expect((await post('/admin/user/page', PAGE, changed.body.data.token)).status).toBe(200);
      expect((await post('/admin/user/resetPassword', { id: '999999999992' })).status).toBe(404);
      expect((await call(sharedApiUrl, 'GET', '/admin/user/resetPassword', { token: admin.token })).status).toBe(405);
    });

    it('refuses the very next request after a password change, and answers a fresh token', async () => {
      const user = await createUser();
      const response = await post<{ token: string; expiresIn: number }>(
        '/admin/user/changePassword',
        { oldPassword: GOOD_PASSWORD, newPassword: 'Changed-pw-2026' },
        user.token,
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('token')).toBe(response.body.data.token);
      expect((await get('/admin/user/current', user.token)).status).toBe(401);
      expect((await get('/admin/user/current', response.body.data.token)).status).toBe(200);
      const claims = jwt.decode(response.body.data.token) as { tv: number; uid: string };
      expect(claims).toMatchObject({ uid: user.id, tv: (await userRow(user.id)).token_version });
      expect((await login(sharedApiUrl, user.username, GOOD_PASSWORD)).status).toBe(401);
      expect((await login(sharedApiUrl, user.username, 'Changed-pw-2026')).status).toBe(200);
    });

    it.each([
      ['a wrong old password', { oldPassword: 'not-it-1234', newPassword: 'Changed-pw-2026' }, 'oldPassword'],
      ['a new password breaking the policy', { oldPassword: GOOD_PASSWORD, newPassword: 'short1' }, 'newPassword'],
      ['the same password again', { oldPassword: GOOD_PASSWORD, newPassword: GOOD_PASSWORD }, 'newPassword'],
      ['no old password', { newPassword: 'Changed-pw-2026' }, 'oldPassword'],
    ])('refuses a password change with %s, changing nothing', async (_, body, field) => {
      const user = await createUser();
      const before = await userRow(user.id);
      const response = await post('/admin/user/changePassword', body, user.token);
      expect(response.status).toBe(400);
      expect(fieldsOf(response)).toEqual([field]);
      expect(await userRow(user.id)).toEqual(before);
      expect((await get('/admin/user/current', user.token)).status).toBe(200);
    });

    it('answers 403 on the very next request after a role is revoked, and grants at once', async () => {
      const role = await insertRole(db, { permissions: ['user:page'] });
      const other = await insertRole(db, { permissions: ['dept:treeAll'] });
      const user = await createUser({ roleIds: [role.id] });
      expect((await post('/admin/user/page', PAGE, user.token)).status).toBe(200);
      expect((await get('/admin/dept/treeAll', user.token)).status).toBe(403);
      const assigned = await post('/admin/user/assignRoles', { userId: user.id, roleIds: [other.id] });
      expect(assigned.status).toBe(200);
      expect(assigned.body.data.roles.map((r) => r.id)).toEqual([other.id]);
      const revoked = await post('/admin/user/page', PAGE, user.token);
      expect(revoked.status).toBe(403);
      expect(revoked.body.msg).toBe('permission user:page required');
      expect((await get('/admin/dept/treeAll', user.token)).status).toBe(200);
      expect(await db('sys_user_role').where({ user_id: user.id }).pluck('role_id')).toEqual([other.id]);
    });

    it('refuses unknown roles and super-admin changes by a non-super admin, changing nothing', async () => {
      const role = await insertRole(db, { permissions: ['user:assignRoles'] });
      const manager = await createUser({ roleIds: [role.id] });
      const user = await createUser({ roleIds: [role.id] });
      const unknown = await post('/admin/user/assignRoles', { userId: user.id, roleIds: [role.id, '999999999991'] });
      expect(unknown.status).toBe(400);
      expect(fieldsOf(unknown)).toEqual(['roleIds']);
      expect(unknown.body.msg).toBe('roleIds: unknown role id(s): 999999999991');
      const superRole = (await db('sys_role').where({ role_key: SUPER_ADMIN_ROLE_KEY }).first()).id as string;
      const escalate = await post(
        '/admin/user/assignRoles',
        { userId: manager.id, roleIds: [superRole] },
        manager.token,
      );
      expect(escalate.status).toBe(403);
      const victim = await createAdmin(db, sharedApiUrl);
      const demote = await post('/admin/user/assignRoles', { userId: victim.id, roleIds: [] }, manager.token);
      expect(demote.status).toBe(403);
      const disable = await post('/admin/user/updateStatus', { id: victim.id, status: 1 }, manager.token);
      expect(disable.status).toBe(403);
      expect(await db('sys_user_role').where({ user_id: user.id }).pluck('role_id')).toEqual([role.id]);
      expect(await db('sys_user_role').where({ user_id: manager.id }).pluck('role_id')).toEqual([role.id]);
      expect((await db('sys_user_role').where({ user_id: victim.id }).pluck('role_id')).length).toBe(1);
      expect((await userRow(victim.id)).account_status).toBe(0);
      expect((await post('/admin/user/assignRoles', { userId: '999999999990', roleIds: [] })).status).toBe(404);
    });
  });

  describe('user.bindWecomUserid', () => {
    it('binds a user to an employee of its corp, one user per employee, and unbinds', async () => {
      const corpId = uid('wwusers');
      const employee = await mirrorEmployee(db, corpId, { userid: uid('ZhangSan') });
      const first = await createUser();
      const second = await createUser();
      await db('sys_user').whereIn('id', [first.id, second.id]).update({ corp_id: corpId });
      const bound = await post('/admin/user/bindWecomUserid', {
        id: first.id,
        wecomUserid: employee.userid.toLowerCase(),
      });
      expect(bound.status).toBe(200);
      expect(bound.body.data.wecomUserid).toBe(employee.userid);
      expect((await userRow(first.id)).wecom_userid).toBe(employee.userid);
      const again = await post(
        '/admin/user/bindWecomUserid',
        { id: second.id, wecomUserid: employee.userid },
        admin.token,
        {
          'accept-language': 'zh',
        },
      );
      expect(again.status).toBe(409);
      expect(again.body.msg).toBe(`企业微信成员 ${employee.userid} 已绑定用户 ${first.username}`);
      expect((await userRow(second.id)).wecom_userid).toBeNull();
      // The same userid in another corp is another employee.
      const elsewhere = await createUser();
      const otherCorp = uid('wwother');
      await mirrorEmployee(db, otherCorp, { userid: employee.userid });
      await db('sys_user').where({ id: elsewhere.id }).update({ corp_id: otherCorp });
      expect(
        (await post('/admin/user/bindWecomUserid', { id: elsewhere.id, wecomUserid: employee.userid })).status,
      ).toBe(200);
      const unbound = await post('/admin/user/bindWecomUserid', { id: first.id, wecomUserid: null });
      expect(unbound.body.data.wecomUserid).toBeNull();
      expect((await post('/admin/user/bindWecomUserid', { id: second.id, wecomUserid: employee.userid })).status).toBe(
        200,
      );
    });

    it('refuses an employee missing from the mirror and a malformed userid, changing nothing', async () => {
      const corpId = uid('wwusers');
      const gone = await mirrorEmployee(db, corpId, { is_del: 1 } as never);
      const user = await createUser();
      await db('sys_user').where({ id: user.id }).update({ corp_id: corpId });
      for (const [wecomUserid, field] of [
        ['nobody', 'wecomUserid'],
        [gone.userid, 'wecomUserid'],
        ['has space', 'wecomUserid'],
      ]) {
        const response = await post('/admin/user/bindWecomUserid', { id: user.id, wecomUserid });
        expect(response.status).toBe(400);
        expect(fieldsOf(response)).toEqual([field]);
      }
      expect((await userRow(user.id)).wecom_userid).toBeNull();
      expect((await post('/admin/user/bindWecomUserid', { id: '999999999989', wecomUserid: 'x' })).status).toBe(404);
    });

    it('binds one of two users racing for the same employee', async () => {
      const corpId = uid('wwrace');
      const employee = await mirrorEmployee(db, corpId);
      const users = [await createUser(), await createUser(), await createUser()];
      await db('sys_user')
        .whereIn(
          'id',
          users.map((u) => u.id),
        )
        .update({ corp_id: corpId });
      const responses = await Promise.all(
        users.map((u) => post('/admin/user/bindWecomUserid', { id: u.id, wecomUserid: employee.userid })),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409]);
      expect(await db('sys_user').where({ corp_id: corpId, wecom_userid: employee.userid })).toHaveLength(1);
    });
  });

  describe('dept.treeAll', () => {
    it('answers the department tree with leaders, siblings in order', async () => {
      const leader = await createUser({ empNo: uid('L'), realName: '部门负责人' });
      const root = await insertDept(db, { name: '总部', leaderEmpNo: leader.view.empNo, order: 1 });
      const second = await insertDept(db, { name: '二部', parentId: root, order: 2 });
      const first = await insertDept(db, { name: '一部', parentId: root, order: 1, leaderEmpNo: 'E-NOT-A-USER' });
      const team = await insertDept(db, { name: '一组', parentId: first });
      const gone = await insertDept(db, { name: '已撤销', parentId: root });
      await db('sys_dept').where({ id: gone }).update({ is_del: 1 });
      const response = await get<DeptNode[]>('/admin/dept/treeAll');
      expect(response.status).toBe(200);
      const node = response.body.data.find((d) => d.id === root);
      const code = async (id: string) => (await db('sys_dept').where({ id }).first()).code as string;
      expect(node).toEqual({
        id: root,
        parentId: null,
        code: await code(root),
        name: '总部',
        order: 1,
        leader: { empNo: leader.view.empNo, userId: leader.id, realName: '部门负责人' },
        children: [
          {
            id: first,
            parentId: root,
            code: await code(first),
            name: '一部',
            order: 1,
            leader: { empNo: 'E-NOT-A-USER', userId: null, realName: null },
            children: [
              { id: team, parentId: first, code: await code(team), name: '一组', order: 0, leader: null, children: [] },
            ],
          },
          { id: second, parentId: root, code: await code(second), name: '二部', order: 2, leader: null, children: [] },
        ],
      });
    });

    it('needs dept:treeAll', async () => {
      const user = await createUser();
      const response = await get('/admin/dept/treeAll', user.token);
      expect(response.status).toBe(403);
      expect(response.body.msg).toBe('permission dept:treeAll required');
    });
  });
});

/**
 * An installation of its own (another database, other API processes): the first admin from the
 * boot settings, the admin:create command, and the rule that an active super admin always remains,
 * which needs to know every super admin there is.
 */
describe('bootstrap and the last super admin', () => {
  const bootUrl = `${TEST_DATABASE_URL}_boot`;
  const ports = USERS_BOOT_API_PORTS;
  const bootAdmin = { username: 'first.admin', password: 'First-admin-pw-1' };
  let db: Db;
  let systems: TestSystem[] = [];
  let baseUrl: string;

  const system = (port: number, env: Record<string, string>) =>
    new TestSystem({
      name: `users-boot-${port - PORT_OFFSET}`,
      temporalAddress: sharedTemporalAddress,
      apiPort: port,
      taskQueue: 'test-users-boot',
      env: { DATABASE_URL: bootUrl, ...env },
    });

  beforeAll(async () => {
    const maintenance = new URL(bootUrl);
    const name = maintenance.pathname.slice(1);
    maintenance.pathname = '/postgres';
    const client = new pg.Client({ connectionString: maintenance.toString() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
    await ensureDatabase(bootUrl);
    db = createDb(bootUrl, 4);
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.stopApi()));
    await db.destroy();
  });

  it('creates the initial admin once when two API processes boot on an empty installation', async () => {
    systems = ports.map((port) =>
      system(port, { INITIAL_ADMIN_USERNAME: bootAdmin.username, INITIAL_ADMIN_PASSWORD: bootAdmin.password }),
    );
    await Promise.all(systems.map((s) => s.startApi()));
    baseUrl = systems[0]!.baseUrl;
    const users = await db('sys_user').select('id', 'username');
    expect(users.map((u: { username: string }) => u.username)).toEqual([bootAdmin.username]);
    const roles = await db('sys_user_role as ur').join('sys_role as r', 'r.id', 'ur.role_id').select('r.role_key');
    expect(roles).toEqual([{ role_key: SUPER_ADMIN_ROLE_KEY }]);
    for (const s of systems) expect((await login(s.baseUrl, bootAdmin.username, bootAdmin.password)).status).toBe(200);
    // Booting again with other settings creates nobody: the installation has a user now.
    await systems[1]!.stopApi();
    systems[1] = system(ports[1]!, {
      INITIAL_ADMIN_USERNAME: 'second.admin',
      INITIAL_ADMIN_PASSWORD: 'Second-admin-1',
    });
    await systems[1].startApi();
    expect(await db('sys_user').pluck('username')).toEqual([bootAdmin.username]);
  });

  it('refuses to disable, demote or delete the only active super admin', async () => {
    const token = await tokenOf(baseUrl, bootAdmin.username, bootAdmin.password);
    const me = (await db('sys_user').where({ username: bootAdmin.username }).first()) as { id: string };
    const before = await db('sys_user').where({ id: me.id }).first();
    const disable = await call(baseUrl, 'POST', '/admin/user/updateStatus', {
      token,
      body: { id: me.id, status: 1 },
      headers: { 'accept-language': 'zh' },
    });
    expect(disable.status).toBe(409);
    expect(disable.body.msg).toBe('系统必须至少保留一个启用的超级管理员');
    const demote = await call(baseUrl, 'POST', '/admin/user/assignRoles', {
      token,
      body: { userId: me.id, roleIds: [] },
    });
    expect(demote.status).toBe(409);
    const viaSave = await call(baseUrl, 'POST', '/admin/user/save', { token, body: { id: me.id, status: 1 } });
    expect(viaSave.status).toBe(409);
    const remove = await call<{ results: Array<{ reason: string }> }>(baseUrl, 'POST', '/admin/user/batchDelete', {
      token,
      body: { ids: [me.id] },
    });
    expect(remove.body.data.results[0]?.reason).toBe('self');
    expect(await db('sys_user').where({ id: me.id }).first()).toEqual(before);
    expect(await db('sys_user_role').where({ user_id: me.id }).count({ n: '*' }).first()).toEqual({ n: '1' });
  });

  const activeSuperAdmins = async () =>
    Number(
      (
        await db('sys_user as u')
          .join('sys_user_role as ur', 'ur.user_id', 'u.id')
          .join('sys_role as r', 'r.id', 'ur.role_id')
          .where({ 'u.is_del': 0, 'u.account_status': 0, 'r.built_in': true })
          .countDistinct({ n: 'u.id' })
          .first()
      )?.n,
    );

  it('keeps one active super admin when two remove each other at the same moment', async () => {
    const superRole = (await db('sys_role').where({ role_key: SUPER_ADMIN_ROLE_KEY }).first()).id as string;
    const firstToken = await tokenOf(baseUrl, bootAdmin.username, bootAdmin.password);
    const removals: Array<(id: string) => { path: string; body: unknown }> = [
      (id) => ({ path: '/admin/user/updateStatus', body: { id, status: 1 } }),
      (id) => ({ path: '/admin/user/assignRoles', body: { userId: id, roleIds: [] } }),
      (id) => ({ path: '/admin/user/batchDelete', body: { ids: [id] } }),
    ];
    for (let round = 0; round < 12; round++) {
      // Two super admins, each signed in, each removing the other through one API process of its own.
      const pair: Array<{ id: string; token: string }> = [];
      for (let i = 0; i < 2; i++) {
        const username = uid(`sa${round}${i}_`);
        const created = await call<UserView>(baseUrl, 'POST', '/admin/user/save', {
          token: firstToken,
          body: { username, password: GOOD_PASSWORD, roleIds: [superRole] },
        });
        expect(created.status).toBe(200);
        pair.push({ id: created.body.data.id, token: await tokenOf(baseUrl, username, GOOD_PASSWORD) });
      }
      // The first admin steps aside, so the pair are the only active super admins.
      await db('sys_user').where({ username: bootAdmin.username }).update({ account_status: 1 });
      expect(await activeSuperAdmins()).toBe(2);
      const removal = removals[round % removals.length]!;
      const responses = await Promise.all(
        pair.map((me, i) => {
          const { path, body } = removal(pair[1 - i]!.id);
          return call<{ results?: Array<{ deleted: boolean }> }>(systems[i]!.baseUrl, 'POST', path, {
            token: me.token,
            body,
          });
        }),
      );
      const succeeded = responses.filter((r) =>
        r.body.data?.results ? r.body.data.results[0]?.deleted === true : r.status === 200,
      );
      expect(succeeded).toHaveLength(1);
      expect(await activeSuperAdmins()).toBe(1);
      await db('sys_user').where({ username: bootAdmin.username }).update({ account_status: 0 });
      await db('sys_user')
        .whereIn(
          'id',
          pair.map((p) => p.id),
        )
        .update({ is_del: 1 });
    }
  });

  it('creates a super admin from the command line, printing a generated password once', async () => {
    const env = { ...process.env, DATABASE_URL: bootUrl };
    const cli = (args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/main/create-admin.ts', ...args], { cwd: REPO_ROOT, env }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const generated = await cli(['ops.admin']);
    expect(generated.code).toBe(0);
    const password = /password: (\S+)/.exec(generated.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{14}$/);
    const token = await tokenOf(baseUrl, 'ops.admin', password!);
    const current = await call<{ superAdmin: boolean }>(baseUrl, 'GET', '/admin/user/current', { token });
    expect(current.body.data.superAdmin).toBe(true);

    const given = await cli(['ops.second', '--password', 'Given-pass-77']);
    expect(given.code).toBe(0);
    expect(given.stdout).not.toContain('Given-pass-77');
    expect((await login(baseUrl, 'ops.second', 'Given-pass-77')).status).toBe(200);

    const existing = await cli(['OPS.ADMIN']);
    expect(existing.code).toBe(1);
    expect(existing.stderr).toContain('username OPS.ADMIN is taken');
    const weak = await cli(['ops.weak', '--password', 'weak']);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('--password must be 8 to 128 characters');
    const usage = await cli([]);
    expect(usage.code).toBe(2);
    expect(await db('sys_user').whereIn('username', ['ops.weak', 'OPS.ADMIN'])).toEqual([]);
    expect(await db('sys_user').where({ username: 'ops.admin' })).toHaveLength(1);
  });
});
