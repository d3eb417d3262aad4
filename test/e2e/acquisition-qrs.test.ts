import { Client, Connection } from '@temporalio/client';
import { DateTime } from 'luxon';
import pino from 'pino';
import type { Db } from '../../src/db/knex';
import { NOBODY_ELIGIBLE_NOTE, recomputeQrMembers } from '../../src/domain/acquisition/publish-acq-qr';
import { acqLinkPublishWorkflowId } from '../../src/temporal/names';
import { createWecomApiFactory, type WecomClientFactory } from '../../src/wecom/client-factory';
import { acquisitionCorp, type AcquisitionCorp } from '../helpers/acquisition';
import { testDb, uid } from '../helpers/factories';
import { seedRelation } from '../helpers/mirror-tags-groups';
import { sharedTemporalAddress } from '../helpers/env';
import { waitFor } from '../helpers/wait';
import { control, simulatorUrl } from '../helpers/wecom';

interface QrView {
  id: string;
  name: string;
  type: string;
  members: Array<{
    id: string;
    userId: string;
    weight: number;
    dailyLimit: number | null;
    workingHours: string | null;
  }>;
  departmentList: string[];
  state: string;
  status: number;
  statusReason: string | null;
  publishing: boolean;
  configId: string | null;
  qrCode: string | null;
  activeMembers: string[] | null;
  membersNote: string | null;
  [field: string]: unknown;
}
interface Way {
  configId: string;
  type: number;
  scene: number;
  user: string[];
  party: number[];
  state?: string;
  skipVerify: boolean;
  remark?: string;
}
interface Stats {
  apiCalls: { byPath: Record<string, number> };
}

let db: Db;
let wecom: WecomClientFactory;
beforeAll(() => {
  db = testDb();
  wecom = createWecomApiFactory(db, { baseUrl: `${simulatorUrl}/cgi-bin/`, logger: pino({ level: 'silent' }) });
});
afterAll(async () => db.destroy());

const ways = async (corpId: string) =>
  (await control<{ contactWays: Way[] }>('GET', `/corps/${corpId}/state?sections=contactWays`)).contactWays;
const callsTo = async (corpId: string, endpoint: string) => {
  const stats = await control<Stats>('GET', `/corps/${corpId}/stats`);
  return Object.entries(stats.apiCalls.byPath)
    .filter(([path]) => path.endsWith(endpoint))
    .reduce((n, [, count]) => n + count, 0);
};
const save = (ctx: AcquisitionCorp, body: Record<string, unknown>) =>
  ctx.api.post<QrView>('/admin/cust/get/qr/save', body);

/** "HH:mm:ss-HH:mm:ss" in Asia/Shanghai: open since an hour ago, closing `seconds` from now. */
function closingIn(seconds: number): string {
  const now = DateTime.now().setZone('Asia/Shanghai');
  const f = (t: DateTime) => t.toFormat('HH:mm:ss');
  return `${f(now.minus({ hours: 1 }))}-${f(now.plus({ seconds }))}`;
}

