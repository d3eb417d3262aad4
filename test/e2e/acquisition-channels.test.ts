import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call, inParallel, type ApiResponse } from '../helpers/http';
import { seedEmployee, seedGroupChat } from '../helpers/mirror-tags-groups';

interface ChannelView {
  id: string;
  name: string;
  type: string;
  typeName: string;
  status: number;
  owner: string | null;
  ownerName: string | null;
  remark: string | null;
  cuser: string | null;
  muser: string | null;
}
interface Page<T> {
  list: T[];
  total: number;
}
interface ErrorData {
  errors?: Array<{ field: string; message: string }>;
}

const ZH = { 'accept-language': 'zh-CN' };

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
}

describe('acquisition channels', () => {
  it('creates, edits, gets, lists and pages channels of the corp only', async () => {
    const corp = uid('corp-');
    const owner = await seedEmployee(db, corp, { name: '渠道负责人' });
    const api = await adminOf(corp);
    const other = await adminOf(uid('corp-'));
    await other.post('/admin/channel/save', { name: '别家渠道', type: 'ad' });

    const created = await api.post<ChannelView>('/admin/channel/save', {
      name: '抖音信息流',
      type: 'ad',
      owner,
      remark: '春季投放',
    });
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject({
      name: '抖音信息流',
      type: 'ad',
      typeName: '广告投放',
      status: 1,
      owner,
      ownerName: '渠道负责人',
      remark: '春季投放',
      cuser: api.username,
    });
    const poster = await api.post<ChannelView>('/admin/channel/save', { name: '地铁海报', type: 'poster', status: 0 });
    expect(poster.body.data.status).toBe(0);

    const edited = await api.post<ChannelView>('/admin/channel/save', {
      id: created.body.data.id,
      remark: null,
      owner: null,
      status: 0,
    });
    expect(edited.status).toBe(200);
    expect(edited.body.data).toMatchObject({ name: '抖音信息流', remark: null, owner: null, status: 0 });
    const reenabled = await api.post<ChannelView>('/admin/channel/save', { id: created.body.data.id, status: 1 });
    expect(reenabled.body.data.status).toBe(1);

    const got = await api.get<ChannelView>(`/admin/channel/${created.body.data.id}`);
    expect(got.body.data).toEqual(reenabled.body.data);

    const all = await api.get<ChannelView[]>('/admin/channel/listAll');
    expect(all.body.data.map((c) => c.name)).toEqual(['抖音信息流', '地铁海报']);
    const enabled = await api.get<ChannelView[]>('/admin/channel/listAll?status=1');
    expect(enabled.body.data.map((c) => c.name)).toEqual(['抖音信息流']);

    const byType = await api.post<Page<ChannelView>>('/admin/channel/page', { type: 'poster' });
    expect(byType.body.data.list.map((c) => c.name)).toEqual(['地铁海报']);
    const byName = await api.post<Page<ChannelView>>('/admin/channel/page', { name: '抖音', pageSize: 1 });
    expect([byName.body.data.total, byName.body.data.list[0]?.name]).toEqual([1, '抖音信息流']);
    const sorted = await api.post<Page<ChannelView>>('/admin/channel/page', { sortField: 'name', sortOrder: 'asc' });
    expect(sorted.body.data.total).toBe(2);

    expect((await other.get(`/admin/channel/${created.body.data.id}`)).status).toBe(404);
    expect((await other.post('/admin/channel/save', { id: created.body.data.id, name: 'x' })).status).toBe(404);
  });

  it('refuses bad input in Chinese-readable errors and stores nothing', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    expectFieldError(await api.post('/admin/channel/save', { name: '无类型' }), 'type');
    expectFieldError(await api.post('/admin/channel/save', { type: 'ad' }), 'name');
    expectFieldError(await api.post('/admin/channel/save', { name: 'x', type: 'tv' }), 'type');
    expectFieldError(await api.post('/admin/channel/save', { name: ' ', type: 'ad' }), 'name');
    expectFieldError(await api.post('/admin/channel/save', { name: 'x'.repeat(65), type: 'ad' }), 'name');
    expectFieldError(await api.post('/admin/channel/save', { name: 'x', type: 'ad', status: 2 }), 'status');
    const unknownOwner = await api.post('/admin/channel/save', { name: 'x', type: 'ad', owner: 'nobody' });
    expectFieldError(unknownOwner, 'owner');
    expect(unknownOwner.body.msg).toMatch(/[\u4e00-\u9fff]/);
    expect((await api.get('/admin/channel/999999999')).status).toBe(404);
    expect((await api.post('/admin/channel/save', { id: '999999999', name: 'x' })).status).toBe(404);
    expect(await db('acq_channel').where({ corp_id: corp }).count({ n: '*' })).toEqual([{ n: '0' }]);
  });

  it('keeps names unique per corp under concurrent saves, case-insensitively', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const answers = await inParallel(6, 6, (i) =>
      api.post('/admin/channel/save', { name: i % 2 === 0 ? 'Website' : 'WEBSITE', type: 'website' }),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    expect(answers.find((a) => a.status === 409)?.body.msg).toMatch(/获客渠道/);
    expect(await db('acq_channel').where({ corp_id: corp }).count({ n: '*' })).toEqual([{ n: '1' }]);
    const second = await api.post<ChannelView>('/admin/channel/save', { name: 'Partner', type: 'partner' });
    expect((await api.post('/admin/channel/save', { id: second.body.data.id, name: 'website' })).status).toBe(409);
  });

  it('is what a customer group record names as its channel', async () => {
    const corp = uid('corp-');
    const owner = await seedEmployee(db, corp);
    const group = await seedGroupChat(db, corp, { name: '渠道群', owner });
    const api = await adminOf(corp);
    const other = await adminOf(uid('corp-'));
    const foreign = await other.post<ChannelView>('/admin/channel/save', { name: '别家', type: 'other' });
    const channel = await api.post<ChannelView>('/admin/channel/save', { name: '官网', type: 'website' });
    const saved = await api.post<{ channelId: string }>('/admin/chatGroup/save', {
      chatId: group.chatId,
      channelId: channel.body.data.id,
    });
    expect([saved.status, saved.body.data.channelId]).toEqual([200, channel.body.data.id]);
    expectFieldError(
      await api.post('/admin/chatGroup/save', { chatId: group.chatId, channelId: foreign.body.data.id }),
      'channelId',
    );
  });
});
