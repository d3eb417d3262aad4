import pino from 'pino';
import {
  schemeRequest,
  secondsUntilChinaMidnight,
  wechatCallError,
  SCHEME_LIFETIME_SECONDS,
} from '../../src/domain/acquisition/mini-schemes';
import { ConflictError, RateLimitedError } from '../../src/domain/errors';
import { createSimulator, type Simulator } from '../../src/wecom/simulator/server';
import { TokenCache } from '../../src/wecom/token-cache';
import type { WechatBody } from '../../src/wecom/wechat/endpoints';
import { WechatApiError, WechatCredentialsError, WechatNetworkError } from '../../src/wecom/wechat/errors';
import { MiniProgramClient } from '../../src/wecom/wechat/mini-program-client';

const logger = pino({ level: 'silent' });
const APP = { appId: 'wx00000000000000a1', secret: 'right-secret' };
const PAGE = 'pages/index/index';

let sim: Simulator;
let baseUrl: string;
beforeAll(async () => {
  sim = createSimulator({ logLevel: 'silent' });
  baseUrl = `${(await sim.listen(0)).url}/`;
});
afterAll(() => sim.close());

let appCounter = 0;
function newApp(settings: { pages?: string[]; released?: boolean; dailySchemeLimit?: number } = {}) {
  appCounter++;
  return sim.miniPrograms.create({
    appId: `wx${appCounter.toString(16).padStart(16, '0')}`,
    secret: APP.secret,
    pages: settings.pages ?? [PAGE],
    ...(settings.released === undefined ? {} : { released: settings.released }),
    ...(settings.dailySchemeLimit === undefined ? {} : { dailySchemeLimit: settings.dailySchemeLimit }),
  });
}

const clientOf = (appId: string, secret = APP.secret, tokenCache = new TokenCache()) =>
  new MiniProgramClient({ appId, secret }, { baseUrl, tokenCache, logger });

const inAnHour = (app: { now(): number }): WechatBody<'generateScheme'> => ({
  jump_wxa: { path: PAGE, query: 'a=1' },
  expire_type: 0,
  expire_time: app.now() + 3600,
});

async function raw(path: string, init?: RequestInit): Promise<Record<string, unknown>> {
  return (await (await fetch(`${baseUrl}${path}`, init)).json()) as Record<string, unknown>;
}

async function schemeErrcode(app: ReturnType<typeof newApp>, body: WechatBody<'generateScheme'>): Promise<number> {
  const error = await clientOf(app.appId)
    .generateScheme(body)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(WechatApiError);
  return (error as WechatApiError).errcode;
}

