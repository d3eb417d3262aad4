import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { WecomCorpRow } from '../../src/db/queries/wecom-corps';
import type { Db } from '../../src/db/knex';
import { NotFoundError } from '../../src/domain/errors';
import { WecomClient, type WecomClientOptions } from '../../src/wecom/client';
import { createWecomApiFactory } from '../../src/wecom/client-factory';
import { WecomApiError, WecomCredentialsError, WecomNetworkError } from '../../src/wecom/errors';
import { WecomRateLimiter } from '../../src/wecom/rate-limit';
import { TokenCache } from '../../src/wecom/token-cache';

const CORP_ID = 'wwstandin0000001';
const SECRET = 'stand-in-secret-0123456789';

interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  contentType: string | undefined;
  at: number;
}

type Forced =
  { errcode: number; errmsg?: string } | { status: number; text: string } | { delayMs: number } | { payload: object };

/** A scripted WeCom: issues tokens, serves a few endpoints, answers forced errors on demand, records every call. */
class WecomStandIn {
  readonly requests: SeenRequest[] = [];
  private readonly forced = new Map<string, Forced[]>();
  private readonly always = new Map<string, Forced>();
  private readonly validTokens = new Set<string>();
  private tokenSerial = 0;
  private server: Server | undefined;
  baseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}/cgi-bin/`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The next answers of `path`, in order; afterwards the path behaves normally again. */
  queue(path: string, ...answers: Forced[]): void {
    this.forced.set(path, [...(this.forced.get(path) ?? []), ...answers]);
  }

  /** Every answer of `path` until reset. */
  setAlways(path: string, answer: Forced): void {
    this.always.set(path, answer);
  }

  reset(): void {
    this.requests.length = 0;
    this.forced.clear();
    this.always.clear();
  }

  /** WeCom dropped every token early: the next call with one gets 42001. */
  expireTokens(): void {
    this.validTokens.clear();
  }

  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = url.pathname.replace(/^\/cgi-bin\//, '');
    const body = Buffer.concat(chunks).toString('utf8');
    this.requests.push({
      method: req.method ?? '',
      path,
      query: url.searchParams,
      body,
      contentType: req.headers['content-type'],
      at: Date.now(),
    });

    const send = (payload: object) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const queued = this.forced.get(path);
    const forced = queued && queued.length > 0 ? queued.shift() : this.always.get(path);
    if (forced && 'delayMs' in forced) await new Promise((resolve) => setTimeout(resolve, forced.delayMs));
    else if (forced && 'payload' in forced) return send(forced.payload);
    else if (forced && 'status' in forced) {
      res.writeHead(forced.status, { 'content-type': 'text/html' });
      res.end(forced.text);
      return;
    } else if (forced) {
      send({ errcode: forced.errcode, errmsg: forced.errmsg ?? `forced ${forced.errcode}, hint: [stand-in]` });
      return;
    }

    if (path === 'gettoken') {
      if (url.searchParams.get('corpid') !== CORP_ID) return send({ errcode: 40013, errmsg: 'invalid corpid' });
      if (url.searchParams.get('corpsecret') !== SECRET) return send({ errcode: 40001, errmsg: 'invalid credential' });
      this.tokenSerial += 1;
      const token = `token-${this.tokenSerial}-${'x'.repeat(40)}`;
      this.validTokens.add(token);
      return send({ errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 });
    }
    const token = url.searchParams.get('access_token');
    if (token === null || token === '') return send({ errcode: 41001, errmsg: 'access_token missing' });
    if (!this.validTokens.has(token)) return send({ errcode: 42001, errmsg: 'access_token expired' });

    switch (path) {
      case 'user/get':
        return send({
          errcode: 0,
          errmsg: 'ok',
          userid: url.searchParams.get('userid'),
          name: 'Zhang San',
          department: [1],
          status: 1,
        });
      case 'externalcontact/remark':
        return send({ errcode: 0, errmsg: 'ok' });
      case 'user/list_id': {
        const all = ['u1', 'u2', 'u3', 'u4', 'u5'];
        const { cursor, limit } = JSON.parse(body) as { cursor?: string; limit?: number };
        const start = cursor ? Number(cursor.replace('c', '')) : 0;
        const end = Math.min(all.length, start + (limit ?? 2));
        return send({
          errcode: 0,
          errmsg: 'ok',
          next_cursor: end < all.length ? `c${end}` : '',
          dept_user: all.slice(start, end).map((userid) => ({ userid, department: 1 })),
        });
      }
      case 'get_jsapi_ticket':
        return send({ errcode: 0, errmsg: 'ok', ticket: 'corp-ticket', expires_in: 7200 });
      case 'ticket/get':
        if (url.searchParams.get('type') !== 'agent_config') return send({ errcode: 40035, errmsg: 'invalid type' });
        return send({ errcode: 0, errmsg: 'ok', ticket: 'app-ticket', expires_in: 7200 });
      default:
        res.writeHead(404);
        res.end('not found');
    }
  }
}

/** Collects the JSON log lines a client writes. */
function captureLogger(): { logger: pino.Logger; lines: () => string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines: () => lines };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('WecomClient against a scripted WeCom', () => {
  const standIn = new WecomStandIn();

  beforeAll(() => standIn.start());
  afterAll(() => standIn.stop());
  beforeEach(() => standIn.reset());

  function client(overrides: Partial<WecomClientOptions> = {}): WecomClient {
    return new WecomClient({
      baseUrl: standIn.baseUrl,
      corpId: CORP_ID,
      secret: SECRET,
      agentId: 1000002,
      tokenCache: new TokenCache(),
      limiter: new WecomRateLimiter(),
      logger: pino({ level: 'silent' }),
      retryBaseDelayMs: 5,
      ...overrides,
    });
  }

  describe('access token', () => {
    it('is fetched once and reused across sequential calls', async () => {
      const api = client();
      for (let i = 0; i < 10; i += 1) {
        const user = await api.call('getUser', { query: { userid: `u${i}` } });
        expect(user.userid).toBe(`u${i}`);
      }
      expect(standIn.count('gettoken')).toBe(1);
      expect(standIn.count('user/get')).toBe(10);
    });

    it('is fetched once for many concurrent first calls (single flight)', async () => {
      const api = client();
      const users = await Promise.all(
        Array.from({ length: 25 }, (_, i) => api.call('getUser', { query: { userid: `c${i}` } })),
      );
      expect(users.map((u) => u.userid)).toEqual(Array.from({ length: 25 }, (_, i) => `c${i}`));
      expect(standIn.count('gettoken')).toBe(1);
    });

    it('is shared by clients of the same corp and secret through the cache', async () => {
      const tokenCache = new TokenCache();
      await client({ tokenCache }).call('getUser', { query: { userid: 'a' } });
      await client({ tokenCache }).call('getUser', { query: { userid: 'b' } });
      expect(standIn.count('gettoken')).toBe(1);
    });

    it('42001 makes exactly one refresh and one retry', async () => {
      const api = client();
      await api.call('getUser', { query: { userid: 'warm' } });
      standIn.expireTokens();
      const user = await api.call('getUser', { query: { userid: 'after-expiry' } });
      expect(user.userid).toBe('after-expiry');
      expect(standIn.count('gettoken')).toBe(2);
      expect(standIn.count('user/get')).toBe(3);
      const [first, second] = standIn.requests.filter((r) => r.path === 'user/get').slice(1);
      expect(first!.query.get('access_token')).not.toBe(second!.query.get('access_token'));
    });

    it('concurrent calls rejected with the same token cause a single refresh', async () => {
      const api = client();
      await api.call('getUser', { query: { userid: 'warm' } });
      standIn.expireTokens();
      await Promise.all(Array.from({ length: 8 }, (_, i) => api.call('getUser', { query: { userid: `p${i}` } })));
      expect(standIn.count('gettoken')).toBe(2);
    });

    it('40014 is handled like 42001', async () => {
      const api = client();
      standIn.queue('user/get', { errcode: 40014, errmsg: 'invalid access_token' });
      const user = await api.call('getUser', { query: { userid: 'x' } });
      expect(user.userid).toBe('x');
      expect(standIn.count('gettoken')).toBe(2);
      expect(standIn.count('user/get')).toBe(2);
    });

    it('40001 from an ordinary call refreshes the token once', async () => {
      const api = client();
      standIn.queue('user/get', { errcode: 40001, errmsg: 'invalid credential' });
      await api.call('getUser', { query: { userid: 'x' } });
      expect(standIn.count('gettoken')).toBe(2);
      expect(standIn.count('user/get')).toBe(2);
    });

    it('a token rejected again after the refresh fails permanently without looping', async () => {
      const api = client();
      standIn.setAlways('user/get', { errcode: 42001, errmsg: 'access_token expired' });
      const error = await caught(api.call('getUser', { query: { userid: 'x' } }));
      expect(error).toBeInstanceOf(WecomApiError);
      expect((error as WecomApiError).errcode).toBe(42001);
      expect((error as WecomApiError).retryable).toBe(false);
      expect(standIn.count('gettoken')).toBe(2);
      expect(standIn.count('user/get')).toBe(2);
    });

    it('40001 from gettoken is a permanent configuration error with a clear message, never a loop', async () => {
      const api = client({ secret: 'wrong-secret' });
      const error = await caught(api.call('getUser', { query: { userid: 'x' } }));
      expect(error).toBeInstanceOf(WecomCredentialsError);
      expect(error).toBeInstanceOf(WecomApiError);
      const credentials = error as WecomCredentialsError;
      expect(credentials.errcode).toBe(40001);
      expect(credentials.retryable).toBe(false);
      expect(credentials.code).toBe('WECOM_CREDENTIALS_INVALID');
      expect(credentials.message).toContain('WeCom 40001 (invalid secret)');
      expect(credentials.message).toContain(CORP_ID);
      expect(credentials.message).not.toContain('wrong-secret');
      expect(standIn.count('gettoken')).toBe(1);
      expect(standIn.count('user/get')).toBe(0);
    });

    it('40013 from gettoken is a configuration error as well', async () => {
      const api = client({ corpId: 'wwunknowncorp' });
      const error = await caught(api.call('getUser', { query: { userid: 'x' } }));
      expect(error).toBeInstanceOf(WecomCredentialsError);
      expect((error as WecomCredentialsError).errcode).toBe(40013);
      expect(standIn.count('gettoken')).toBe(1);
    });
  });

  describe('WeCom errors', () => {
    it('-1 is retried and the call then succeeds', async () => {
      const api = client();
      standIn.queue('user/get', { errcode: -1, errmsg: 'system busy' }, { errcode: -1, errmsg: 'system busy' });
      const user = await api.call('getUser', { query: { userid: 'busy' } });
      expect(user.userid).toBe('busy');
      expect(standIn.count('user/get')).toBe(3);
    });

    it('-1 gives up after 3 attempts in total, still retryable', async () => {
      const api = client();
      standIn.queue('user/get', ...Array.from({ length: 3 }, () => ({ errcode: -1, errmsg: 'system busy' })));
      const error = await caught(api.call('getUser', { query: { userid: 'busy' } }));
      expect(error).toBeInstanceOf(WecomApiError);
      expect((error as WecomApiError).errcode).toBe(-1);
      expect((error as WecomApiError).retryable).toBe(true);
      expect(standIn.count('user/get')).toBe(3);
    });

    it('45033 is retried with backoff', async () => {
      const api = client({ retryBaseDelayMs: 40 });
      standIn.queue('externalcontact/remark', { errcode: 45033, errmsg: 'api concurrent out of limit' });
      const started = Date.now();
      await api.call('remark', { body: { userid: 'u', external_userid: 'wm1', remark: 'vip' } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(40);
      expect(standIn.count('externalcontact/remark')).toBe(2);
    });

    it('60011 is not retried and is typed as permanent', async () => {
      const api = client();
      standIn.queue('user/get', { errcode: 60011, errmsg: 'no privilege to access/modify contact/party/agent' });
      const error = await caught(api.call('getUser', { query: { userid: 'hidden' } }));
      expect(error).toBeInstanceOf(WecomApiError);
      const apiError = error as WecomApiError;
      expect(apiError.name).toBe('WecomApiError');
      expect(apiError.errcode).toBe(60011);
      expect(apiError.retryable).toBe(false);
      expect(apiError.path).toBe('user/get');
      expect(apiError.message).toBe(
        'WeCom 60011 (no privilege for member/department/tag): no privilege to access/modify contact/party/agent',
      );
      expect(standIn.count('user/get')).toBe(1);
    });

    it('45009 is thrown at once as retryable, with the time until the next minute', async () => {
      const api = client();
      standIn.queue('user/get', { errcode: 45009, errmsg: 'api freq out of limit' });
      const before = Date.now();
      const error = await caught(api.call('getUser', { query: { userid: 'x' } }));
      expect(error).toBeInstanceOf(WecomApiError);
      const limited = error as WecomApiError;
      expect(limited.errcode).toBe(45009);
      expect(limited.retryable).toBe(true);
      const untilMinute = 60_000 - (before % 60_000);
      expect(limited.retryAfterMs).toBeGreaterThanOrEqual(untilMinute - 1_000);
      expect(limited.retryAfterMs).toBeLessThanOrEqual(61_000);
      expect(standIn.count('user/get')).toBe(1);
    });
  });

  describe('transport', () => {
    it('puts access_token in the query only and sends POST bodies as JSON', async () => {
      const api = client();
      const body = { userid: 'zhangsan', external_userid: 'wmEXT', remark: '王先生', remark_mobiles: ['13800000000'] };
      await api.call('remark', { body });
      const token = standIn.requests.find((r) => r.path === 'gettoken')!;
      expect(token.method).toBe('GET');
      expect(token.query.get('corpid')).toBe(CORP_ID);
      expect(token.query.get('corpsecret')).toBe(SECRET);
      expect(token.query.has('access_token')).toBe(false);

      const remark = standIn.requests.find((r) => r.path === 'externalcontact/remark')!;
      expect(remark.method).toBe('POST');
      expect(remark.query.get('access_token')).toMatch(/^token-/);
      expect([...remark.query.keys()]).toEqual(['access_token']);
      expect(remark.contentType).toMatch(/^application\/json/);
      expect(JSON.parse(remark.body)).toEqual(body);
      expect(remark.body).not.toContain('access_token');
    });

    it('sends GET query parameters next to the token', async () => {
      await client().call('getUser', { query: { userid: 'li si' } });
      const get = standIn.requests.find((r) => r.path === 'user/get')!;
      expect(get.method).toBe('GET');
      expect(get.query.get('userid')).toBe('li si');
      expect(get.body).toBe('');
    });

    it('accepts a base URL without the trailing slash', async () => {
      const api = client({ baseUrl: standIn.baseUrl.replace(/\/$/, '') });
      expect((await api.call('getUser', { query: { userid: 'slash' } })).userid).toBe('slash');
    });

    it('HTTP 5xx and non-JSON answers become retryable WecomNetworkErrors', async () => {
      const api = client();
      await api.call('getUser', { query: { userid: 'warm' } });
      standIn.queue('user/get', { status: 502, text: '<html>bad gateway</html>' });
      const gateway = await caught(api.call('getUser', { query: { userid: 'x' } }));
      expect(gateway).toBeInstanceOf(WecomNetworkError);
      expect((gateway as WecomNetworkError).status).toBe(502);
      expect((gateway as WecomNetworkError).retryable).toBe(true);

      standIn.queue('user/get', { status: 200, text: 'this is not json' });
      const garbage = await caught(api.call('getUser', { query: { userid: 'x' } }));
      expect(garbage).toBeInstanceOf(WecomNetworkError);
      expect((garbage as WecomNetworkError).retryable).toBe(true);
      expect(standIn.count('user/get')).toBe(3);
    });

    it('an errcode-0 answer in an undocumented shape is refused with the field named; extra fields pass', async () => {
      const api = client();
      const user = { errcode: 0, errmsg: 'ok', userid: 'x', name: 'Zhang San', department: [1], status: 1 };
      standIn.queue('user/get', { payload: { ...user, name: 42 } }, { payload: { ...user, department: undefined } });
      const wrongType = await caught(api.call('getUser', { query: { userid: 'x' } }));
      expect(wrongType).toBeInstanceOf(WecomNetworkError);
      expect((wrongType as WecomNetworkError).message).toMatch(
        /user\/get answered errcode 0 in an undocumented shape: \/name /,
      );
      expect((wrongType as WecomNetworkError).retryable).toBe(true);
      const missing = await caught(api.call('getUser', { query: { userid: 'x' } }));
      expect((missing as WecomNetworkError).message).toContain('/department');

      standIn.queue('user/get', { payload: { ...user, biz_mail: 'x@example.com', direct_leader: [] } });
      expect(await api.call('getUser', { query: { userid: 'x' } })).toMatchObject({ name: 'Zhang San' });
    });

    it('a timeout becomes a retryable WecomNetworkError', async () => {
      const tokenCache = new TokenCache();
      await client({ tokenCache }).call('getUser', { query: { userid: 'warm' } });
      const api = client({ tokenCache, timeoutMs: 100 });
      standIn.queue('user/get', { delayMs: 400 });
      const error = await caught(api.call('getUser', { query: { userid: 'slow' } }));
      expect(error).toBeInstanceOf(WecomNetworkError);
      expect((error as WecomNetworkError).message).toContain('timed out after 100 ms');
      expect((error as WecomNetworkError).retryable).toBe(true);
    });

    it('a refused connection becomes a retryable WecomNetworkError', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const error = await caught(
        client({ baseUrl: `http://127.0.0.1:${port}/cgi-bin/` }).call('getFollowUserList', {}),
      );
      expect(error).toBeInstanceOf(WecomNetworkError);
      expect((error as WecomNetworkError).path).toBe('gettoken');
      expect((error as WecomNetworkError).retryable).toBe(true);
    });

    it('logs path, errcode and duration at debug level, never the secret or the token', async () => {
      const { logger, lines } = captureLogger();
      const api = client({ logger });
      await api.call('getUser', { query: { userid: 'logged' } });
      standIn.queue('user/get', { errcode: 60011, errmsg: 'no privilege' });
      await api.call('getUser', { query: { userid: 'denied' } }).catch(() => undefined);
      const tokens = standIn.requests.map((r) => r.query.get('access_token')).filter((t): t is string => t !== null);
      const entries = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ level: 20, path: 'gettoken', errcode: 0, ms: expect.any(Number) }),
          expect.objectContaining({ level: 20, path: 'user/get', errcode: 0, ms: expect.any(Number) }),
          expect.objectContaining({ level: 20, path: 'user/get', errcode: 60011 }),
        ]),
      );
      const text = lines().join('\n');
      expect(tokens.length).toBeGreaterThan(0);
      for (const token of tokens) expect(text).not.toContain(token);
      expect(text).not.toContain(SECRET);
    });
  });

  describe('pages()', () => {
    it('follows next_cursor until it is empty', async () => {
      const api = client();
      const pages = [];
      for await (const page of api.pages('listUserIds', { limit: 2 })) pages.push(page);
      expect(pages.map((p) => p.dept_user.map((u) => u.userid))).toEqual([['u1', 'u2'], ['u3', 'u4'], ['u5']]);
      const sent = standIn.requests
        .filter((r) => r.path === 'user/list_id')
        .map((r) => JSON.parse(r.body) as { cursor?: string; limit: number });
      expect(sent).toEqual([{ limit: 2 }, { limit: 2, cursor: 'c2' }, { limit: 2, cursor: 'c4' }]);
    });

    it('stops after the first page when there is no cursor', async () => {
      const pages = [];
      for await (const page of client().pages('listUserIds', { limit: 10 })) pages.push(page);
      expect(pages).toHaveLength(1);
      expect(pages[0]!.dept_user).toHaveLength(5);
    });
  });

  describe('JS-SDK tickets', () => {
    it('fetches each ticket once and caches it', async () => {
      const api = client();
      expect(await api.getJsapiTicket()).toBe('corp-ticket');
      expect(await api.getJsapiTicket()).toBe('corp-ticket');
      const [a, b] = await Promise.all([api.getAgentTicket(), api.getAgentTicket()]);
      expect([a, b]).toEqual(['app-ticket', 'app-ticket']);
      expect(standIn.count('get_jsapi_ticket')).toBe(1);
      expect(standIn.count('ticket/get')).toBe(1);
      expect(standIn.requests.find((r) => r.path === 'ticket/get')!.query.get('type')).toBe('agent_config');
    });
  });

  describe('rate limiting', () => {
    it('makes calls wait for budget instead of failing', async () => {
      const api = client({ limiter: new WecomRateLimiter({ limit: { points: 3, durationSeconds: 1 } }) });
      await api.call('getUser', { query: { userid: 'warm' } });
      const started = Date.now();
      const users = await Promise.all(
        Array.from({ length: 6 }, (_, i) => api.call('getUser', { query: { userid: `r${i}` } })),
      );
      const elapsed = Date.now() - started;
      expect(users).toHaveLength(6);
      // 1 + 6 calls at 3 per second: the last one goes out in the third one-second window.
      expect(elapsed).toBeGreaterThanOrEqual(1_900);
      const times = standIn.requests.filter((r) => r.path === 'user/get').map((r) => r.at);
      expect(times).toHaveLength(7);
      for (let i = 3; i < times.length; i += 1) expect(times[i]! - times[i - 3]!).toBeGreaterThanOrEqual(900);
    });

    it('budgets are per corp and endpoint', async () => {
      const limiter = new WecomRateLimiter({ limit: { points: 1, durationSeconds: 60 }, maxWaitMs: 50 });
      await limiter.acquire('corpA', 'user/get');
      await limiter.acquire('corpB', 'user/get');
      await limiter.acquire('corpA', 'externalcontact/get');
      const error = await caught(limiter.acquire('corpA', 'user/get'));
      expect(error).toBeInstanceOf(WecomApiError);
      expect((error as WecomApiError).errcode).toBe(45009);
    });

    it('fails with a retryable 45009 when the wait would exceed the bound, without calling WeCom', async () => {
      const api = client({
        limiter: new WecomRateLimiter({
          limitsByPath: { 'user/get': { points: 1, durationSeconds: 60 } },
          maxWaitMs: 200,
        }),
      });
      await api.call('getUser', { query: { userid: 'first' } });
      const started = Date.now();
      const error = await caught(api.call('getUser', { query: { userid: 'second' } }));
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(error).toBeInstanceOf(WecomApiError);
      const limited = error as WecomApiError;
      expect(limited.errcode).toBe(45009);
      expect(limited.retryable).toBe(true);
      expect(limited.retryAfterMs).toBeGreaterThan(50_000);
      expect(standIn.count('user/get')).toBe(1);
    });
  });
});

