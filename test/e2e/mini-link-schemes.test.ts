import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, createPartner, testDb, uid } from '../helpers/factories';
import { call, type ApiResponse } from '../helpers/http';
import { randomPng } from '../helpers/images';
import { waitFor } from '../helpers/wait';
import { insertMiniLink } from '../../src/db/queries/mini-links';
import { requireCoverImage } from '../../src/domain/materials/materials';
import { control, createSimulatedCorp } from '../helpers/wecom';

interface SchemeView {
  linkId: string;
  appId: string;
  openlink: string;
  expiresAt: string;
  path: string;
  query: string;
  state: string;
}
interface SimScheme {
  openlink: string;
  path: string;
  query: string;
  envVersion: string;
  createdAt: number;
  expireTime: number;
}
interface SimApp {
  appId: string;
  secret: string;
  tokensIssued: number;
  schemeCount: number;
}
interface ErrorData {
  errors?: Array<{ field: string; message: string }>;
}

const ZH = { 'accept-language': 'zh-CN' };
const PAGE = 'pages/promo/index';
const CHINESE = /[\u4e00-\u9fff]/;

let db: Db;
let secretKey: string;
beforeAll(async () => {
  db = testDb();
  secretKey = (await createPartner(db)).secretKey;
});
afterAll(async () => db.destroy());

async function adminOf(corpId: string) {
  const { token } = await createAdmin(db, sharedApiUrl, { corpId });
  return {
    token,
    get: <T>(path: string) => call<T>(sharedApiUrl, 'GET', path, { token, headers: ZH }),
    post: <T>(path: string, body: unknown = {}) => call<T>(sharedApiUrl, 'POST', path, { token, body, headers: ZH }),
  };
}
type Admin = Awaited<ReturnType<typeof adminOf>>;

/** A released mini-program in the simulated WeChat, with its own AppID. */
async function simulatedApp(pages: string[] = [PAGE]): Promise<SimApp> {
  return control<SimApp>('POST', '/mini-programs', { appId: `wx${randomBytes(8).toString('hex')}`, pages });
}
const simApp = (appId: string) => control<SimApp>('GET', `/mini-programs/${appId}`);
const simSchemes = async (appId: string) =>
  (await control<{ schemes: SimScheme[] }>('GET', `/mini-programs/${appId}/schemes`)).schemes;

const askScheme = (linkId: string, key = secretKey) =>
  call<SchemeView>(sharedApiUrl, 'POST', '/api-scrm/openapi/miniLink/scheme', {
    body: { secretKey: key, linkId },
    headers: ZH,
  });

async function saveLink(api: Admin, appId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const saved = await api.post<{ id: string }>('/admin/miniLink/save', {
    name: uid('活动页-'),
    appId,
    pagePath: PAGE,
    ...extra,
  });
  expect(saved.status).toBe(200);
  return saved.body.data.id;
}

/** A corp admin with the app's AppSecret stored, and one link to its promo page. */
async function configuredLink(extra: Record<string, unknown> = {}) {
  const app = await simulatedApp();
  const api = await adminOf(uid('corp-'));
  expect((await api.post('/admin/miniLink/app/save', { appId: app.appId, appSecret: app.secret })).status).toBe(200);
  const linkId = await saveLink(api, app.appId, extra);
  return { app, api, linkId };
}

function expectRefusal(response: ApiResponse<unknown>, status: number, text: RegExp): void {
  expect([response.status, response.body.code]).toEqual([status, String(status)]);
  expect(response.body.msg).toMatch(CHINESE);
  expect(response.body.msg).toMatch(text);
}

