import type { Db } from '../../src/db/knex';
import { acquisitionCorp, simState, type AcquisitionCorp } from '../helpers/acquisition';
import { testDb, uid } from '../helpers/factories';
import type { ApiResponse } from '../helpers/http';
import { waitFor } from '../helpers/wait';
import { control } from '../helpers/wecom';

interface RuleView {
  id: string;
  userId: string;
  weight: number;
  dailyLimit: number | null;
  roundLimit: number | null;
  workingHours: string | null;
  getType: string;
  state: string;
  configLinkId: string | null;
  qrCode: string | null;
  linkUrl: string | null;
}
interface LinkView {
  id: string;
  linkName: string;
  channelId: string | null;
  channelType: string | null;
  userList: string[];
  departmentList: string[];
  allocationRules: RuleView[];
  status: number;
  statusReason: string | null;
  publishing: boolean;
  state: string;
  url: string | null;
  linkId: string | null;
  [field: string]: unknown;
}
interface ErrorData {
  errors?: Array<{ field: string; message: string }>;
}

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(async () => db.destroy());

const corpWithAdmin = () => acquisitionCorp(db);

/** Every field of the acquisition-link body, as the admin UI sends it. */
function fullBody(ctx: AcquisitionCorp, overrides: Record<string, unknown> = {}) {
  const [a, b, c] = ctx.users;
  return {
    addFriendCount: 0,
    allocationMethod: 'weight',
    allocationRules: [
      {
        configLinkId: 'ignored',
        ctime: '2019-08-24T14:15:22Z',
        cuser: 'ignored',
        dailyLimit: 20,
        getType: 'qr',
        isDel: 0,
        linkUrl: 'ignored',
        mtime: '2019-08-24T14:15:22Z',
        muser: 'ignored',
        qrCode: 'ignored',
        roundLimit: 2,
        userId: a,
        weight: 3,
        workingHours: '09:00-18:00',
      },
      { userId: b, weight: 1, dailyLimit: 0, roundLimit: 0, getType: 'link', workingHours: '' },
    ],
    channelId: Number(ctx.channelId),
    channelType: 'ad',
    createTime: '2019-08-24T14:15:22Z',
    cstTags: [ctx.tagId],
    ctime: '2019-08-24T14:15:22Z',
    cuser: 'ignored',
    dailyLimit: 100,
    departmentList: [ctx.deptId],
    isDel: 0,
    isSendWelcome: 1,
    linkId: 'ignored',
    linkName: '春季抖音投放',
    mediaIds: [],
    mtime: '2019-08-24T14:15:22Z',
    muser: 'ignored',
    openProfileCount: 0,
    priorityType: 2,
    priorityUseridList: [a],
    skipVerify: 'false',
    status: 0,
    url: 'ignored',
    userId: 'ignored',
    userJson: [{ userid: c, name: '销售丙', position: '顾问' }],
    userList: [c],
    welcomeContent: '您好，欢迎咨询！',
    ...overrides,
  };
}

function expectFields(response: ApiResponse<unknown>, fields: string[]): void {
  expect(response.status).toBe(400);
  expect((response.body.data as ErrorData).errors?.map((e) => e.field).sort()).toEqual([...fields].sort());
}

