import { createHash } from 'node:crypto';
import type { Db } from '../../src/db/knex';
import { nexusSignature } from '../../src/domain/nexus/signature';
import {
  NEXUS_API_PORT,
  NEXUS_PEER_API_PORT,
  SHARED_TASK_QUEUE,
  sharedApiUrl,
  sharedTemporalAddress,
} from '../helpers/env';
import { testDb, uid } from '../helpers/factories';
import { call, type ApiResponse } from '../helpers/http';
import { startNexusStandIn, type NexusStandIn } from '../helpers/nexus-stand-in';
import { TestSystem } from '../helpers/system';

const SECRET = 'nexus-test-secret-0123456789abcdef-0123';
const PROTECTED = '/admin/distribution/policy/page';
const PAGE = { pageNum: 1, pageSize: 1 };

interface UserRow {
  id: string;
  username: string;
  emp_no: string;
  real_name: string | null;
  phone_num: string | null;
  email: string | null;
  dept_id: string | null;
  account_status: number;
  token_version: number;
  password_hash: string;
  is_del: number;
  mtime: Date;
}

interface DeptRow {
  id: string;
  parent_id: string | null;
  code: string;
  name: string;
  order_num: number;
  leader_emp_no: string | null;
  is_del: number;
  mtime: Date;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('Nexus (HR system) sync and single sign-on', () => {
  let db: Db;
  let standIn: NexusStandIn;
  let api: TestSystem;
  let peer: TestSystem;

  beforeAll(async () => {
    db = testDb();
    standIn = await startNexusStandIn();
    const env = {
      NEXUS_SECRET: SECRET,
      NEXUS_SSO_VERIFY_URL: standIn.verifyUrl,
      NEXUS_SSO_TIMEOUT_MS: '1000',
    };
    const options = { temporalAddress: sharedTemporalAddress, taskQueue: SHARED_TASK_QUEUE, env };
    api = new TestSystem({ ...options, name: 'nexus', apiPort: NEXUS_API_PORT });
    peer = new TestSystem({ ...options, name: 'nexus-peer', apiPort: NEXUS_PEER_API_PORT });
    await Promise.all([api.startApi(), peer.startApi()]);
  });
  afterAll(async () => {
    await Promise.all([api?.stopApi(), peer?.stopApi()]);
    await standIn?.stop();
    await db.destroy();
  });

  // The same body signed twice in one second is the same signature, i.e. a replay: as the HR system
  // must when it sends a call again, every call here gets a timestamp not yet used with its body.
  const used = new Set<string>();
  const freshTimestamp = (text: string) => {
    let timestamp = nowSeconds();
    while (used.has(`${timestamp}\n${text}`)) timestamp--;
    used.add(`${timestamp}\n${text}`);
    return timestamp;
  };

  /** A call signed as the HR system signs it; `sendBody` replaces what is sent after signing. */
  const signed = <T = unknown>(
    path: string,
    body: unknown,
    options: {
      baseUrl?: string;
      timestamp?: number;
      secret?: string;
      sendBody?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<ApiResponse<T> & { sent: { timestamp: string; signature: string; body: string } }> => {
    const text = JSON.stringify(body);
    const timestamp = String(options.timestamp ?? freshTimestamp(text));
    const signature = nexusSignature(options.secret ?? SECRET, timestamp, text);
    return resend<T>({ timestamp, signature, body: options.sendBody ?? text }, path, options);
  };
  const resend = async <T = unknown>(
    sent: { timestamp: string; signature: string; body: string },
    path: string,
    options: { baseUrl?: string; headers?: Record<string, string> } = {},
  ) => {
    const response = await call<T>(options.baseUrl ?? api.baseUrl, 'POST', `/api-scrm/nexus${path}`, {
      rawBody: sent.body,
      headers: { 'x-nexus-timestamp': sent.timestamp, 'x-nexus-signature': sent.signature, ...options.headers },
    });
    return { ...response, sent };
  };
  const ok = async <T = unknown>(path: string, body: unknown): Promise<T> => {
    const response = await signed<T>(path, body);
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.data;
  };

  const userOf = async (empNo: string) =>
    (await db<UserRow>('sys_user').where({ emp_no: empNo }).orderBy('id', 'desc').first()) as UserRow | undefined;
  const deptOf = async (code: string) =>
    (await db<DeptRow>('sys_dept').where({ code }).orderBy('id', 'desc').first()) as DeptRow | undefined;
  const grantVersion = async () =>
    ((await db('sys_grant_version').where({ id: 1 }).first('version')) as { version: string }).version;
  const roleKeysOf = async (userId: string) =>
    (
      (await db('sys_user_role')
        .join('sys_role', 'sys_role.id', 'sys_user_role.role_id')
        .where({ user_id: userId })
        .orderBy('role_key')
        .select('role_key')) as Array<{ role_key: string }>
    ).map((row) => row.role_key);

  /** An SSO token for an employee: the stand-in learns a fresh HR token for it. */
  const ssoToken = async (empNo: string) => {
    const hrToken = uid('hr-');
    standIn.tokens.set(hrToken, empNo);
    const response = await call<{ token: string }>(api.baseUrl, 'POST', '/api-scrm/nexus/sso', {
      body: { token: hrToken },
    });
    if (response.status !== 200) throw new Error(`sso: ${JSON.stringify(response.body)}`);
    return response.body.data.token;
  };

  describe('signature', () => {
    it('answers 503 on an API without NEXUS_SECRET or NEXUS_SSO_VERIFY_URL, in Chinese too', async () => {
      const empNo = uid('e-');
      const text = JSON.stringify({ empNo });
      const timestamp = String(nowSeconds());
      const response = await call(sharedApiUrl, 'POST', '/api-scrm/nexus/user/create', {
        rawBody: text,
        headers: {
          'x-nexus-timestamp': timestamp,
          'x-nexus-signature': nexusSignature(SECRET, timestamp, text),
          'accept-language': 'zh-CN',
        },
      });
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ code: '503', msg: '尚未配置 HR 系统（Nexus）对接', data: null });
      const sso = await call(sharedApiUrl, 'POST', '/api-scrm/nexus/sso', { body: { token: 'x' } });
      expect(sso.status).toBe(503);
      expect(sso.body.msg).toBe('Nexus single sign-on is not configured');
      expect(await userOf(empNo)).toBeUndefined();
    });

    it('accepts a correctly signed call and remembers its signature until the window ends', async () => {
      const empNo = uid('e-');
      const response = await signed<{ result: string }>('/user/create', { empNo, realName: '张三' });
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({ empNo, username: empNo, result: 'created' });
      const seen = (await db('nexus_signature_seen')
        .where({ signature: Buffer.from(response.sent.signature, 'hex') })
        .first('expires_at')) as { expires_at: Date } | undefined;
      expect(seen?.expires_at.getTime()).toBe((Number(response.sent.timestamp) + 300) * 1000);
    });

    it('refuses a wrong secret, a body changed after signing, and missing or malformed headers, storing nothing', async () => {
      const empNo = uid('e-');
      const body = { empNo, realName: '李四' };
      const wrongSecret = await signed('/user/create', body, { secret: 'another-secret-another-secret-0000' });
      const tampered = await signed('/user/create', body, { sendBody: JSON.stringify({ ...body, roleKeys: ['x'] }) });
      const noHeaders = await call(api.baseUrl, 'POST', '/api-scrm/nexus/user/create', { body });
      const malformed = await signed('/user/create', body, { headers: { 'x-nexus-signature': 'zz' } });
      const zh = await signed('/user/create', body, {
        secret: 'another-secret-another-secret-0000',
        headers: { 'accept-language': 'zh' },
      });
      expect([wrongSecret.status, tampered.status, noHeaders.status, malformed.status]).toEqual([401, 401, 401, 401]);
      expect(wrongSecret.body).toEqual({ code: '401', msg: 'X-Nexus-Signature does not match the body', data: null });
      expect(tampered.body.msg).toBe('X-Nexus-Signature does not match the body');
      expect(noHeaders.body.msg).toMatch(/X-Nexus-Timestamp .* and X-Nexus-Signature .* are required/);
      expect(malformed.body.msg).toBe(noHeaders.body.msg);
      expect(zh.body.msg).toBe('X-Nexus-Signature 与请求体不符，签名校验失败');
      expect(await userOf(empNo)).toBeUndefined();
    });

    it('checks the signature on the bytes before parsing them: bad JSON is 401 unsigned, 400 signed', async () => {
      const timestamp = String(nowSeconds());
      const badJson = '{"empNo": ';
      const unsigned = await resend({ timestamp, signature: 'a'.repeat(64), body: badJson }, '/user/create');
      expect(unsigned.status).toBe(401);
      const signedBad = await resend(
        { timestamp, signature: nexusSignature(SECRET, timestamp, badJson), body: badJson },
        '/user/create',
      );
      expect(signedBad.status).toBe(400);
      expect(signedBad.body.msg).toBe('request body is not valid JSON');
    });

    it('refuses a call without signature headers before reading its body, even an oversize one', async () => {
      const huge = JSON.stringify({ empNo: uid('e-'), realName: 'x'.repeat(300_000) });
      const unsigned = await call(api.baseUrl, 'POST', '/api-scrm/nexus/user/create', { rawBody: huge });
      expect(unsigned.status).toBe(401);
      const stale = await signed('/user/create', JSON.parse(huge), { timestamp: nowSeconds() - 1000 });
      expect(stale.status).toBe(401);
      const signedHuge = await signed('/user/create', JSON.parse(huge));
      expect(signedHuge.status).toBe(413);
    });

    it('refuses a timestamp more than 5 minutes off, either way', async () => {
      const empNo = uid('e-');
      const stale = await signed('/user/create', { empNo }, { timestamp: nowSeconds() - 301 });
      const future = await signed('/user/create', { empNo }, { timestamp: nowSeconds() + 301 });
      const zh = await signed(
        '/user/create',
        { empNo },
        { timestamp: nowSeconds() - 3600, headers: { 'accept-language': 'zh' } },
      );
      expect([stale.status, future.status]).toEqual([401, 401]);
      expect(stale.body.msg).toBe('X-Nexus-Timestamp is outside the allowed window');
      expect(future.body.msg).toBe('X-Nexus-Timestamp is outside the allowed window');
      expect(zh.body.msg).toBe('X-Nexus-Timestamp 超出允许的时间范围');
      // Just inside the window is fine.
      expect((await signed('/user/create', { empNo }, { timestamp: nowSeconds() - 240 })).status).toBe(200);
    });

    it('refuses a replay, on this API process and on another one', async () => {
      const empNo = uid('e-');
      const first = await signed('/user/create', { empNo });
      expect(first.status).toBe(200);
      const replayed = await resend(first.sent, '/user/create');
      const elsewhere = await resend(first.sent, '/user/create', { baseUrl: peer.baseUrl });
      const zh = await resend(first.sent, '/user/create', { headers: { 'accept-language': 'zh' } });
      expect([replayed.status, elsewhere.status]).toEqual([401, 401]);
      expect(replayed.body.msg).toBe('this signed request was already received');
      expect(elsewhere.body.msg).toBe('this signed request was already received');
      expect(zh.body.msg).toBe('该签名请求已经收到过，拒绝重放');
      // The same call signed afresh (another timestamp) is a new call, and changes nothing.
      const again = await signed<{ result: string }>('/user/create', { empNo }, { timestamp: nowSeconds() + 1 });
      expect(again.body.data.result).toBe('unchanged');
    });
  });

  describe('users', () => {
    it('creates a user with an unusable random password and no roles; the same call again changes nothing', async () => {
      const empNo = uid('e-');
      const dept = uid('d-');
      await ok('/dept/save', { code: dept, name: '销售一部' });
      const body = { empNo, realName: '王五', phone: '13812345678', email: 'wang@example.com', deptCode: dept };
      expect(await ok('/user/create', body)).toEqual({ empNo, username: empNo, result: 'created' });
      const created = (await userOf(empNo)) as UserRow;
      expect(created).toMatchObject({
        username: empNo,
        real_name: '王五',
        phone_num: '13812345678',
        email: 'wang@example.com',
        dept_id: (await deptOf(dept))?.id,
        account_status: 0,
        token_version: 0,
        is_del: 0,
      });
      expect(created.password_hash).toMatch(/^scrypt\$/);
      expect(await roleKeysOf(created.id)).toEqual([]);
      const login = await call(api.baseUrl, 'POST', '/admin/auth/login', {
        body: { username: empNo, password: empNo },
      });
      expect(login.status).toBe(401);

      const version = await grantVersion();
      expect(await ok('/user/create', body)).toEqual({ empNo, username: empNo, result: 'unchanged' });
      expect(await userOf(empNo)).toEqual(created);
      expect(await grantVersion()).toBe(version);
      expect(await db('sys_user').where({ emp_no: empNo }).count({ n: '*' })).toEqual([{ n: '1' }]);
    });

    it('gives the roles a call names, and refuses unknown role keys and departments (400, nothing stored)', async () => {
      const empNo = uid('e-');
      const withRoles = await ok<{ result: string }>('/user/create', { empNo, roleKeys: ['SUPER_ADMIN'] });
      expect(withRoles.result).toBe('created');
      expect(await roleKeysOf((await userOf(empNo))!.id)).toEqual(['super_admin']);

      const other = uid('e-');
      const badRole = await signed<{ errors: unknown[] }>(
        '/user/create',
        { empNo: other, roleKeys: ['no_such_role'] },
        {
          headers: { 'accept-language': 'zh' },
        },
      );
      expect(badRole.status).toBe(400);
      expect(badRole.body.data.errors).toEqual([{ field: 'roleKeys', message: '以下角色标识不存在：no_such_role' }]);
      const badDept = await signed<{ errors: unknown[] }>('/user/create', { empNo: other, deptCode: 'nope-dept' });
      expect(badDept.status).toBe(400);
      expect(badDept.body.data.errors).toEqual([{ field: 'deptCode', message: 'no department with code nope-dept' }]);
      expect(await userOf(other)).toBeUndefined();
    });

    it('updates only what changed; the same update again changes nothing (mtime, token version)', async () => {
      const empNo = uid('e-');
      await ok('/user/create', { empNo, realName: '赵六' });
      const before = (await userOf(empNo)) as UserRow;
      const update = { empNo, realName: '赵六六', email: 'zhao@example.com' };
      expect(await ok('/user/update', update)).toEqual({ empNo, username: empNo, result: 'updated' });
      const updated = (await userOf(empNo)) as UserRow;
      expect(updated).toMatchObject({ real_name: '赵六六', email: 'zhao@example.com', token_version: 0 });
      expect(updated.mtime.getTime()).toBeGreaterThan(before.mtime.getTime());
      expect(await ok('/user/update', update)).toEqual({ empNo, username: empNo, result: 'unchanged' });
      expect(await userOf(empNo)).toEqual(updated);

      const unknown = await signed('/user/update', { empNo: 'nobody-here' }, { headers: { 'accept-language': 'zh' } });
      expect(unknown.status).toBe(404);
      expect(unknown.body.msg).toBe('工号 nobody-here 没有对应的用户');
    });

    it('refuses a username another user has (409, in Chinese too)', async () => {
      const [a, b] = [uid('e-'), uid('e-')];
      await ok('/user/create', { empNo: a });
      const taken = await signed('/user/create', { empNo: b, username: a }, { headers: { 'accept-language': 'zh' } });
      expect(taken.status).toBe(409);
      expect(taken.body.msg).toBe(`用户名 ${a} 已被其他用户使用`);
      expect(await userOf(b)).toBeUndefined();
    });

    it('deletes softly by employee number; deleting again changes nothing', async () => {
      const empNo = uid('e-');
      await ok('/user/create', { empNo });
      expect(await ok('/user/deleteByEmpNo', { empNo })).toEqual({ empNo, deleted: true });
      const deleted = (await userOf(empNo)) as UserRow;
      expect(deleted).toMatchObject({ is_del: 1, token_version: 1 });
      expect(await ok('/user/deleteByEmpNo', { empNo })).toEqual({ empNo, deleted: false });
      expect(await userOf(empNo)).toEqual(deleted);
    });

    it('creates an employee once when the same hire arrives several times at once', async () => {
      const empNo = uid('e-');
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => ok<{ result: string }>('/user/create', { empNo, realName: '并发' })),
      );
      expect(answers.map((a) => a.result).sort()).toEqual([
        'created',
        'unchanged',
        'unchanged',
        'unchanged',
        'unchanged',
      ]);
      expect(await db('sys_user').where({ emp_no: empNo }).count({ n: '*' })).toEqual([{ n: '1' }]);
    });

    it('never leaves the installation without an active super admin', async () => {
      const [empNo, dept] = [uid('e-'), uid('d-')];
      await ok('/dept/save', { code: dept, name: '管理部' });
      await ok('/user/create', { empNo, deptCode: dept, roleKeys: ['super_admin'] });
      const user = (await userOf(empNo)) as UserRow;
      // For this test only, every other super admin of the test database is disabled.
      const others = (
        (await db('sys_user as u')
          .join('sys_user_role as ur', 'ur.user_id', 'u.id')
          .join('sys_role as r', 'r.id', 'ur.role_id')
          .where({ 'r.built_in': true, 'u.is_del': 0, 'u.account_status': 0 })
          .whereNot('u.id', user.id)
          .select('u.id')) as Array<{ id: string }>
      ).map((row) => row.id);
      await db('sys_user').whereIn('id', others).update({ account_status: 1 });
      try {
        const attempts = [
          await signed('/user/update', { empNo, status: 1 }, { headers: { 'accept-language': 'zh' } }),
          await signed('/user/update', { empNo, roleKeys: [] }),
          await signed('/user/deleteByEmpNo', { empNo }),
          await signed('/dept/deleteWithUsers', { code: dept }),
        ];
        expect(attempts.map((a) => a.status)).toEqual([409, 409, 409, 409]);
        expect(attempts[0]?.body.msg).toBe('系统必须至少保留一个启用的超级管理员');
        expect(attempts[1]?.body.msg).toBe('the installation must keep at least one active super admin');
        expect(await userOf(empNo)).toEqual(user);
        expect(await roleKeysOf(user.id)).toEqual(['super_admin']);
        expect((await deptOf(dept))?.is_del).toBe(0);
      } finally {
        await db('sys_user').whereIn('id', others).update({ account_status: 0 });
      }
      expect(await ok('/user/update', { empNo, status: 1 })).toMatchObject({ result: 'updated' });
    });

    it('a user disabled or deleted by Nexus loses access at once', async () => {
      const [disabled, deleted] = [uid('e-'), uid('e-')];
      for (const empNo of [disabled, deleted]) await ok('/user/create', { empNo, roleKeys: ['super_admin'] });
      const [disabledToken, deletedToken] = [await ssoToken(disabled), await ssoToken(deleted)];
      for (const token of [disabledToken, deletedToken]) {
        expect((await call(api.baseUrl, 'POST', PROTECTED, { token, body: PAGE })).status).toBe(200);
      }
      expect(await ok('/user/update', { empNo: disabled, status: 1 })).toMatchObject({ result: 'updated' });
      expect(await ok('/user/deleteByEmpNo', { empNo: deleted })).toEqual({ empNo: deleted, deleted: true });
      const afterDisable = await call(api.baseUrl, 'POST', PROTECTED, { token: disabledToken, body: PAGE });
      const afterDelete = await call(peer.baseUrl, 'POST', PROTECTED, { token: deletedToken, body: PAGE });
      expect([afterDisable.status, afterDelete.status]).toEqual([401, 401]);
      expect(await userOf(disabled)).toMatchObject({ account_status: 1, token_version: 1 });
      // Enabling again does not bring the old token back: it was revoked.
      await ok('/user/update', { empNo: disabled, status: 0 });
      expect((await call(api.baseUrl, 'POST', PROTECTED, { token: disabledToken, body: PAGE })).status).toBe(401);
    });
  });

