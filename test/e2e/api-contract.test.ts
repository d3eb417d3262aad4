import { request as httpRequest } from 'node:http';
import iconv from 'iconv-lite';
import type { Db } from '../../src/db/knex';
import { ADMIN_UI_ORIGIN, sharedApiUrl } from '../helpers/env';
import { clueBody, createAdmin, createPartner, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { mirrorCustomer } from '../helpers/mirror-org';

interface Problems {
  errors: Array<{ field: string; message: string }>;
}

/** A raw HTTP exchange, for what fetch cannot send (TRACE, bytes that are not UTF-8, odd headers). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${sharedApiUrl}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const envelope = (text: string) => JSON.parse(text) as { code: string; msg: string; data: unknown };

describe('the API contract every route shares', () => {
  let db: Db;
  let token: string;
  let corpId: string;

  beforeAll(async () => {
    db = testDb();
    corpId = uid('corp-');
    token = (await createAdmin(db, sharedApiUrl, { corpId })).token;
  });
  afterAll(async () => db.destroy());

  describe('unknown fields', () => {
    it('refuses a misspelt filter instead of answering every row', async () => {
      const response = await call<Problems>(sharedApiUrl, 'POST', '/admin/relation/page', {
        token,
        body: { userId: 'nobody' },
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('400');
      expect(response.body.data.errors).toEqual([{ field: 'userId', message: 'is not a known field' }]);
    });

    it('refuses a misspelt edit and saves nothing', async () => {
      const customer = await mirrorCustomer(db, corpId, { local_remark: 'before' });
      const response = await call<Problems>(sharedApiUrl, 'POST', '/admin/customer/save', {
        token,
        body: { id: customer.id, remark: 'after' },
      });
      expect(response.status).toBe(400);
      expect(response.body.data.errors).toEqual([{ field: 'remark', message: 'is not a known field' }]);
      const stored = await db('wecom_customer').where({ id: customer.id }).first<{ local_remark: string }>();
      expect(stored.local_remark).toBe('before');
    });

    it('names a nested unknown field with its path', async () => {
      const response = await call<Problems>(sharedApiUrl, 'POST', '/admin/distribution/policy/save', {
        token,
        body: {
          name: uid('p-'),
          followUpSlaSeconds: 3600,
          members: [{ employeeUserid: 'zhangsan', weight: 1, wieght: 2 }],
        },
      });
      expect(response.status).toBe(400);
      expect(response.body.data.errors).toEqual([{ field: 'members[0].wieght', message: 'is not a known field' }]);
    });

    it('refuses unknown query parameters of admin routes too', async () => {
      const response = await call<Problems>(sharedApiUrl, 'GET', '/admin/customer/live?externalUserid=wmx&corp=1', {
        token,
      });
      expect(response.status).toBe(400);
      expect(response.body.data.errors).toEqual([{ field: 'corp', message: 'is not a known field' }]);
    });

    it('lets the partner collect API ignore extra fields, storing only its own', async () => {
      const partner = await createPartner(db);
      const body = clueBody(partner.secretKey, { partnerCrmId: 'X-1', utm: { campaign: 'spring' } });
      const response = await call(sharedApiUrl, 'POST', '/api-scrm/openapi/clue/collect', { body });
      expect(response.status).toBe(200);
      const stored = await db('clue').where({ partner_id: partner.partnerId, business_id: body['businessId'] });
      expect(stored).toHaveLength(1);
      expect(JSON.stringify(stored[0])).not.toContain('spring');
    });
  });

  describe('content types and charsets', () => {
    it('answers 415 to a JSON filter sent as text/plain instead of reading no filter', async () => {
      const response = await raw(
        'POST',
        '/admin/relation/page',
        { token, 'content-type': 'text/plain;charset=UTF-8' },
        '{"userid":"nobody"}',
      );
      expect(response.status).toBe(415);
      expect(envelope(response.text)).toEqual({
        code: '415',
        msg: expect.stringContaining('text/plain') as string,
        data: null,
      });
    });

    it('answers 415 to a partner clue without a JSON content type, and stores nothing', async () => {
      const partner = await createPartner(db);
      const body = clueBody(partner.secretKey);
      const response = await raw('POST', '/api-scrm/openapi/clue/collect', {}, JSON.stringify(body));
      expect(response.status).toBe(415);
      expect(await db('clue').where({ partner_id: partner.partnerId })).toHaveLength(0);
    });

    it('reads a GBK body declared charset=gbk as the Chinese the partner sent', async () => {
      const partner = await createPartner(db);
      const body = clueBody(partner.secretKey, { linkManName: '张三', remark: '想了解价格' });
      const response = await raw(
        'POST',
        '/api-scrm/openapi/clue/collect',
        { 'content-type': 'application/json; charset=gbk' },
        iconv.encode(JSON.stringify(body), 'gbk'),
      );
      expect(response.status).toBe(200);
      const [clue] = await db('clue').where({ partner_id: partner.partnerId });
      expect(clue).toMatchObject({ link_man_name: '张三', remark: '想了解价格' });
    });

    it('reads GB18030 and Latin-1 bodies as declared', async () => {
      const partner = await createPartner(db);
      const a = clueBody(partner.secretKey, { linkManName: '𠀀先生' });
      const b = clueBody(partner.secretKey, { linkManName: 'José Müller' });
      const ra = await raw(
        'POST',
        '/api-scrm/openapi/clue/collect',
        { 'content-type': 'application/json; charset=GB18030' },
        iconv.encode(JSON.stringify(a), 'gb18030'),
      );
      const rb = await raw(
        'POST',
        '/api-scrm/openapi/clue/collect',
        { 'content-type': 'application/json; charset=latin1' },
        iconv.encode(JSON.stringify(b), 'latin1'),
      );
      expect([ra.status, rb.status]).toEqual([200, 200]);
      const names = (await db('clue').where({ partner_id: partner.partnerId }).select('link_man_name')).map(
        (r: { link_man_name: string }) => r.link_man_name,
      );
      expect(names.sort()).toEqual(['José Müller', '𠀀先生'].sort());
    });

    it('refuses bytes that are not valid UTF-8 instead of storing replacement characters', async () => {
      const partner = await createPartner(db);
      const json = JSON.stringify(clueBody(partner.secretKey, { linkManName: 'NAME' }));
      const [before, after] = json.split('NAME') as [string, string];
      const bytes = Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe]), Buffer.from(after)]);
      const response = await raw(
        'POST',
        '/api-scrm/openapi/clue/collect',
        { 'content-type': 'application/json' },
        bytes,
      );
      expect(response.status).toBe(400);
      expect(envelope(response.text).msg).toBe('request body is not valid UTF-8 text');
      expect(await db('clue').where({ partner_id: partner.partnerId })).toHaveLength(0);
    });

    it('refuses GBK bytes declared as UTF-8, and an unknown charset with 415', async () => {
      const partner = await createPartner(db);
      const gbk = iconv.encode(JSON.stringify(clueBody(partner.secretKey, { linkManName: '张三' })), 'gbk');
      const mislabelled = await raw(
        'POST',
        '/api-scrm/openapi/clue/collect',
        { 'content-type': 'application/json' },
        gbk,
      );
      const bogus = await raw(
        'POST',
        '/api-scrm/openapi/clue/collect',
        { 'content-type': 'application/json; charset=bogus' },
        JSON.stringify(clueBody(partner.secretKey)),
      );
      expect(mislabelled.status).toBe(400);
      expect(bogus.status).toBe(415);
      expect(envelope(bogus.text).msg).toContain('bogus');
      expect(await db('clue').where({ partner_id: partner.partnerId })).toHaveLength(0);
    });

    it('refuses a compressed body it cannot read with 415', async () => {
      const response = await raw(
        'POST',
        '/admin/relation/page',
        { token, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        '{}',
      );
      expect(response.status).toBe(415);
    });
  });

  describe('authentication before the body', () => {
    it('answers 401, not 400, to a bad body without a token', async () => {
      const response = await raw('POST', '/admin/customer/page', { 'content-type': 'application/json' }, '{bad');
      expect(response.status).toBe(401);
      expect(envelope(response.text).code).toBe('401');
    });

    it('answers 401 to an oversize body without a token, before reading it', async () => {
      const response = await raw(
        'POST',
        '/admin/customer/page',
        { 'content-type': 'application/json' },
        `{"name":"${'x'.repeat(300_000)}"}`,
      );
      expect(response.status).toBe(401);
    });

    it('still answers 400 to a bad body with a token', async () => {
      const response = await raw('POST', '/admin/customer/page', { token, 'content-type': 'application/json' }, '{bad');
      expect(response.status).toBe(400);
      expect(envelope(response.text).msg).toBe('request body is not valid JSON');
    });
  });

  describe('methods', () => {
    it('refuses GET on a POST-only path with 405 and Allow, instead of reading it as GET /{id}', async () => {
      const response = await raw('GET', '/admin/customer/growthStats', { token });
      expect(response.status).toBe(405);
      expect(response.headers['allow']).toBe('OPTIONS, POST');
      expect(envelope(response.text)).toEqual({
        code: '405',
        msg: expect.stringContaining('GET') as string,
        data: null,
      });
    });

    it.each(['DELETE', 'PUT', 'PATCH', 'TRACE'])('answers %s on a POST path with the 405 envelope', async (method) => {
      const response = await raw(method, '/admin/customer/page', { token });
      expect(response.status).toBe(405);
      expect(response.headers['allow']).toBe('OPTIONS, POST');
      expect(envelope(response.text).code).toBe('405');
    });

    it('answers a wrong method on a parameterised path with 405 and Allow', async () => {
      const response = await raw('POST', '/admin/customer/123', { token, 'content-type': 'application/json' }, '{}');
      expect(response.status).toBe(405);
      expect(response.headers['allow']).toBe('GET, HEAD, OPTIONS');
    });

    it('answers OPTIONS without an Origin with 204 and Allow', async () => {
      const response = await raw('OPTIONS', '/admin/clue/page');
      expect(response.status).toBe(204);
      expect(response.headers['allow']).toBe('OPTIONS, POST');
    });

    it('keeps an unknown path a 404 envelope', async () => {
      const response = await raw('GET', '/admin/nothing/here', { token });
      expect(response.status).toBe(404);
      expect(envelope(response.text).code).toBe('404');
    });
  });

  describe('ranges the database can hold', () => {
    const offsetTooLarge = '2026-01-01T00:00:00+16:00';

    it.each([
      ['/admin/clue/page', 'ctimeFrom'],
      ['/admin/customer/page', 'addTimeFrom'],
      ['/admin/relation/page', 'addTimeFrom'],
      ['/admin/groupMember/page', 'joinTimeFrom'],
      ['/admin/relation/export', 'addTimeTo'],
      ['/admin/groupMember/export', 'joinTimeTo'],
    ])('%s refuses %s with an offset beyond ±15:59 or year 0000 (400 naming it)', async (path, field) => {
      for (const value of [offsetTooLarge, '0000-01-01T00:00:00Z']) {
        const response = await call<Problems>(sharedApiUrl, 'POST', path, { token, body: { [field]: value } });
        expect(response.status).toBe(400);
        expect(response.body.data.errors.map((e) => e.field)).toEqual([field]);
      }
    });

    it('reads a date-time with any offset as the same instant', async () => {
      const partner = await createPartner(db);
      const body = clueBody(partner.secretKey);
      expect((await call(sharedApiUrl, 'POST', '/api-scrm/openapi/clue/collect', { body })).status).toBe(200);
      const [clue] = await db('clue').where({ partner_id: partner.partnerId }).select('id', 'ctime');
      const ctime = new Date((clue as { ctime: Date }).ctime);
      const justBefore = new Date(ctime.getTime() - 1000);
      // The same instant written in +15:30 and in -09:00 must filter the same way.
      const write = (d: Date, offsetMinutes: number) => {
        const local = new Date(d.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
        const sign = offsetMinutes >= 0 ? '+' : '-';
        const abs = Math.abs(offsetMinutes);
        return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      };
      for (const offset of [930, -540]) {
        const response = await call<{ list: Array<{ id: string }> }>(sharedApiUrl, 'POST', '/admin/clue/page', {
          token,
          body: { ctimeFrom: write(justBefore, offset), businessId: body['businessId'] },
        });
        expect(response.status).toBe(200);
        expect(response.body.data.list.map((c) => c.id)).toEqual([(clue as { id: string }).id]);
      }
    });

    it.each([
      '/admin/clue/page',
      '/admin/customer/page',
      '/admin/relation/page',
      '/admin/relation/pageByCustomer',
      '/admin/groupMember/page',
      '/admin/group/page',
      '/admin/chatGroup/page',
      '/admin/customerTagging/page',
      '/admin/customerTag/page',
      '/admin/distribution/policy/page',
      '/admin/wecom/dept/page',
      '/admin/wecom/employee/page',
    ])('%s refuses a pageNum that would overflow the offset', async (path) => {
      const response = await call<Problems>(sharedApiUrl, 'POST', path, {
        token,
        body: { pageNum: 46116860184273880 },
      });
      expect(response.status).toBe(400);
      expect(response.body.data.errors).toEqual([{ field: 'pageNum', message: 'must be <= 100000' }]);
    });

    it('refuses policy limits beyond PostgreSQL integers and stores no policy', async () => {
      const name = uid('policy-');
      const response = await call<Problems>(sharedApiUrl, 'POST', '/admin/distribution/policy/save', {
        token,
        body: {
          name,
          followUpSlaSeconds: 3600,
          matchSources: [2 ** 31],
          members: [{ employeeUserid: 'zhangsan', weight: 1, dailyLimit: 2 ** 31, roundLimit: 2 ** 31 }],
        },
      });
      expect(response.status).toBe(400);
      expect(response.body.data.errors.map((e) => e.field).sort()).toEqual(
        ['matchSources[0]', 'members[0].dailyLimit', 'members[0].roundLimit'].sort(),
      );
      expect(await db('distribution_policy').where({ name })).toHaveLength(0);
    });
  });

  describe('messages in Chinese', () => {
    it('answers in Simplified Chinese when Accept-Language prefers zh, field names unchanged', async () => {
      const response = await call<Problems>(sharedApiUrl, 'POST', '/admin/relation/page', {
        token,
        body: { userId: 'x', pageSize: 1000 },
        headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' },
      });
      expect(response.status).toBe(400);
      expect(response.body.data.errors).toEqual(
        expect.arrayContaining([
          { field: 'userId', message: '不是可识别的字段' },
          { field: 'pageSize', message: '必须 <= 200' },
        ]),
      );
      expect(response.body.msg).toMatch(/^请求不合法：/);
    });

    it('answers the HTTP layer’s own refusals in Chinese too', async () => {
      const response = await raw('GET', '/admin/customer/growthStats', { token, 'accept-language': 'zh' });
      expect(envelope(response.text).msg).toBe('/admin/customer/growthStats 不支持 GET 方法；支持：OPTIONS, POST');
    });

    it('answers domain errors in Chinese by their code', async () => {
      const response = await call(sharedApiUrl, 'GET', '/admin/clue/detail?clueId=987654321987', {
        token,
        headers: { 'accept-language': 'zh-CN' },
      });
      expect(response.status).toBe(404);
      expect(response.body.msg).toBe('线索 987654321987 不存在');
      const english = await call(sharedApiUrl, 'GET', '/admin/clue/detail?clueId=987654321987', { token });
      expect(english.body.msg).toBe('clue 987654321987 not found');
    });

    it('answers a rule the domain checks in Chinese too', async () => {
      const backwards = { from: '2026-02-01', to: '2026-01-01' };
      const response = await call<Problems>(sharedApiUrl, 'POST', '/admin/customer/growthStats', {
        token,
        body: backwards,
        headers: { 'accept-language': 'zh-CN,zh;q=0.9' },
      });
      expect(response.status).toBe(400);
      expect(response.body.data.errors).toEqual([{ field: 'to', message: '不能早于 from' }]);
      expect(response.body.msg).toBe('请求不合法：to: 不能早于 from');
      const english = await call<Problems>(sharedApiUrl, 'POST', '/admin/customer/growthStats', {
        token,
        body: backwards,
      });
      expect(english.body.data.errors).toEqual([{ field: 'to', message: 'must not be before from' }]);
      expect(english.body.msg).toBe('to: must not be before from');
    });

    it('answers in English when English is preferred', async () => {
      const response = await call<Problems>(sharedApiUrl, 'POST', '/admin/relation/page', {
        token,
        body: { userId: 'x' },
        headers: { 'accept-language': 'en-US,zh;q=0.5' },
      });
      expect(response.body.data.errors).toEqual([{ field: 'userId', message: 'is not a known field' }]);
    });
  });

  describe('CORS for the admin UI', () => {
    it('answers a preflight from an allowed origin, allowing the token and content-type headers', async () => {
      const response = await raw('OPTIONS', '/admin/clue/page', {
        origin: ADMIN_UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'token, content-type',
      });
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(ADMIN_UI_ORIGIN);
      const allowed = String(response.headers['access-control-allow-headers']).toLowerCase();
      expect(allowed).toContain('token');
      expect(allowed).toContain('content-type');
      expect(String(response.headers['access-control-allow-methods'])).toContain('POST');
    });

    it('exposes the token header on the login response to the allowed origin', async () => {
      const response = await raw(
        'POST',
        '/admin/auth/login',
        { origin: ADMIN_UI_ORIGIN, 'content-type': 'application/json' },
        JSON.stringify({ username: 'nobody', password: 'wrong' }),
      );
      expect(response.headers['access-control-allow-origin']).toBe(ADMIN_UI_ORIGIN);
      expect(String(response.headers['access-control-expose-headers']).toLowerCase()).toContain('token');
    });

    it('gives an origin that is not allowed no CORS headers', async () => {
      const response = await raw('OPTIONS', '/admin/clue/page', {
        origin: 'https://evil.example.com',
        'access-control-request-method': 'POST',
      });
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