describe('acquisition links', () => {
  it('round-trips every field of a draft and creates nothing in WeCom', async () => {
    const ctx = await corpWithAdmin();
    const [a, b, c] = ctx.users;
    const material = await ctx.api.post<{ id: string }>('/admin/material/save', {
      type: 'link',
      scope: 1,
      title: '产品手册',
      url: 'https://example.com/manual',
    });
    expect(material.status).toBe(200);
    const saved = await ctx.api.post<LinkView>(
      '/admin/cust/get/link/save',
      fullBody(ctx, { mediaIds: [Number(material.body.data.id)] }),
    );
    expect(saved.status).toBe(200);
    const link = saved.body.data;
    const got = await ctx.api.get<LinkView>(`/admin/cust/get/link/${link.id}`);
    expect(got.body.data).toEqual(link);
    expect(link).toMatchObject({
      linkName: '春季抖音投放',
      channelId: ctx.channelId,
      channelType: 'ad',
      userList: [c],
      departmentList: [ctx.deptId],
      userJson: [{ userid: c, name: '销售丙', position: '顾问' }],
      allocationMethod: 'weight',
      dailyLimit: 100,
      priorityType: 2,
      priorityUseridList: [a],
      skipVerify: 'false',
      cstTags: [ctx.tagId],
      isSendWelcome: 1,
      welcomeContent: '您好，欢迎咨询！',
      mediaIds: [material.body.data.id],
      status: 0,
      publishing: false,
      addFriendCount: 0,
      openProfileCount: 0,
      state: `ql${link.id}`,
      url: null,
      linkId: null,
      cuser: ctx.api.username,
    });
    expect(link.allocationRules).toMatchObject([
      {
        userId: a,
        weight: 3,
        dailyLimit: 20,
        roundLimit: 2,
        workingHours: '09:00-18:00',
        getType: 'qr',
        configLinkId: null,
      },
      { userId: b, weight: 1, dailyLimit: null, roundLimit: null, workingHours: null, getType: 'link', qrCode: null },
    ]);
    expect(link.allocationRules.map((r) => r.state)).toEqual(link.allocationRules.map((r) => `ql${link.id}r${r.id}`));
    const state = await simState(ctx.corp.corpId);
    expect(state.contactWays).toEqual([]);
    expect(state.acquisitionLinks).toEqual([]);

    const page = await ctx.api.post<{ list: LinkView[]; total: number }>('/admin/cust/get/link/page', {
      pageNum: 1,
      pageSize: 10,
      userId: b,
    });
    expect(page.body.data.total).toBe(1);
    expect(page.body.data.list[0]).toEqual(link);
    const none = await ctx.api.post<{ total: number }>('/admin/cust/get/link/page', { linkName: '没有这个' });
    expect(none.body.data.total).toBe(0);
  });

  it('publishes each rule as its own WeCom object, follows edits and removes everything when unpublished or deleted', async () => {
    const ctx = await corpWithAdmin();
    const [a, b, c, d] = ctx.users;
    const draft = await ctx.api.post<LinkView>('/admin/cust/get/link/save', fullBody(ctx));
    const id = draft.body.data.id;

    const published = await ctx.api.post<LinkView>('/admin/cust/get/link/save', { id, status: 1 });
    expect(published.status).toBe(200);
    const link = published.body.data;
    expect(link).toMatchObject({ status: 1, publishing: false, statusReason: null });
    const [qrRule, linkRule] = link.allocationRules;
    expect(qrRule!.configLinkId).toBeTruthy();
    expect(qrRule!.qrCode).toMatch(/^https:\/\//);
    expect(linkRule!.linkUrl).toMatch(new RegExp(`\\?customer_channel=${linkRule!.state}$`));
    expect(link.url).toMatch(/^https:\/\/work\.weixin\.qq\.com\/ca\//);

    let state = await simState(ctx.corp.corpId);
    expect(state.contactWays).toMatchObject([
      { configId: qrRule!.configLinkId, type: 1, user: [a], state: qrRule!.state },
    ]);
    const byId = new Map(state.acquisitionLinks.map((l) => [l.linkId, l]));
    expect(byId.size).toBe(2);
    expect(byId.get(linkRule!.configLinkId!)).toMatchObject({ name: '春季抖音投放', userList: [b] });
    expect(byId.get(link.linkId!)).toMatchObject({ userList: [c], departmentList: [Number(ctx.deptId)] });

    // Replace the QR rule's employee, rename the link: the old contact way goes, a new one comes.
    const edited = await ctx.api.post<LinkView>('/admin/cust/get/link/save', {
      id,
      linkName: '夏季抖音投放',
      allocationRules: [{ userId: d, weight: 2 }, { id: Number(linkRule!.id) }],
    });
    expect(edited.status).toBe(200);
    const [newRule, keptRule] = edited.body.data.allocationRules;
    expect(newRule).toMatchObject({ userId: d, getType: 'qr' });
    expect(keptRule).toMatchObject({ id: linkRule!.id, configLinkId: linkRule!.configLinkId, userId: b });
    state = await simState(ctx.corp.corpId);
    expect(state.contactWays.map((w) => [w.configId, w.user])).toEqual([[newRule!.configLinkId, [d]]]);
    expect(state.acquisitionLinks.map((l) => l.name)).toEqual(['夏季抖音投放', '夏季抖音投放']);

    const unpublished = await ctx.api.post<LinkView>('/admin/cust/get/link/save', { id, status: 0 });
    expect(unpublished.body.data).toMatchObject({ status: 0, url: null, linkId: null, publishing: false });
    expect(unpublished.body.data.allocationRules.map((r) => r.configLinkId)).toEqual([null, null]);
    state = await simState(ctx.corp.corpId);
    expect(state.contactWays).toEqual([]);
    expect(state.acquisitionLinks).toEqual([]);

    await ctx.api.post('/admin/cust/get/link/save', { id, status: 1 });
    expect((await simState(ctx.corp.corpId)).contactWays).toHaveLength(1);
    const deleted = await ctx.api.post<{ deleted: number }>('/admin/cust/get/link/delete', { ids: [id] });
    expect(deleted.body.data.deleted).toBe(1);
    expect((await ctx.api.get(`/admin/cust/get/link/${id}`)).status).toBe(404);
    await waitFor('the deleted link to leave WeCom', async () => {
      const s = await simState(ctx.corp.corpId);
      return s.contactWays.length === 0 && s.acquisitionLinks.length === 0;
    });
  });

  it('answers every bad reference in one Chinese 400 and stores nothing', async () => {
    const ctx = await corpWithAdmin();
    const before = await db('acq_link').where({ corp_id: ctx.corp.corpId }).count({ n: '*' });
    const response = await ctx.api.post('/admin/cust/get/link/save', {
      linkName: '坏链接',
      channelId: '999999999',
      userList: ['nobody'],
      departmentList: ['987654'],
      cstTags: ['no-such-tag'],
      priorityType: 2,
      isSendWelcome: 1,
      mediaIds: ['999999999'],
      allocationRules: [{ userId: ctx.users[0] }, { userId: ctx.users[0] }],
      status: 1,
    });
    expectFields(response, [
      'channelId',
      'userList[0]',
      'departmentList[0]',
      'cstTags',
      'priorityUseridList',
      'mediaIds[0]',
      'allocationRules[1].userId',
    ]);
    expect(response.body.msg).toMatch(/[\u4e00-\u9fff]/);
    const after = await db('acq_link').where({ corp_id: ctx.corp.corpId }).count({ n: '*' });
    expect(after).toEqual(before);

    const unknown = await ctx.api.post('/admin/cust/get/link/save', { id: '999999999', linkName: 'x' });
    expect(unknown.status).toBe(404);
    const noName = await ctx.api.post('/admin/cust/get/link/save', { userList: [ctx.users[0]] });
    expectFields(noName, ['linkName']);
    const emptyWelcome = await ctx.api.post('/admin/cust/get/link/save', { linkName: '欢迎语', isSendWelcome: 1 });
    expectFields(emptyWelcome, ['welcomeContent']);
    const nothingToPublish = await ctx.api.post('/admin/cust/get/link/save', { linkName: '空链接', status: 1 });
    expectFields(nothingToPublish, ['status']);
    const badRule = await ctx.api.post('/admin/cust/get/link/save', {
      linkName: '规则',
      allocationRules: [{ userId: ctx.users[0], workingHours: '9点到6点', getType: 'wechat' }],
    });
    expect(badRule.status).toBe(400);
    const deleteUnknown = await ctx.api.post('/admin/cust/get/link/delete', { ids: ['999999999'] });
    expect(deleteUnknown.status).toBe(404);
  });

  it('keeps states unique per corp', async () => {
    const ctx = await corpWithAdmin();
    const state = uid('s').slice(0, 20);
    const first = await ctx.api.post('/admin/cust/get/link/save', { linkName: '甲', state });
    expect(first.status).toBe(200);
    const second = await ctx.api.post('/admin/cust/get/link/save', { linkName: '乙', state });
    expect(second.status).toBe(409);
    expect(second.body.msg).toContain(state);
    const ruleClash = await ctx.api.post('/admin/cust/get/link/save', {
      linkName: '丙',
      allocationRules: [{ userId: ctx.users[0], state }],
    });
    expect(ruleClash.status).toBe(409);
    expect(await db('acq_link').where({ corp_id: ctx.corp.corpId }).count({ n: '*' })).toEqual([{ n: '1' }]);
  });

  it('marks a link WeCom refuses as abnormal with the reason, and publishes it once fixed', async () => {
    const ctx = await corpWithAdmin();
    await control('POST', `/corps/${ctx.corp.corpId}/faults`, {
      path: 'externalcontact/add_contact_way',
      errcode: 41054,
    });
    const refused = await ctx.api.post<LinkView>('/admin/cust/get/link/save', {
      linkName: '被拒绝',
      allocationRules: [{ userId: ctx.users[0] }],
      status: 1,
    });
    expect(refused.status).toBe(200);
    expect(refused.body.data).toMatchObject({ status: 2, publishing: false });
    expect(refused.body.data.statusReason).toContain('41054');

    await control('DELETE', `/corps/${ctx.corp.corpId}/faults`);
    const retried = await ctx.api.post<LinkView>('/admin/cust/get/link/save', { id: refused.body.data.id });
    expect(retried.body.data).toMatchObject({ status: 1, statusReason: null, publishing: false });
    expect(retried.body.data.allocationRules[0]!.configLinkId).toBeTruthy();
  });

  it('retries WeCom outages durably, and publishes a saved link whose request never reached Temporal', async () => {
    const ctx = await corpWithAdmin();
    await control('POST', `/corps/${ctx.corp.corpId}/faults`, {
      path: 'externalcontact/customer_acquisition/create_link',
      errcode: -1,
      count: 3,
    });
    const saved = await ctx.api.post<LinkView>('/admin/cust/get/link/save', {
      linkName: '重试',
      allocationRules: [{ userId: ctx.users[0], getType: 'link' }],
      status: 1,
    });
    expect(saved.status).toBe(200);
    const id = saved.body.data.id;
    const done = await waitFor('publishing through the outage', async () => {
      const got = await ctx.api.get<LinkView>(`/admin/cust/get/link/${id}`);
      return got.body.data.publishing ? undefined : got.body.data;
    });
    expect(done).toMatchObject({ status: 1, statusReason: null });
    expect(done.allocationRules[0]!.linkUrl).toContain('customer_channel=');
    expect((await simState(ctx.corp.corpId)).acquisitionLinks).toHaveLength(2);

    // A save committed while Temporal could not be asked: only the sweep knows about it.
    const draft = await ctx.api.post<LinkView>('/admin/cust/get/link/save', {
      linkName: '漏发',
      allocationRules: [{ userId: ctx.users[1] }],
    });
    await db('acq_link').where({ id: draft.body.data.id }).update({ status: 1, generation: 1 });
    const swept = await waitFor('the sweep to publish the link', async () => {
      const got = await ctx.api.get<LinkView>(`/admin/cust/get/link/${draft.body.data.id}`);
      // The rule's contact way is written a moment before the publish is marked finished.
      return got.body.data.allocationRules[0]!.configLinkId && !got.body.data.publishing ? got.body.data : undefined;
    });
    expect(swept.status).toBe(1);
    const ways = (await simState(ctx.corp.corpId)).contactWays;
    expect(ways.map((w) => w.user)).toEqual([[ctx.users[1]]]);
  });
});