  describe('departments', () => {
    it('creates and updates by code; the same save again changes nothing; changes move the grant version', async () => {
      const [parent, child] = [uid('d-'), uid('d-')];
      expect(await ok('/dept/save', { code: parent, name: '华东大区' })).toEqual({ code: parent, result: 'created' });
      const body = { code: child, name: '上海分公司', parentCode: parent, order: 2, leaderEmpNo: 'E001' };
      expect(await ok('/dept/save', body)).toEqual({ code: child, result: 'created' });
      const created = (await deptOf(child)) as DeptRow;
      expect(created).toMatchObject({
        parent_id: (await deptOf(parent))?.id,
        name: '上海分公司',
        order_num: 2,
        leader_emp_no: 'E001',
        is_del: 0,
      });
      const version = await grantVersion();
      expect(await ok('/dept/save', body)).toEqual({ code: child, result: 'unchanged' });
      expect(await deptOf(child)).toEqual(created);
      expect(await grantVersion()).toBe(version);

      expect(await ok('/dept/save', { code: child, name: '上海分公司', parentCode: null })).toEqual({
        code: child,
        result: 'updated',
      });
      const moved = (await deptOf(child)) as DeptRow;
      expect(moved).toMatchObject({ parent_id: null, order_num: 2, leader_emp_no: 'E001' });
      expect(moved.mtime.getTime()).toBeGreaterThan(created.mtime.getTime());
      expect(BigInt(await grantVersion())).toBeGreaterThan(BigInt(version));
    });

    it('refuses a parent that is the department itself, below it, or unknown', async () => {
      const [top, middle, bottom] = [uid('d-'), uid('d-'), uid('d-')];
      await ok('/dept/save', { code: top, name: 'top' });
      await ok('/dept/save', { code: middle, name: 'middle', parentCode: top });
      await ok('/dept/save', { code: bottom, name: 'bottom', parentCode: middle });
      const before = await deptOf(top);
      const cycle = await signed<{ errors: unknown[] }>('/dept/save', { code: top, name: 'top', parentCode: bottom });
      const self = await signed<{ errors: unknown[] }>('/dept/save', { code: top, name: 'top', parentCode: top });
      const unknown = await signed<{ errors: unknown[] }>(
        '/dept/save',
        { code: top, name: 'top', parentCode: 'nope' },
        {
          headers: { 'accept-language': 'zh' },
        },
      );
      expect([cycle.status, self.status, unknown.status]).toEqual([400, 400, 400]);
      expect(cycle.body.data.errors).toEqual([
        { field: 'parentCode', message: 'would make the department its own ancestor' },
      ]);
      expect(self.body.data.errors).toEqual([
        { field: 'parentCode', message: 'a department cannot be its own parent' },
      ]);
      expect(unknown.body.data.errors).toEqual([{ field: 'parentCode', message: '没有编码为 nope 的部门' }]);
      expect(await deptOf(top)).toEqual(before);
    });

    it('deletes a department with its users in one transaction, softly, and refuses sub-departments unless included', async () => {
      const [dept, sub] = [uid('d-'), uid('d-')];
      await ok('/dept/save', { code: dept, name: '待撤销部门' });
      await ok('/dept/save', { code: sub, name: '下级部门', parentCode: dept });
      const [inDept, inSub, elsewhere] = [uid('e-'), uid('e-'), uid('e-')];
      await ok('/user/create', { empNo: inDept, deptCode: dept, roleKeys: ['super_admin'] });
      await ok('/user/create', { empNo: inSub, deptCode: sub });
      await ok('/user/create', { empNo: elsewhere });
      const token = await ssoToken(inDept);

      const refused = await signed('/dept/deleteWithUsers', { code: dept }, { headers: { 'accept-language': 'zh' } });
      expect(refused.status).toBe(409);
      expect(refused.body.msg).toBe(`部门 ${dept} 下还有子部门；如需一并删除，请设置 includeSubDepts`);
      expect((await deptOf(dept))?.is_del).toBe(0);
      expect((await userOf(inDept))?.is_del).toBe(0);

      const version = await grantVersion();
      const done = await ok<{ deleted: boolean; deptCodes: string[]; users: unknown[] }>('/dept/deleteWithUsers', {
        code: dept,
        includeSubDepts: true,
      });
      expect(done).toEqual({
        code: dept,
        deleted: true,
        deptCodes: [dept, sub].sort(),
        users: expect.arrayContaining([
          { empNo: inDept, username: inDept },
          { empNo: inSub, username: inSub },
        ]) as unknown,
      });
      expect(done.users).toHaveLength(2);
      expect([(await deptOf(dept))?.is_del, (await deptOf(sub))?.is_del]).toEqual([1, 1]);
      expect(await userOf(inDept)).toMatchObject({ is_del: 1, token_version: 1 });
      expect(await userOf(inSub)).toMatchObject({ is_del: 1, token_version: 1 });
      expect(await userOf(elsewhere)).toMatchObject({ is_del: 0, token_version: 0 });
      expect(BigInt(await grantVersion())).toBeGreaterThan(BigInt(version));
      expect((await call(api.baseUrl, 'POST', PROTECTED, { token, body: PAGE })).status).toBe(401);

      const deptRows = await db('sys_dept').whereIn('code', [dept, sub]).orderBy('id').select('*');
      expect(await ok('/dept/deleteWithUsers', { code: dept, includeSubDepts: true })).toEqual({
        code: dept,
        deleted: false,
        deptCodes: [],
        users: [],
      });
      expect(await db('sys_dept').whereIn('code', [dept, sub]).orderBy('id').select('*')).toEqual(deptRows);
    });

    it('rolls the whole deletion back when deleting one of the users fails', async () => {
      const dept = uid('d-');
      await ok('/dept/save', { code: dept, name: '回滚测试' });
      const [first, failing] = [uid('e-'), uid('fail-')];
      await ok('/user/create', { empNo: first, deptCode: dept });
      await ok('/user/create', { empNo: failing, deptCode: dept });
      // A trigger that refuses deleting this one user: the statement fails after the department's row changed.
      await db.raw(`CREATE OR REPLACE FUNCTION nexus_test_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.is_del = 1 AND NEW.emp_no = '${failing}' THEN RAISE EXCEPTION 'refused by test'; END IF;
          RETURN NEW;
        END $$`);
      await db.raw(`CREATE TRIGGER nexus_test_refuse_delete BEFORE UPDATE ON sys_user
        FOR EACH ROW EXECUTE FUNCTION nexus_test_refuse_delete()`);
      try {
        const response = await signed('/dept/deleteWithUsers', { code: dept });
        expect(response.status).toBe(500);
      } finally {
        await db.raw('DROP TRIGGER nexus_test_refuse_delete ON sys_user');
        await db.raw('DROP FUNCTION nexus_test_refuse_delete()');
      }
      expect((await deptOf(dept))?.is_del).toBe(0);
      expect(await userOf(first)).toMatchObject({ is_del: 0, token_version: 0 });
      expect(await userOf(failing)).toMatchObject({ is_del: 0, token_version: 0 });
    });

    it('moves employees to a department, reporting each one, in the order given', async () => {
      const [from, to] = [uid('d-'), uid('d-')];
      await ok('/dept/save', { code: from, name: 'from' });
      await ok('/dept/save', { code: to, name: 'to' });
      const [mover, stayer, gone] = [uid('e-'), uid('e-'), uid('e-')];
      await ok('/user/create', { empNo: mover, deptCode: from });
      await ok('/user/create', { empNo: stayer, deptCode: to });
      await ok('/user/create', { empNo: gone });
      await ok('/user/deleteByEmpNo', { empNo: gone });
      const stayerBefore = await userOf(stayer);
      const version = await grantVersion();
      const body = { deptCode: to, empNos: [gone, mover, 'nobody', stayer] };
      expect(await ok('/user/batchUpdateDept', body)).toEqual({
        deptCode: to,
        results: [
          { empNo: gone, result: 'notFound' },
          { empNo: mover, result: 'moved' },
          { empNo: 'nobody', result: 'notFound' },
          { empNo: stayer, result: 'unchanged' },
        ],
      });
      const toId = (await deptOf(to))?.id;
      expect((await userOf(mover))?.dept_id).toBe(toId);
      expect(await userOf(stayer)).toEqual(stayerBefore);
      expect(BigInt(await grantVersion())).toBeGreaterThan(BigInt(version));

      const moverAfter = await userOf(mover);
      const versionAfter = await grantVersion();
      const again = await ok<{ results: Array<{ result: string }> }>('/user/batchUpdateDept', body);
      expect(again.results.map((r) => r.result)).toEqual(['notFound', 'unchanged', 'notFound', 'unchanged']);
      expect(await userOf(mover)).toEqual(moverAfter);
      expect(await grantVersion()).toBe(versionAfter);

      const unknownDept = await signed('/user/batchUpdateDept', { deptCode: 'nope', empNos: [mover] });
      expect(unknownDept.status).toBe(400);
      expect(await userOf(mover)).toEqual(moverAfter);
    });
  });