describe('the simulated WeChat', () => {
  it('answers cgi-bin/token as WeChat does: no errcode on success, its codes for bad parameters', async () => {
    const app = newApp();
    const q = (params: Record<string, string>) => raw(`cgi-bin/token?${new URLSearchParams(params).toString()}`);
    const ok = await q({ grant_type: 'client_credential', appid: app.appId, secret: APP.secret });
    expect(Object.keys(ok).sort()).toEqual(['access_token', 'expires_in']);
    expect(ok.expires_in).toBe(7200);
    expect((await q({ grant_type: 'client_credential', appid: app.appId, secret: 'wrong' })).errcode).toBe(40001);
    expect((await q({ grant_type: 'client_credential', appid: 'wxffffffffffffffff', secret: 'x' })).errcode).toBe(
      40013,
    );
    expect((await q({ grant_type: 'password', appid: app.appId, secret: APP.secret })).errcode).toBe(40002);
    expect((await q({ grant_type: 'client_credential', secret: APP.secret })).errcode).toBe(41002);
    expect((await q({ grant_type: 'client_credential', appid: app.appId })).errcode).toBe(41004);
    const noToken = await raw('wxa/generatescheme', { method: 'POST', body: '{"jump_wxa":{}}' });
    expect(noToken.errcode).toBe(41001);
    expect(noToken.errmsg).toMatch(/rid: /);
  });

  it('keeps a superseded token working five minutes, expires tokens after two hours', async () => {
    const app = newApp();
    const first = app.issueToken(APP.secret).token;
    const second = app.issueToken(APP.secret).token;
    expect(() => app.checkToken(first)).not.toThrow();
    app.clock.advance(300);
    expect(() => app.checkToken(first)).toThrow(expect.objectContaining({ errcode: 40001 }));
    expect(() => app.checkToken(second)).not.toThrow();
    app.clock.advance(6900);
    expect(() => app.checkToken(second)).toThrow(expect.objectContaining({ errcode: 42001 }));
  });

  it('checks the page, the query, the expiry and the release, and makes every openlink unique', async () => {
    const app = newApp({ pages: [PAGE, 'pages/b/index'] });
    const now = app.now();
    const body = (
      over: Partial<WechatBody<'generateScheme'>>,
      jump: Partial<WechatBody<'generateScheme'>['jump_wxa']> = {},
    ) => ({
      ...inAnHour(app),
      ...over,
      jump_wxa: { path: PAGE, query: 'a=1', ...jump },
    });
    expect(await schemeErrcode(app, body({}, { path: 'pages/missing/index' }))).toBe(40165);
    expect(await schemeErrcode(app, body({}, { path: `${PAGE}?a=1` }))).toBe(40165);
    expect(await schemeErrcode(app, body({}, { query: 'name=张三' }))).toBe(40212);
    expect(await schemeErrcode(app, body({}, { query: 'a'.repeat(1025) }))).toBe(40212);
    expect(await schemeErrcode(app, body({ expire_time: now + 30 }))).toBe(85401);
    expect(await schemeErrcode(app, body({ expire_time: now + 31 * 86_400 }))).toBe(85401);
    expect(await schemeErrcode(app, body({ expire_type: 1, expire_interval: 31 }))).toBe(85401);
    expect(app.schemes).toEqual([]);

    const client = clientOf(app.appId);
    const links = new Set<string>();
    for (let i = 0; i < 20; i++) links.add(await client.generateScheme(body({}, { path: 'pages/b/index' })));
    expect(links.size).toBe(20);
    expect(app.schemes.map((s) => s.openlink)).toEqual([...links]);
    expect(app.schemes[0]).toMatchObject({ path: 'pages/b/index', query: 'a=1', envVersion: 'release' });

    const unreleased = newApp({ released: false });
    expect(await schemeErrcode(unreleased, inAnHour(unreleased))).toBe(85079);
  });

  it('stops at the daily quota', async () => {
    const app = newApp({ dailySchemeLimit: 2 });
    const client = clientOf(app.appId);
    await client.generateScheme(inAnHour(app));
    await client.generateScheme(inAnHour(app));
    await expect(client.generateScheme(inAnHour(app))).rejects.toMatchObject({ errcode: 45009 });
    expect(app.schemes).toHaveLength(2);
  });
});

describe('MiniProgramClient', () => {
  it('caches the token, refreshes it once when WeChat expired it, and names a wrong secret', async () => {
    const app = newApp();
    const tokens = new TokenCache();
    const client = clientOf(app.appId, APP.secret, tokens);
    await client.generateScheme(inAnHour(app));
    await clientOf(app.appId, APP.secret, tokens).generateScheme(inAnHour(app));
    expect(app.tokensIssued).toBe(1);
    app.invalidateTokens('expire');
    await client.generateScheme(inAnHour(app));
    expect([app.tokensIssued, app.schemes.length]).toEqual([2, 3]);

    const wrong = await clientOf(app.appId, 'wrong', tokens)
      .accessToken()
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(WechatCredentialsError);
    expect((wrong as WechatCredentialsError).errcode).toBe(40001);
  });

  it('refreshes at most once: a second rejection is thrown', async () => {
    const calls: string[] = [];
    const fetchStub = (url: string) => {
      const path = new URL(url).pathname;
      calls.push(path);
      const body = path.endsWith('/token')
        ? { access_token: `t${calls.length}`, expires_in: 7200 }
        : { errcode: 42001, errmsg: 'expired' };
      return Promise.resolve(new Response(JSON.stringify(body)));
    };
    const client = new MiniProgramClient(APP, { baseUrl, tokenCache: new TokenCache(), logger, fetch: fetchStub });
    await expect(client.generateScheme({ jump_wxa: {} })).rejects.toMatchObject({ errcode: 42001 });
    expect(calls).toEqual(['/cgi-bin/token', '/wxa/generatescheme', '/cgi-bin/token', '/wxa/generatescheme']);
  });

  it('treats an HTTP 5xx or a body without JSON as a network error', async () => {
    for (const response of [new Response('busy', { status: 502 }), new Response('<html>')]) {
      const client = new MiniProgramClient(APP, {
        baseUrl,
        tokenCache: new TokenCache(),
        logger,
        fetch: () => Promise.resolve(response),
      });
      await expect(client.accessToken()).rejects.toBeInstanceOf(WechatNetworkError);
    }
  });
});