describe('mini-program credentials', () => {
  it('stores an AppSecret only once WeChat accepts it, and never answers it again', async () => {
    const app = await simulatedApp();
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const linkId = await saveLink(api, app.appId);
    const configured = async () =>
      (await api.get<{ appConfigured: boolean }>(`/admin/miniLink/${linkId}`)).body.data.appConfigured;
    expect(await configured()).toBe(false);

    const wrong = await api.post<ErrorData>('/admin/miniLink/app/save', { appId: app.appId, appSecret: 'not-it' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.data.errors?.map((e) => e.field)).toEqual(['appSecret']);
    expect(wrong.body.msg).toMatch(/微信不认可/);
    expect(await db('mini_program_app').where({ corp_id: corp })).toEqual([]);
    expect(await configured()).toBe(false);

    const saved = await api.post<Record<string, unknown>>('/admin/miniLink/app/save', {
      appId: app.appId,
      appSecret: app.secret,
    });
    expect(saved.status).toBe(200);
    expect(saved.body.data).toMatchObject({ appId: app.appId, appSecretTail: app.secret.slice(-4) });
    expect(JSON.stringify(saved.body.data)).not.toContain(app.secret);
    expect(await db('mini_program_app').where({ corp_id: corp }).select('app_id', 'app_secret')).toEqual([
      { app_id: app.appId, app_secret: app.secret },
    ]);
    expect(await configured()).toBe(true);
    const listed = await api.get<Array<{ appId: string }>>('/admin/miniLink/app/list');
    expect(listed.body.data.map((a) => a.appId)).toEqual([app.appId]);
    expect((await (await adminOf(uid('corp-'))).get<unknown[]>('/admin/miniLink/app/list')).body.data).toEqual([]);
  });
});

describe('a URL scheme per landing-page visit', () => {
  it('generates a different scheme for every visit, for the link’s page, query and state', async () => {
    const { app, linkId } = await configuredLink({ query: 'activity=1111&from=moments' });
    const before = await simApp(app.appId);

    const first = await askScheme(linkId);
    const second = await askScheme(linkId);
    expect([first.status, second.status]).toEqual([200, 200]);
    const state = `qm${linkId}`;
    for (const answer of [first.body.data, second.body.data]) {
      expect(answer).toMatchObject({
        linkId,
        appId: app.appId,
        path: PAGE,
        query: `activity=1111&from=moments&scrm_state=${state}`,
        state,
      });
      expect(answer.openlink).toMatch(/^weixin:\/\/dl\/business\/\?t=[A-Za-z0-9]+$/);
    }
    expect(first.body.data.openlink).not.toBe(second.body.data.openlink);
    expect(first.headers.get('cache-control')).toBe('no-store');

    const schemes = await simSchemes(app.appId);
    expect(schemes.map((s) => s.openlink)).toEqual([first.body.data.openlink, second.body.data.openlink]);
    for (const [i, scheme] of schemes.entries()) {
      expect(scheme).toMatchObject({
        path: PAGE,
        query: `activity=1111&from=moments&scrm_state=${state}`,
        envVersion: 'release',
      });
      expect(new Date(scheme.expireTime * 1000).toISOString()).toBe(
        [first, second][i]?.body.data.expiresAt.replace(/\.\d{3}Z$/, '.000Z'),
      );
    }
    // The token fetched when the secret was saved serves both visits.
    expect((await simApp(app.appId)).tokensIssued).toBe(before.tokensIssued);
  });

  it('refreshes a token WeChat expired once, and answers the visit', async () => {
    const { app, linkId } = await configuredLink();
    const before = await simApp(app.appId);
    expect(await control('POST', `/mini-programs/${app.appId}/tokens/invalidate`, { mode: 'expire' })).toEqual({
      invalidated: 1,
    });

    const answer = await askScheme(linkId);
    expect(answer.status).toBe(200);
    const after = await simApp(app.appId);
    expect([after.tokensIssued, after.schemeCount]).toEqual([before.tokensIssued + 1, before.schemeCount + 1]);
    expect((await simSchemes(app.appId)).map((s) => s.openlink)).toEqual([answer.body.data.openlink]);

    expect((await askScheme(linkId)).status).toBe(200);
    expect((await simApp(app.appId)).tokensIssued).toBe(before.tokensIssued + 1);
  });

  it('answers a clear 409 when WeChat refuses the stored secret, records nothing, and works once it is fixed', async () => {
    const { app, api, linkId } = await configuredLink();
    const reset = randomBytes(16).toString('hex');
    // The admin resets the AppSecret in WeChat's console; the stored one stops working with the next token.
    await control('PATCH', `/mini-programs/${app.appId}`, { secret: reset });
    await control('POST', `/mini-programs/${app.appId}/tokens/invalidate`, { mode: 'expire' });

    const refused = await askScheme(linkId);
    expectRefusal(refused, 409, new RegExp(`${app.appId}.*AppSecret`));
    expect(await simSchemes(app.appId)).toEqual([]);

    expect((await api.post('/admin/miniLink/app/save', { appId: app.appId, appSecret: reset })).status).toBe(200);
    expect((await askScheme(linkId)).status).toBe(200);
    expect(await simSchemes(app.appId)).toHaveLength(1);
  });

  it('answers WeChat being busy or out of quota with 429 and Retry-After, and records nothing', async () => {
    const { app, linkId } = await configuredLink();
    await control('POST', `/mini-programs/${app.appId}/faults`, { errcode: -1 });
    const busy = await askScheme(linkId);
    expectRefusal(busy, 429, /微信暂时无法访问或繁忙/);
    expect(busy.headers.get('retry-after')).toBe('1');

    await control('PATCH', `/mini-programs/${app.appId}`, { dailySchemeLimit: 0 });
    const quota = await askScheme(linkId);
    expectRefusal(quota, 429, /45009/);
    expect(Number(quota.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(quota.headers.get('retry-after'))).toBeLessThanOrEqual(86_400);
    expect(await simSchemes(app.appId)).toEqual([]);
  });

  it('refuses unknown and deleted links, apps without a secret, pages WeChat refuses and bad keys — never a 5xx', async () => {
    const { app, api, linkId } = await configuredLink();
    expectRefusal(await askScheme('987654321012'), 404, /987654321012/);

    const unreleasedPage = await saveLink(api, app.appId, { pagePath: 'pages/not-released/index' });
    expectRefusal(await askScheme(unreleasedPage), 409, /40165/);

    const otherApp = await simulatedApp();
    const unconfigured = await saveLink(api, otherApp.appId);
    expectRefusal(await askScheme(unconfigured), 409, new RegExp(`${otherApp.appId}.*AppSecret`));

    expect((await askScheme(linkId, 'scrm_pk_nope')).status).toBe(401);
    expect((await api.post('/admin/miniLink/delete', { id: linkId })).status).toBe(200);
    expectRefusal(await askScheme(linkId), 404, new RegExp(linkId));

    expect(await simSchemes(app.appId)).toEqual([]);
    expect(await simSchemes(otherApp.appId)).toEqual([]);
  });
});

describe('the cover of a mini link', () => {
  async function materialAdmin() {
    const corp = await createSimulatedCorp(db, { customers: 1 });
    const api = await adminOf(corp.corpId);
    const upload = async (bytes: Buffer) => {
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: 'image/png' }), 'cover.png');
      const response = await fetch(`${sharedApiUrl}/admin/material/upload?type=image&scope=1`, {
        method: 'POST',
        headers: { token: api.token, ...ZH },
        body: form,
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { data: { id: string } }).data.id;
    };
    return { api, upload, corpId: corp.corpId };
  }

  it('must be a live image material of the corp', async () => {
    const { api, upload, corpId } = await materialAdmin();
    const other = await materialAdmin();
    const image = await upload(randomPng());
    const foreignImage = await other.upload(randomPng());
    const text = (await api.post<{ id: string }>('/admin/material/save', { type: 'text', scope: 1, content: '你好' }))
      .body.data.id;
    const gone = await upload(randomPng());
    expect((await api.post('/admin/material/delete', { id: gone })).status).toBe(200);

    const body = { name: '封面检查', appId: 'wx0123456789abcdef', pagePath: PAGE };
    for (const [cover, text_] of [
      [text, /图片/],
      [foreignImage, new RegExp(foreignImage)],
      [gone, new RegExp(gone)],
      ['987654321012', /987654321012/],
    ] as const) {
      const refused = await api.post<ErrorData>('/admin/miniLink/save', { ...body, coverMaterialId: cover });
      expect(refused.status).toBe(400);
      expect(refused.body.data.errors?.map((e) => e.field)).toEqual(['coverMaterialId']);
      expect(refused.body.msg).toMatch(text_);
    }
    expect(await db('mini_link').where({ corp_id: corpId })).toEqual([]);

    const saved = await api.post<{ id: string; coverMaterialId: string }>('/admin/miniLink/save', {
      ...body,
      coverMaterialId: image,
    });
    expect([saved.status, saved.body.data.coverMaterialId]).toEqual([200, image]);
    const edit = await api.post('/admin/miniLink/save', { id: saved.body.data.id, coverMaterialId: text });
    expect(edit.status).toBe(400);
    expect(await db('mini_link').where({ id: saved.body.data.id }).first('cover_material_id')).toEqual({
      cover_material_id: image,
    });
  });

  it('cannot be deleted while a live link shows it (409 naming the link), and can once the link lets go', async () => {
    const { api, upload } = await materialAdmin();
    const image = await upload(randomPng());
    const link = (
      await api.post<{ id: string }>('/admin/miniLink/save', {
        name: '双十一封面',
        appId: 'wx0123456789abcdef',
        pagePath: PAGE,
        coverMaterialId: image,
      })
    ).body.data.id;

    const refused = await api.post('/admin/material/delete', { id: image });
    expectRefusal(refused, 409, new RegExp(`双十一封面 \\(${link}\\)`));
    expect(await db('material').where({ id: image }).first('is_del')).toEqual({ is_del: 0 });

    expect((await api.post('/admin/miniLink/save', { id: link, coverMaterialId: null })).status).toBe(200);
    expect((await api.post('/admin/material/delete', { id: image })).status).toBe(200);
    expect(await db('material').where({ id: image }).first('is_del')).toEqual({ is_del: 1 });
  });

  it('held by a save in progress: a delete racing it waits, then sees the link and refuses', async () => {
    const { api, upload, corpId } = await materialAdmin();
    const image = await upload(randomPng());
    const blocked = async () =>
      Number(
        (
          await db.raw(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%material%'",
          )
        ).rows[0].n,
      ) > 0;
    let deleting: Promise<ApiResponse<unknown>> | undefined;
    await db.transaction(async (trx) => {
      await requireCoverImage(trx, corpId, image, 'coverMaterialId');
      deleting = api.post('/admin/material/delete', { id: image });
      await waitFor('the delete to wait for the save', blocked, { timeoutMs: 10_000 });
      await insertMiniLink(
        trx,
        corpId,
        {
          name: '同时保存',
          app_id: 'wx0123456789abcdef',
          page_path: PAGE,
          query: null,
          title: null,
          cover_material_id: image,
          channel_id: null,
          channel_type: null,
          remark: null,
        },
        'test',
      );
    });
    expectRefusal(await (deleting as Promise<ApiResponse<unknown>>), 409, /同时保存/);
    expect(await db('material').where({ id: image }).first('is_del')).toEqual({ is_del: 0 });
  });

  it('of a deleted link no longer holds the material', async () => {
    const { api, upload } = await materialAdmin();
    const image = await upload(randomPng());
    const link = await saveLink(api, 'wx0123456789abcdef', { coverMaterialId: image });
    expect((await api.post('/admin/miniLink/delete', { id: link })).status).toBe(200);
    expect((await api.post('/admin/material/delete', { id: image })).status).toBe(200);
  });
});
