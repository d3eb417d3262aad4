import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call, type ApiResponse } from '../helpers/http';

interface MiniLinkView {
  id: string;
  name: string;
  appId: string;
  pagePath: string;
  query: string | null;
  title: string | null;
  coverMaterialId: string | null;
  channelId: string | null;
  channelName: string | null;
  channelType: string | null;
  state: string;
  appConfigured: boolean;
  launchPath: string;
  remark: string | null;
  cuser: string | null;
}
interface Page<T> {
  list: T[];
  total: number;
}
interface ErrorData {
  errors?: Array<{ field: string; message: string }>;
}

const ZH = { 'accept-language': 'zh-CN' };
const APP_ID = 'wx0123456789abcdef';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(async () => db.destroy());

async function adminOf(corpId: string) {
  const { token, username } = await createAdmin(db, sharedApiUrl, { corpId });
  return {
    username,
    get: <T>(path: string) => call<T>(sharedApiUrl, 'GET', path, { token, headers: ZH }),
    post: <T>(path: string, body: unknown = {}) => call<T>(sharedApiUrl, 'POST', path, { token, body, headers: ZH }),
  };
}

function expectFieldError(response: ApiResponse<unknown>, field: string): void {
  expect(response.status).toBe(400);
  expect((response.body.data as ErrorData).errors?.map((e) => e.field)).toContain(field);
  expect(response.body.msg).toMatch(/[\u4e00-\u9fff]/);
}

describe('mini-program promotion links', () => {
  it('creates, edits, gets, pages by channel type and id, and deletes links of the corp only', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const other = await adminOf(uid('corp-'));
    const ad = (await api.post<{ id: string }>('/admin/channel/save', { name: '朋友圈广告', type: 'ad' })).body.data.id;
    const poster = (await api.post<{ id: string }>('/admin/channel/save', { name: '地铁海报', type: 'poster' })).body
      .data.id;
    await other.post('/admin/miniLink/save', { name: '别家', appId: APP_ID, pagePath: 'pages/index/index' });

    const created = await api.post<MiniLinkView>('/admin/miniLink/save', {
      name: '双十一活动页',
      appId: APP_ID,
      pagePath: 'pages/promo/index',
      query: 'activity=1111&from=moments',
      title: '双十一福利',
      channelId: ad,
    });
    expect(created.status).toBe(200);
    const link = created.body.data;
    expect(link).toMatchObject({
      name: '双十一活动页',
      appId: APP_ID,
      pagePath: 'pages/promo/index',
      query: 'activity=1111&from=moments',
      title: '双十一福利',
      coverMaterialId: null,
      channelId: ad,
      channelName: '朋友圈广告',
      channelType: 'ad',
      state: `qm${link.id}`,
      appConfigured: false,
      cuser: api.username,
    });
    expect(link.launchPath).toBe(`pages/promo/index?activity=1111&from=moments&scrm_state=qm${link.id}`);

    const second = (
      await api.post<MiniLinkView>('/admin/miniLink/save', {
        name: '海报落地页',
        appId: APP_ID,
        pagePath: 'pages/index/index',
        channelId: poster,
      })
    ).body.data;
    expect(second.launchPath).toBe(`pages/index/index?scrm_state=qm${second.id}`);

    const edited = await api.post<MiniLinkView>('/admin/miniLink/save', {
      id: link.id,
      query: null,
      coverMaterialId: null,
      channelId: poster,
    });
    expect(edited.body.data).toMatchObject({
      name: '双十一活动页',
      query: null,
      coverMaterialId: null,
      channelId: poster,
      channelType: 'poster',
      state: link.state,
    });
    expect((await api.get<MiniLinkView>(`/admin/miniLink/${link.id}`)).body.data).toEqual(edited.body.data);

    const byType = await api.post<Page<MiniLinkView>>('/admin/miniLink/page', { channelType: 'poster' });
    expect(byType.body.data.list.map((l) => l.id)).toEqual([second.id, link.id]);
    expect((await api.post<Page<MiniLinkView>>('/admin/miniLink/page', { channelType: 'ad' })).body.data.total).toBe(0);
    const byChannel = await api.post<Page<MiniLinkView>>('/admin/miniLink/page', {
      channelId: poster,
      sortField: 'name',
      sortOrder: 'asc',
      pageSize: 1,
    });
    expect([byChannel.body.data.total, byChannel.body.data.list.map((l) => l.name)]).toEqual([2, ['双十一活动页']]);
    expect((await other.post<Page<MiniLinkView>>('/admin/miniLink/page', {})).body.data.total).toBe(1);
    expect((await other.get(`/admin/miniLink/${link.id}`)).status).toBe(404);
    expect((await other.post('/admin/miniLink/delete', { id: link.id })).status).toBe(404);

    expect((await api.post('/admin/miniLink/delete', { id: link.id })).status).toBe(200);
    expect((await api.get(`/admin/miniLink/${link.id}`)).status).toBe(404);
    expect((await api.post('/admin/miniLink/delete', { id: link.id })).status).toBe(404);
    expect((await api.post('/admin/miniLink/save', { id: link.id, name: 'x' })).status).toBe(404);
    expect((await api.post<Page<MiniLinkView>>('/admin/miniLink/page', {})).body.data.total).toBe(1);
  });

  it('refuses bad input with Chinese messages and stores nothing', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const foreign = (
      await (
        await adminOf(uid('corp-'))
      ).post<{ id: string }>('/admin/channel/save', {
        name: '别家',
        type: 'ad',
      })
    ).body.data.id;
    const body = { name: '活动页', appId: APP_ID, pagePath: 'pages/index/index' };
    expectFieldError(await api.post('/admin/miniLink/save', { appId: APP_ID, pagePath: 'pages/a' }), 'name');
    expectFieldError(await api.post('/admin/miniLink/save', { name: 'x', pagePath: 'pages/a' }), 'appId');
    expectFieldError(await api.post('/admin/miniLink/save', { name: 'x', appId: APP_ID }), 'pagePath');
    expectFieldError(await api.post('/admin/miniLink/save', { ...body, appId: 'wxNOTANAPPID' }), 'appId');
    expectFieldError(await api.post('/admin/miniLink/save', { ...body, pagePath: '/pages/index' }), 'pagePath');
    expectFieldError(await api.post('/admin/miniLink/save', { ...body, pagePath: 'pages/index?a=1' }), 'pagePath');
    expectFieldError(await api.post('/admin/miniLink/save', { ...body, query: '?a=1' }), 'query');
    expectFieldError(await api.post('/admin/miniLink/save', { ...body, title: 'x'.repeat(65) }), 'title');
    expectFieldError(await api.post('/admin/miniLink/save', { ...body, coverMaterialId: 'abc' }), 'coverMaterialId');
    expectFieldError(await api.post('/admin/miniLink/save', { ...body, channelId: foreign }), 'channelId');
    expectFieldError(await api.post('/admin/miniLink/page', { channelType: 'tv' }), 'channelType');
    expect(await db('mini_link').where({ corp_id: corp }).count({ n: '*' })).toEqual([{ n: '0' }]);
  });
});
