import { DateTime } from 'luxon';
import type { Db } from '../../src/db/knex';
import { acquisitionCorp, saveAndPublishLink, type AcquisitionCorp } from '../helpers/acquisition';
import { testDb } from '../helpers/factories';
import { waitFor } from '../helpers/wait';
import { control } from '../helpers/wecom';

interface Counts {
  adds: number;
  deletions: number;
  net: number;
}
interface StatsView {
  from: string;
  to: string;
  timeZone: string;
  total: Counts;
  byDay: Array<{ day: string } & Counts>;
  byEmployee: Array<{ userid: string; employeeName: string | null } & Counts>;
}
interface LinkView {
  id: string;
  publishing: boolean;
  allocationRules: Array<{ id: string; userId: string; configLinkId: string | null }>;
}
interface Scan {
  done: { userid: string; externalUserid: string };
}

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(async () => db.destroy());

const today = () => DateTime.now().setZone('Asia/Shanghai').toISODate() as string;
const daysAgo = (n: number) => DateTime.now().setZone('Asia/Shanghai').minus({ days: n }).toISODate() as string;

/** A published link with one QR rule per employee given, in a channel. */
async function publishedLink(ctx: AcquisitionCorp, channelId: string, users: string[]): Promise<LinkView> {
  const saved = await saveAndPublishLink<LinkView>(ctx, {
    linkName: `统计链接${users.length}`,
    channelId: Number(channelId),
    allocationRules: users.map((userId) => ({ userId, weight: 1, getType: 'qr' })),
    userList: users,
  });
  expect(saved.allocationRules.every((r) => r.configLinkId)).toBe(true);
  return saved;
}

/** A customer scans a rule's code and adds its employee; resolves once the add is attributed. */
async function scanned(ctx: AcquisitionCorp, configId: string): Promise<Scan['done']> {
  const scan = await control<Scan>('POST', `/corps/${ctx.corp.corpId}/actions/customer-scans`, { configId });
  await waitFor(
    'the add to be attributed',
    async () =>
      (await db('acq_attribution')
        .where({ corp_id: ctx.corp.corpId, external_userid: scan.done.externalUserid })
        .first()) ?? undefined,
  );
  return scan.done;
}

describe('acquisition stats', () => {
  it('counts adds, deletions and net per day and per employee, of a link, its channel and the corp', async () => {
    const ctx = await acquisitionCorp(db);
    const [a, b, c] = ctx.users as [string, string, string];
    const link = await publishedLink(ctx, ctx.channelId, [a, b]);
    const [ruleA, ruleB] = link.allocationRules as [LinkView['allocationRules'][0], LinkView['allocationRules'][0]];
    const otherSaved = await ctx.api.post<{ id: string }>('/admin/channel/save', { name: '线下海报', type: 'poster' });
    expect(otherSaved.status).toBe(200);
    const otherChannel = otherSaved.body.data.id;
    const other = await publishedLink(ctx, otherChannel, [c]);

    const first = await scanned(ctx, ruleA.configLinkId!);
    await scanned(ctx, ruleA.configLinkId!);
    await scanned(ctx, ruleB.configLinkId!);
    await scanned(ctx, other.allocationRules[0]!.configLinkId!);
    // The customer deletes the employee: the friendship the link made ends today.
    await control('POST', `/corps/${ctx.corp.corpId}/actions/customer-deletes-employee`, first);
    await waitFor(
      'the relation to end in the mirror',
      async () =>
        (await db('wecom_relation')
          .where({ corp_id: ctx.corp.corpId, userid: first.userid, external_userid: first.externalUserid })
          .whereNot({ status: 0 })
          .first()) ?? undefined,
    );

    const range = { from: daysAgo(2), to: today() };
    const ofLink = await ctx.api.post<StatsView>('/admin/cust/get/link/stats', { linkId: link.id, ...range });
    expect(ofLink.status).toBe(200);
    expect(ofLink.body.data).toMatchObject({ from: range.from, to: range.to, timeZone: 'Asia/Shanghai' });
    expect(ofLink.body.data.total).toEqual({ adds: 3, deletions: 1, net: 2 });
    expect(ofLink.body.data.byDay).toEqual([
      { day: daysAgo(2), adds: 0, deletions: 0, net: 0 },
      { day: daysAgo(1), adds: 0, deletions: 0, net: 0 },
      { day: today(), adds: 3, deletions: 1, net: 2 },
    ]);
    expect(ofLink.body.data.byEmployee).toEqual([
      { userid: a, employeeName: expect.any(String), adds: 2, deletions: 1, net: 1 },
      { userid: b, employeeName: expect.any(String), adds: 1, deletions: 0, net: 1 },
    ]);

    const ofChannel = await ctx.api.post<StatsView>('/admin/cust/get/link/stats', {
      channelId: ctx.channelId,
      ...range,
    });
    expect(ofChannel.body.data.total).toEqual({ adds: 3, deletions: 1, net: 2 });
    const ofOther = await ctx.api.post<StatsView>('/admin/cust/get/link/stats', { channelId: otherChannel, ...range });
    expect(ofOther.body.data.total).toEqual({ adds: 1, deletions: 0, net: 1 });
    expect(ofOther.body.data.byEmployee.map((e) => e.userid)).toEqual([c]);
    const ofCorp = await ctx.api.post<StatsView>('/admin/cust/get/link/stats', range);
    expect(ofCorp.body.data.total).toEqual({ adds: 4, deletions: 1, net: 3 });
    const ofB = await ctx.api.post<StatsView>('/admin/cust/get/link/stats', { linkId: link.id, userid: b, ...range });
    expect(ofB.body.data.total).toEqual({ adds: 1, deletions: 0, net: 1 });
    // Yesterday alone saw nothing.
    const yesterday = await ctx.api.post<StatsView>('/admin/cust/get/link/stats', {
      linkId: link.id,
      from: daysAgo(1),
      to: daysAgo(1),
    });
    expect(yesterday.body.data.total).toEqual({ adds: 0, deletions: 0, net: 0 });

    // A deleted link's history stays readable.
    expect((await ctx.api.post('/admin/cust/get/link/delete', { ids: [link.id] })).status).toBe(200);
    const afterDelete = await ctx.api.post<StatsView>('/admin/cust/get/link/stats', { linkId: link.id, ...range });
    expect(afterDelete.body.data.total).toEqual({ adds: 3, deletions: 1, net: 2 });
  });

  it('refuses a link and a channel together, unknown ones and bad ranges, in Chinese', async () => {
    const ctx = await acquisitionCorp(db);
    const range = { from: daysAgo(1), to: today() };
    const both = await ctx.api.post('/admin/cust/get/link/stats', { linkId: '1', channelId: ctx.channelId, ...range });
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.body)).toContain('linkId 和 channelId 只能填一个');
    const unknown = await ctx.api.post<unknown>('/admin/cust/get/link/stats', { linkId: '987654321987', ...range });
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toContain('获客链接');
    const unknownChannel = await ctx.api.post('/admin/cust/get/link/stats', { channelId: '987654321987', ...range });
    expect(unknownChannel.status).toBe(400);
    const backwards = await ctx.api.post('/admin/cust/get/link/stats', { from: today(), to: daysAgo(3) });
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(backwards.body)).toContain('不能早于 from');
    const tooLong = await ctx.api.post('/admin/cust/get/link/stats', { from: daysAgo(400), to: today() });
    expect(tooLong.status).toBe(400);
  });
});