describe('createWecomApiFactory', () => {
  const row = (secret: string): WecomCorpRow => ({
    corp_id: CORP_ID,
    name: 'Stand-in corp',
    secret,
    agent_id: 1000002,
    callback_token: 'cbtoken',
    encoding_aes_key: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    ctime: new Date(),
    mtime: new Date(),
  });
  const db = {} as Db;

  it('throws NotFoundError WECOM_CORP_NOT_FOUND for an unknown corp and does not remember the failure', async () => {
    let lookups = 0;
    const factory = createWecomApiFactory(db, {
      baseUrl: 'http://127.0.0.1:1/cgi-bin/',
      logger: pino({ level: 'silent' }),
      findCorp: () => {
        lookups += 1;
        return Promise.resolve(undefined);
      },
    });
    const error = await caught(factory('wwnobody'));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).code).toBe('WECOM_CORP_NOT_FOUND');
    await caught(factory('wwnobody'));
    expect(lookups).toBe(2);
  });

  it('reuses a corp client within the TTL and reloads the row after it', async () => {
    let secret = 'first-secret';
    let lookups = 0;
    const factory = createWecomApiFactory(db, {
      baseUrl: 'http://127.0.0.1:1/cgi-bin/',
      logger: pino({ level: 'silent' }),
      clientTtlMs: 50,
      findCorp: (corpId) => {
        lookups += 1;
        return Promise.resolve(corpId === CORP_ID ? row(secret) : undefined);
      },
    });
    const [a, b] = await Promise.all([factory(CORP_ID), factory(CORP_ID)]);
    expect(a).toBe(b);
    expect(a.corpId).toBe(CORP_ID);
    expect(a.agentId).toBe(1000002);
    expect(lookups).toBe(1);
    secret = 'second-secret';
    await new Promise((resolve) => setTimeout(resolve, 80));
    const c = await factory(CORP_ID);
    expect(c).not.toBe(a);
    expect(lookups).toBe(2);
  });
});