  describe('single sign-on', () => {
    const exchange = <T = { token: string; expiresIn: number; sessionExpiresAt: string; user: { empNo: string } }>(
      token: string,
      headers: Record<string, string> = {},
    ) => call<T>(api.baseUrl, 'POST', '/api-scrm/nexus/sso', { body: { token }, headers });
    const sessionOf = async (hrToken: string) =>
      (await db('nexus_sso_session')
        .where({ hr_token_sha256: createHash('sha256').update(hrToken).digest() })
        .first()) as { id: string; user_id: string; claims: string; expires_at: Date } | undefined;

    it('exchanges an HR token for our token, and the same HR token again for the same token without asking Nexus', async () => {
      const empNo = uid('e-');
      await ok('/user/create', { empNo, realName: '单点', roleKeys: ['super_admin'] });
      const hrToken = uid('hr-');
      standIn.tokens.set(hrToken, empNo);
      const first = await exchange(hrToken);
      expect(first.status).toBe(200);
      expect(first.headers.get('token')).toBe(first.body.data.token);
      expect(first.body.data.user.empNo).toBe(empNo);
      expect(first.body.data.expiresIn).toBeGreaterThan(7000);
      expect(first.body.data.expiresIn).toBeLessThanOrEqual(7200);
      const sessionEnd = new Date(first.body.data.sessionExpiresAt).getTime();
      expect(Math.abs(sessionEnd - (Date.now() + 12 * 3600 * 1000))).toBeLessThan(60_000);
      expect(standIn.calls.filter((t) => t === hrToken)).toHaveLength(1);
      const page = await call(api.baseUrl, 'POST', PROTECTED, { token: first.body.data.token, body: PAGE });
      expect(page.status).toBe(200);

      const stored = await sessionOf(hrToken);
      expect(stored?.user_id).toBe((await userOf(empNo))?.id);
      expect(stored?.expires_at.getTime()).toBe(sessionEnd);
      // Neither the HR token nor ours is stored.
      const raw = JSON.stringify(await db('nexus_sso_session').where({ id: stored?.id }).first());
      expect(raw).not.toContain(hrToken);
      expect(raw).not.toContain(first.body.data.token);

      const second = await exchange(hrToken);
      expect(second.status).toBe(200);
      expect(second.body.data.token).toBe(first.body.data.token);
      expect(second.body.data.sessionExpiresAt).toBe(first.body.data.sessionExpiresAt);
      expect(standIn.calls.filter((t) => t === hrToken)).toHaveLength(1);
    });

    it('refuses the HR token once its 12 hours are over', async () => {
      const empNo = uid('e-');
      await ok('/user/create', { empNo });
      const hrToken = uid('hr-');
      standIn.tokens.set(hrToken, empNo);
      expect((await exchange(hrToken)).status).toBe(200);
      // Time passes: the mapping's end is moved into the past.
      await db('nexus_sso_session')
        .where({ id: (await sessionOf(hrToken))?.id })
        .update({ expires_at: db.raw(`now() - interval '1 second'`) });
      const expired = await exchange(hrToken);
      expect(expired.status).toBe(401);
      expect(expired.body.msg).toBe('the sign-on of this Nexus token expired; sign in to Nexus again');
      const zh = await exchange(hrToken, { 'accept-language': 'zh' });
      expect(zh.body.msg).toBe('此 HR 系统 token 的单点登录已超过 12 小时，请重新登录 HR 系统');
      expect(standIn.calls.filter((t) => t === hrToken)).toHaveLength(1);
    });

    it('hands out a fresh token within the 12 hours when ours was revoked', async () => {
      const empNo = uid('e-');
      await ok('/user/create', { empNo, roleKeys: ['super_admin'] });
      const hrToken = uid('hr-');
      standIn.tokens.set(hrToken, empNo);
      const first = await exchange(hrToken);
      await ok('/user/update', { empNo, status: 1 });
      const whileDisabled = await exchange(hrToken);
      expect(whileDisabled.status).toBe(401);
      expect(whileDisabled.body.msg).toBe('account disabled');
      await ok('/user/update', { empNo, status: 0 });
      const again = await exchange(hrToken);
      expect(again.status).toBe(200);
      expect(again.body.data.token).not.toBe(first.body.data.token);
      expect(again.body.data.sessionExpiresAt).toBe(first.body.data.sessionExpiresAt);
      expect((await call(api.baseUrl, 'POST', PROTECTED, { token: again.body.data.token, body: PAGE })).status).toBe(
        200,
      );
      expect((await call(api.baseUrl, 'POST', PROTECTED, { token: first.body.data.token, body: PAGE })).status).toBe(
        401,
      );
      expect((await exchange(hrToken)).body.data.token).toBe(again.body.data.token);
    });

    it('refuses unknown, deleted and disabled employees and tokens Nexus does not accept, storing no mapping', async () => {
      const [disabled, deleted] = [uid('e-'), uid('e-')];
      await ok('/user/create', { empNo: disabled, status: 1 });
      await ok('/user/create', { empNo: deleted });
      await ok('/user/deleteByEmpNo', { empNo: deleted });
      const cases: Array<[string, string | undefined, string, string]> = [
        [uid('hr-'), uid('e-unknown-'), 'no user has this employee number', '该员工在本系统中没有可用的用户'],
        [uid('hr-'), deleted, 'no user has this employee number', '该员工在本系统中没有可用的用户'],
        [uid('hr-'), disabled, 'account disabled', '账号已停用'],
        [uid('hr-'), undefined, 'Nexus does not accept this token', 'HR 系统（Nexus）不认可此 token'],
      ];
      for (const [hrToken, empNo, en, zh] of cases) {
        if (empNo) standIn.tokens.set(hrToken, empNo);
        const response = await exchange(hrToken);
        expect([response.status, response.body.msg]).toEqual([401, en]);
        expect((await exchange(hrToken, { 'accept-language': 'zh' })).body.msg).toBe(zh);
        expect(await sessionOf(hrToken)).toBeUndefined();
      }
    });

    it('answers 503 when Nexus does not answer in time', async () => {
      const hrToken = uid('slow-');
      standIn.tokens.set(hrToken, uid('e-'));
      const response = await exchange(hrToken, { 'accept-language': 'zh' });
      expect(response.status).toBe(503);
      expect(response.body.msg).toBe(
        'HR 系统（Nexus）暂时无法访问，请稍后再试（the Nexus SSO endpoint did not answer within 1000 ms）',
      );
      expect(await sessionOf(hrToken)).toBeUndefined();
    });
  });
});