describe('scheme requests and WeChat errors', () => {
  it('asks for the link’s page with its query and state, release version, expiring after the lifetime', () => {
    const nowMs = Date.UTC(2026, 11, 3, 8, 0, 0, 500);
    expect(schemeRequest({ page_path: PAGE, query: 'a=1', state: 'qm42' }, nowMs)).toEqual({
      jump_wxa: { path: PAGE, query: 'a=1&scrm_state=qm42', env_version: 'release' },
      is_expire: true,
      expire_type: 0,
      expire_time: Math.floor(nowMs / 1000) + SCHEME_LIFETIME_SECONDS,
    });
    expect(schemeRequest({ page_path: PAGE, query: null, state: 'qm7' }, nowMs).jump_wxa.query).toBe('scrm_state=qm7');
  });

  it('counts the daily quota’s wait to midnight in China', () => {
    expect(secondsUntilChinaMidnight(Date.UTC(2026, 11, 3, 15, 59, 0))).toBe(60);
    expect(secondsUntilChinaMidnight(Date.UTC(2026, 11, 3, 16, 0, 0))).toBe(86_400);
  });

  it('maps every WeChat failure to a 409 or 429 with a code of its own, never to a 5xx', () => {
    const api = (errcode: number) => new WechatApiError(errcode, 'x', 'wxa/generatescheme');
    const cases: Array<[unknown, string, 'conflict' | 'rate_limited']> = [
      [
        new WechatCredentialsError(40001, 'x', 'cgi-bin/token', APP.appId),
        'MINI_PROGRAM_CREDENTIALS_INVALID',
        'conflict',
      ],
      [api(40165), 'MINI_SCHEME_PAGE_INVALID', 'conflict'],
      [api(40212), 'MINI_SCHEME_PAGE_INVALID', 'conflict'],
      [api(85079), 'MINI_PROGRAM_NOT_RELEASED', 'conflict'],
      [api(40002), 'MINI_SCHEME_NOT_PERMITTED', 'conflict'],
      [api(85401), 'WECHAT_REJECTED', 'conflict'],
      [api(44990), 'MINI_SCHEME_QUOTA', 'rate_limited'],
      [api(45009), 'MINI_SCHEME_QUOTA', 'rate_limited'],
      [api(85400), 'MINI_SCHEME_QUOTA', 'rate_limited'],
      [api(-1), 'WECHAT_UNAVAILABLE', 'rate_limited'],
      [new WechatNetworkError('down', 'wxa/generatescheme'), 'WECHAT_UNAVAILABLE', 'rate_limited'],
    ];
    for (const [error, code, kind] of cases) {
      const mapped = wechatCallError(error, APP.appId, Date.UTC(2026, 11, 3, 15, 0, 0));
      expect(mapped).toBeInstanceOf(kind === 'conflict' ? ConflictError : RateLimitedError);
      expect([(mapped as ConflictError).code, (mapped as ConflictError).kind]).toEqual([code, kind]);
    }
    const quota = wechatCallError(api(45009), APP.appId, Date.UTC(2026, 11, 3, 15, 0, 0)) as RateLimitedError;
    expect(quota.retryAfterSeconds).toBe(3600);
  });
});