describe('channel QR codes', () => {
  it('round-trips a draft, pages it, and creates nothing in WeCom', async () => {
    const ctx = await acquisitionCorp(db);
    const [a, b] = ctx.users;
    const saved = await save(ctx, {
      name: '门店海报',
      channelId: ctx.channelId,
      type: 'multi',
      members: [
        { userId: a, weight: 2, dailyLimit: 30, roundLimit: 3, workingHours: '09:00-18:00' },
        { userId: b, dailyLimit: 0 },
      ],
      departmentList: [ctx.deptId],
      skipVerify: false,
      cstTags: [ctx.tagId],
      isSendWelcome: 1,
      welcomeContent: '欢迎光临！',
      remark: '一楼入口',
    });
    expect(saved.status).toBe(200);
    const code = saved.body.data;
    expect(code).toMatchObject({
      name: '门店海报',
      channelId: ctx.channelId,
      channelType: 'ad',
      type: 'multi',
      departmentList: [ctx.deptId],
      state: `qc${code.id}`,
      skipVerify: false,
      cstTags: [ctx.tagId],
      isSendWelcome: 1,
      welcomeContent: '欢迎光临！',
      remark: '一楼入口',
      status: 0,
      publishing: false,
      configId: null,
      activeMembers: null,
    });
    expect(code.members).toMatchObject([
      { userId: a, weight: 2, dailyLimit: 30, roundLimit: 3, workingHours: '09:00-18:00' },
      { userId: b, weight: 1, dailyLimit: null, roundLimit: null, workingHours: null },
    ]);
    expect((await ctx.api.get<QrView>(`/admin/cust/get/qr/${code.id}`)).body.data).toEqual(code);
    const page = await ctx.api.post<{ list: QrView[]; total: number }>('/admin/cust/get/qr/page', { userId: b });
    expect(page.body.data.list).toEqual([code]);
    // The state is claimed like a link's, so an add through it is attributed to the code.
    expect(await db('acq_state').where({ corp_id: ctx.corp.corpId, state: code.state }).first()).toMatchObject({
      link_id: code.id,
    });
    // Codes are not links.
    const links = await ctx.api.post<{ total: number }>('/admin/cust/get/link/page', {});
    expect(links.body.data.total).toBe(0);
    expect((await ctx.api.get(`/admin/cust/get/link/${code.id}`)).status).toBe(404);
    expect(await ways(ctx.corp.corpId)).toEqual([]);

    const deleted = await ctx.api.post<{ deleted: number }>('/admin/cust/get/qr/delete', { ids: [code.id] });
    expect(deleted.body.data.deleted).toBe(1);
    expect((await ctx.api.get(`/admin/cust/get/qr/${code.id}`)).status).toBe(404);
    expect(await callsTo(ctx.corp.corpId, 'contact_way')).toBe(0);
  });

  it('publishes one contact way, updates it on edit, and removes it when unpublished or deleted', async () => {
    const ctx = await acquisitionCorp(db);
    const [a, b] = ctx.users;
    const published = await save(ctx, {
      name: '单人活码',
      type: 'single',
      members: [{ userId: a }],
      skipVerify: true,
      status: 1,
    });
    expect(published.status).toBe(200);
    const code = published.body.data;
    expect(code).toMatchObject({ status: 1, publishing: false, statusReason: null, activeMembers: [a] });
    expect(code.qrCode).toMatch(/^https:\/\//);
    expect(await ways(ctx.corp.corpId)).toMatchObject([
      { configId: code.configId, type: 1, scene: 2, user: [a], state: code.state, skipVerify: true },
    ]);

    const edited = await save(ctx, { id: code.id, members: [{ userId: b }], skipVerify: false, remark: '换人' });
    expect(edited.body.data).toMatchObject({ configId: code.configId, activeMembers: [b], publishing: false });
    expect(await ways(ctx.corp.corpId)).toMatchObject([
      { configId: code.configId, user: [b], skipVerify: false, remark: '换人' },
    ]);
    expect(await callsTo(ctx.corp.corpId, 'update_contact_way')).toBe(1);
    const retype = await save(ctx, { id: code.id, type: 'multi' });
    expect(retype.status).toBe(400);
    expect((retype.body.data as unknown as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual([
      'type',
    ]);

    const unpublished = await save(ctx, { id: code.id, status: 0 });
    expect(unpublished.body.data).toMatchObject({ status: 0, configId: null, qrCode: null, publishing: false });
    expect(await ways(ctx.corp.corpId)).toEqual([]);

    await save(ctx, { id: code.id, status: 1 });
    expect(await ways(ctx.corp.corpId)).toHaveLength(1);
    await ctx.api.post('/admin/cust/get/qr/delete', { ids: [code.id] });
    await waitFor('the deleted code to leave WeCom', async () => (await ways(ctx.corp.corpId)).length === 0);
  });

  it('answers every bad field in one Chinese 400 and stores nothing', async () => {
    const ctx = await acquisitionCorp(db);
    const [a] = ctx.users;
    const before = await db('acq_link').where({ corp_id: ctx.corp.corpId }).count({ n: '*' });
    const response = await save(ctx, {
      name: '坏活码',
      channelId: '999999999',
      type: 'single',
      members: [{ userId: 'nobody' }, { userId: a }, { userId: a }],
      departmentList: ['987654'],
      cstTags: ['no-such-tag'],
      isSendWelcome: 1,
      mediaIds: ['999999999'],
      status: 1,
    });
    expect(response.status).toBe(400);
    const fields = (response.body.data as unknown as { errors: Array<{ field: string }> }).errors
      .map((e) => e.field)
      .sort();
    expect(fields).toEqual(
      [
        'channelId',
        'members[0].userId',
        'members[2].userId',
        'members',
        'departmentList',
        'departmentList[0]',
        'cstTags',
        'mediaIds[0]',
      ].sort(),
    );
    expect(response.body.msg).toMatch(/[\u4e00-\u9fff]/);
    expect(await db('acq_link').where({ corp_id: ctx.corp.corpId }).count({ n: '*' })).toEqual(before);
    expect(await ways(ctx.corp.corpId)).toEqual([]);

    const state = uid('s').slice(0, 20);
    expect((await save(ctx, { name: '甲', state })).status).toBe(200);
    const clash = await save(ctx, { name: '乙', state });
    expect(clash.status).toBe(409);
    expect(clash.body.msg).toContain(state);
    const nothing = await save(ctx, { name: '空', type: 'multi', status: 1 });
    expect(nothing.status).toBe(400);
  });

  it('marks a code WeCom refuses as abnormal with the reason, and publishes it once fixed', async () => {
    const ctx = await acquisitionCorp(db);
    await control('POST', `/corps/${ctx.corp.corpId}/faults`, {
      path: 'externalcontact/add_contact_way',
      errcode: 41054,
    });
    const refused = await save(ctx, { name: '未激活', members: [{ userId: ctx.users[0] }], status: 1 });
    expect(refused.body.data).toMatchObject({ status: 2, publishing: false, configId: null });
    expect(refused.body.data.statusReason).toContain('41054');
    await control('DELETE', `/corps/${ctx.corp.corpId}/faults`);
    const retried = await save(ctx, { id: refused.body.data.id });
    expect(retried.body.data).toMatchObject({ status: 1, statusReason: null, publishing: false });
    expect(await ways(ctx.corp.corpId)).toHaveLength(1);
  });

  it('drops a member from a multi-person code when their working window closes', async () => {
    const ctx = await acquisitionCorp(db);
    const [a, b] = ctx.users;
    const published = await save(ctx, {
      name: '下班就换人',
      type: 'multi',
      members: [{ userId: a, workingHours: closingIn(20) }, { userId: b }],
      status: 1,
    });
    const code = published.body.data;
    expect(code.activeMembers).toEqual([a, b]);
    expect(await ways(ctx.corp.corpId)).toMatchObject([{ type: 2, scene: 2, user: [a, b], state: code.state }]);

    // A re-run that finds the same list calls nothing.
    const connection = await Connection.connect({ address: sharedTemporalAddress });
    try {
      await new Client({ connection }).workflow.getHandle(acqLinkPublishWorkflowId(code.id)).signal('linkChanged');
    } finally {
      await connection.close();
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(await callsTo(ctx.corp.corpId, 'update_contact_way')).toBe(0);

    await waitFor(
      'the closed window to take the member off the code',
      async () => {
        const [way] = await ways(ctx.corp.corpId);
        return way && way.user.length === 1 ? way : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect((await ways(ctx.corp.corpId))[0]!.user).toEqual([b]);
    expect(await callsTo(ctx.corp.corpId, 'update_contact_way')).toBe(1);
    expect((await ctx.api.get<QrView>(`/admin/cust/get/qr/${code.id}`)).body.data.activeMembers).toEqual([b]);
    await ctx.api.post('/admin/cust/get/qr/delete', { ids: [code.id] });
    await waitFor('the code to leave WeCom', async () => (await ways(ctx.corp.corpId)).length === 0);
  }, 90_000);

  it('drops a member who reached the daily limit, and keeps the last list when nobody is left', async () => {
    const ctx = await acquisitionCorp(db);
    const [a, b] = ctx.users as [string, string];
    const published = await save(ctx, {
      name: '限额活码',
      type: 'multi',
      members: [
        { userId: a, dailyLimit: 1 },
        { userId: b, dailyLimit: 2 },
      ],
      status: 1,
    });
    const code = published.body.data;
    expect(code.activeMembers).toEqual([a, b]);
    const api = await wecom(ctx.corp.corpId);
    const added = async (userid: string, when = new Date()) => {
      const externalUserid = uid('wm');
      await seedRelation(db, ctx.corp.corpId, { externalUserid, userid });
      await db('wecom_relation')
        .where({ corp_id: ctx.corp.corpId, external_userid: externalUserid })
        .update({ state: code.state, add_time: when });
    };

    // Under every limit: same list, no WeCom call.
    await added(b, DateTime.now().minus({ days: 2 }).toJSDate());
    expect(await recomputeQrMembers(db, api, code.id)).toEqual({ changed: false, users: [a, b] });
    expect(await callsTo(ctx.corp.corpId, 'update_contact_way')).toBe(0);

    await added(a);
    expect(await recomputeQrMembers(db, api, code.id)).toEqual({ changed: true, users: [b] });
    expect((await ways(ctx.corp.corpId))[0]!.user).toEqual([b]);
    expect(await recomputeQrMembers(db, api, code.id)).toEqual({ changed: false, users: [b] });
    expect(await callsTo(ctx.corp.corpId, 'update_contact_way')).toBe(1);

    await added(b);
    await added(b);
    expect(await recomputeQrMembers(db, api, code.id)).toEqual({ changed: false, users: [b] });
    expect((await ways(ctx.corp.corpId))[0]!.user).toEqual([b]);
    expect(await callsTo(ctx.corp.corpId, 'update_contact_way')).toBe(1);
    const got = (await ctx.api.get<QrView>(`/admin/cust/get/qr/${code.id}`)).body.data;
    expect(got).toMatchObject({ activeMembers: [b], membersNote: NOBODY_ELIGIBLE_NOTE });
    await ctx.api.post('/admin/cust/get/qr/delete', { ids: [code.id] });
    await waitFor('the code to leave WeCom', async () => (await ways(ctx.corp.corpId)).length === 0);
  });

  it('takes a member who had their round out of the code, and puts everyone back when the round is over', async () => {
    const ctx = await acquisitionCorp(db);
    const [a, b] = ctx.users as [string, string];
    const code = (
      await save(ctx, {
        name: '轮次活码',
        type: 'multi',
        members: [
          { userId: a, roundLimit: 1 },
          { userId: b, roundLimit: 2 },
        ],
        status: 1,
      })
    ).body.data;
    expect(code.activeMembers).toEqual([a, b]);
    const api = await wecom(ctx.corp.corpId);
    // Adds a second in the past by default: a round that starts at the next recompute must not count them.
    const added = async (userid: string, when = new Date(Date.now() - 1000)) => {
      const externalUserid = uid('wm');
      await seedRelation(db, ctx.corp.corpId, { externalUserid, userid });
      await db('wecom_relation')
        .where({ corp_id: ctx.corp.corpId, external_userid: externalUserid })
        .update({ state: code.state, add_time: when });
    };
    const roundStart = async () =>
      ((await db('acq_link').where({ id: code.id }).first()) as { round_started_at: Date | null }).round_started_at;

    await added(a);
    expect(await recomputeQrMembers(db, api, code.id)).toEqual({ changed: true, users: [b] });
    await added(b);
    expect(await recomputeQrMembers(db, api, code.id)).toEqual({ changed: false, users: [b] });
    expect(await roundStart()).toBeNull();
    await added(b);
    // Both had their round: the next one starts with both of them, in WeCom too.
    expect(await recomputeQrMembers(db, api, code.id)).toEqual({ changed: true, users: [a, b] });
    expect((await ways(ctx.corp.corpId))[0]!.user).toEqual([a, b]);
    const started = (await roundStart())!;
    expect(started).toBeInstanceOf(Date);
    // The new round counts only the adds after its start.
    await added(b, new Date(started.getTime() + 1));
    expect(await recomputeQrMembers(db, api, code.id)).toEqual({ changed: false, users: [a, b] });
    await added(a, new Date(started.getTime() + 2));
    expect(await recomputeQrMembers(db, api, code.id)).toEqual({ changed: true, users: [b] });
    expect(await callsTo(ctx.corp.corpId, 'update_contact_way')).toBe(3);
    await ctx.api.post('/admin/cust/get/qr/delete', { ids: [code.id] });
    await waitFor('the code to leave WeCom', async () => (await ways(ctx.corp.corpId)).length === 0);
  });

  it('attributes a scan of a multi-person code, and a member at the daily limit leaves the code at once', async () => {
    const ctx = await acquisitionCorp(db);
    const [a, b] = ctx.users as [string, string];
    const published = await save(ctx, {
      name: '扫码限额',
      type: 'multi',
      channelId: Number(ctx.channelId),
      members: [
        { userId: a, weight: 1, dailyLimit: 1 },
        { userId: b, weight: 1 },
      ],
      status: 1,
    });
    const code = published.body.data;
    expect(code.activeMembers).toEqual([a, b]);
    // The simulator picks among the members by its own rule; scan until `a` got a customer.
    let scans = 0;
    for (;;) {
      scans++;
      const scanned = await control<{ done: { userid: string; externalUserid: string } }>(
        'POST',
        `/corps/${ctx.corp.corpId}/actions/customer-scans`,
        { configId: code.configId },
      );
      await waitFor(
        'the scan to be attributed',
        async () =>
          (await db('acq_attribution')
            .where({ corp_id: ctx.corp.corpId, external_userid: scanned.done.externalUserid })
            .first()) ?? undefined,
      );
      if (scanned.done.userid === a || scans >= 6) break;
    }
    await waitFor('member a to leave the code in WeCom', async () => {
      const [way] = await ways(ctx.corp.corpId);
      return way !== undefined && way.user.length === 1 && way.user[0] === b;
    });
    const attributed = await db('acq_attribution').where({ corp_id: ctx.corp.corpId, link_id: code.id });
    expect(attributed).toHaveLength(scans);
    expect(attributed.every((r: { channel_id: string }) => String(r.channel_id) === ctx.channelId)).toBe(true);
    const got = (await ctx.api.get<QrView>(`/admin/cust/get/qr/${code.id}`)).body.data;
    expect(got.activeMembers).toEqual([b]);
  });
});
