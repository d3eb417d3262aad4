import jwt from 'jsonwebtoken';
import type { Db } from '../../src/db/knex';
import { sharedApiUrl, TEST_JWT_SECRET } from '../helpers/env';
import { createAdmin, testDb } from '../helpers/factories';
import { call } from '../helpers/http';

const PROTECTED = '/admin/distribution/policy/page';
const PAGE = { pageNum: 1, pageSize: 1 };

describe('admin login and token checks', () => {
  let db: Db;
  let admin: Awaited<ReturnType<typeof createAdmin>>;

  beforeAll(async () => {
    db = testDb();
    admin = await createAdmin(db, sharedApiUrl);
  });
  afterAll(async () => db.destroy());

  it('logs in, returns the token in the token header and in data, and the token opens admin routes', async () => {
    const login = await call<{ token: string; user: { username: string } }>(sharedApiUrl, 'POST', '/admin/auth/login', {
      body: { username: admin.username, password: admin.password },
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('token')).toBe(login.body.data.token);
    expect(login.body.data.user.username).toBe(admin.username);
    const claims = jwt.decode(login.body.data.token) as Record<string, unknown>;
    expect(claims).toMatchObject({ uid: admin.id, user_name: admin.username, account_status: '0' });
    expect(typeof claims['exp']).toBe('number');
    const page = await call(sharedApiUrl, 'POST', PROTECTED, { token: login.body.data.token, body: PAGE });
    expect(page.status).toBe(200);
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    for (const body of [
      { username: admin.username, password: 'wrong' },
      { username: 'nobody-here', password: 'whatever' },
    ]) {
      const response = await call(sharedApiUrl, 'POST', '/admin/auth/login', { body });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ code: '401', msg: 'wrong username or password', data: null });
    }
  });

  const claimsOf = () => ({
    uid: admin.id,
    emp_no: '',
    user_name: admin.username,
    phone_num: '',
    account_status: '0',
    dept_id: '',
    tv: 0,
  });

  it.each([
    ['no token', undefined],
    ['malformed token', 'not.a.jwt'],
    [
      'token signed with another secret',
      jwt.sign({ uid: '1', tv: 0 }, 'another-secret-another-secret-123', { issuer: 'scrm-backend' }),
    ],
  ])('answers 401 for %s', async (_, token) => {
    const response = await call(sharedApiUrl, 'POST', PROTECTED, { token, body: PAGE });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('401');
  });

  it('answers 401 for expired, unsigned (alg none) and wrong-algorithm tokens', async () => {
    const expired = jwt.sign({ ...claimsOf(), exp: Math.floor(Date.now() / 1000) - 10 }, TEST_JWT_SECRET, {
      issuer: 'scrm-backend',
    });
    const none = jwt.sign(claimsOf(), '', { algorithm: 'none', issuer: 'scrm-backend' });
    const hs512 = jwt.sign(claimsOf(), TEST_JWT_SECRET, { algorithm: 'HS512', issuer: 'scrm-backend' });
    const valid = jwt.sign(claimsOf(), TEST_JWT_SECRET, { algorithm: 'HS256', issuer: 'scrm-backend', expiresIn: 60 });
    const results = [];
    for (const token of [expired, none, hs512]) {
      results.push((await call(sharedApiUrl, 'POST', PROTECTED, { token, body: PAGE })).status);
    }
    expect(results).toEqual([401, 401, 401]);
    const expiredResponse = await call(sharedApiUrl, 'POST', PROTECTED, { token: expired, body: PAGE });
    expect(expiredResponse.body.msg).toBe('token expired');
    // The same claims signed properly pass: the refusals above are about the token, not the user.
    expect((await call(sharedApiUrl, 'POST', PROTECTED, { token: valid, body: PAGE })).status).toBe(200);
  });

  it('stops accepting tokens of a disabled user or after the password version changed', async () => {
    const other = await createAdmin(db, sharedApiUrl);
    expect((await call(sharedApiUrl, 'POST', PROTECTED, { token: other.token, body: PAGE })).status).toBe(200);
    await db('sys_user').where({ id: other.id }).update({ token_version: 1 });
    const revoked = await call(sharedApiUrl, 'POST', PROTECTED, { token: other.token, body: PAGE });
    expect(revoked.status).toBe(401);
    expect(revoked.body.msg).toMatch(/revoked/);
    await db('sys_user').where({ id: other.id }).update({ token_version: 0, account_status: 1 });
    const disabled = await call(sharedApiUrl, 'POST', PROTECTED, { token: other.token, body: PAGE });
    expect(disabled.status).toBe(401);
    expect(disabled.body.msg).toBe('account disabled');
  });
});

describe('API conventions', () => {
  it('serves the OpenAPI document with x-seed-op on the operations that implement seed operations', async () => {
    const response = await fetch(`${sharedApiUrl}/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { 'x-seed-op'?: string }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const seedOps = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op['x-seed-op']));
    expect(seedOps).toEqual(
      expect.arrayContaining([
        'openapi.clueCollect',
        'auth.login',
        'clue.page',
        'clueDetail.get',
        'clue.updateAndFollowUp',
        'clue.batchAssign',
      ]),
    );
    expect(doc.paths['/api-scrm/openapi/clue/collect']?.['post']).toBeDefined();
  });

  it('serves a human-readable docs page and its assets', async () => {
    const page = await fetch(`${sharedApiUrl}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/openapi.json');
    const asset = await fetch(`${sharedApiUrl}/docs/assets/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
  });

  it('reports health of PostgreSQL and Temporal', async () => {
    const health = await call(sharedApiUrl, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.data).toEqual({ postgres: true, temporal: true });
  });

  it('answers unknown routes and not-found records with a 404 envelope, echoing the caller request id', async () => {
    const unknown = await call(sharedApiUrl, 'GET', '/admin/nothing-here', { headers: { 'x-request-id': 'req-123' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('404');
    expect(unknown.headers.get('x-request-id')).toBe('req-123');
  });
});
