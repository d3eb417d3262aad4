import { DateTime } from 'luxon';
import type { Db } from '../../src/db/knex';
import { acquisitionCorp, saveAndPublishLink, type AcquisitionCorp } from '../helpers/acquisition';
import { sharedApiUrl } from '../helpers/env';
import { createPartner, testDb, uid } from '../helpers/factories';
import { call, inParallel } from '../helpers/http';
import { seedCustomer, seedRelation } from '../helpers/mirror-tags-groups';

interface Hit {
  hit: boolean;
  ruleId: string | null;
  userId: string | null;
  getType: string | null;
  qrCode: string | null;
  linkUrl: string | null;
  friend: boolean;
  reason: string | null;
  reasonText: string | null;
  fallbackUrl: string | null;
}
interface LinkView {
  id: string;
  url: string | null;
  state: string;
  status: number;
  publishing: boolean;
  allocationRules: Array<{ id: string; userId: string; qrCode: string | null; linkUrl: string | null }>;
}

let db: Db;
let secretKey: string;
beforeAll(async () => {
  db = testDb();
  secretKey = (await createPartner(db)).secretKey;
});
afterAll(async () => db.destroy());

const ask = (linkId: string, visitor: Record<string, string> = {}, key = secretKey) =>
  call<Hit>(sharedApiUrl, 'POST', '/api-scrm/openapi/link/allocationHit', {
    body: { secretKey: key, linkId, ...visitor },
    headers: { 'accept-language': 'zh-CN' },
  });

async function publishedLink(ctx: AcquisitionCorp, body: Record<string, unknown>): Promise<LinkView> {
  const saved = await saveAndPublishLink<LinkView>(ctx, { linkName: uid('链接'), ...body });
  expect(saved).toMatchObject({ status: 1, publishing: false });
  return saved;
}

function countBy(hits: Hit[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const h of hits) {
    const key = h.hit ? (h.userId as string) : `miss:${h.reason}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** A working-hours window that is closed now in Asia/Shanghai (it opens in six hours). */
function closedWindow(): string {
  const start = DateTime.now().setZone('Asia/Shanghai').plus({ hours: 6 });
  const end = start.plus({ hours: 1 });
  return `${start.toFormat('HH:mm')}-${end.toFormat('HH:mm')}`;
}

describe('allocation at scan time', () => {
  it('shares visitors by weight and answers each rule’s own code or link', async () => {
    const ctx = await acquisitionCorp(db);
    const [a, b, c] = ctx.users;
    const link = await publishedLink(ctx, {
      allocationRules: [
        { userId: a, weight: 3 },
        { userId: b, weight: 2, getType: 'link' },
        { userId: c, weight: 1 },
      ],
    });
    const hits = (await inParallel(1200, 16, () => ask(link.id))).map((r) => r.body.data);
    const counts = countBy(hits);
    // The engine rotates smoothly: shares match the weights to within one visitor per rule.
    expect(Math.abs(counts[a!]! - 600)).toBeLessThanOrEqual(1);
    expect(Math.abs(counts[b!]! - 400)).toBeLessThanOrEqual(1);
    expect(Math.abs(counts[c!]! - 200)).toBeLessThanOrEqual(1);
    const ruleOf = new Map(link.allocationRules.map((r) => [r.userId, r]));
    const toB = hits.find((h) => h.userId === b)!;
    expect(toB).toMatchObject({ getType: 'link', linkUrl: ruleOf.get(b!)!.linkUrl, qrCode: null });
    expect(hits.find((h) => h.userId === a)).toMatchObject({ getType: 'qr', qrCode: ruleOf.get(a!)!.qrCode });
    const stored = await db('acq_rule_day').whereIn(
      'rule_id',
      link.allocationRules.map((r) => r.id),
    );
    expect(stored.reduce((sum: number, r: { hits: number }) => sum + r.hits, 0)).toBe(1200);
  });

  it('never exceeds a daily, round or link limit under 64 concurrent calls', async () => {
    const ctx = await acquisitionCorp(db);
    const [a, b, c] = ctx.users;
    const capped = await publishedLink(ctx, {
      allocationRules: [
        { userId: a, weight: 1, dailyLimit: 5 },
        { userId: b, weight: 1, dailyLimit: 7 },
      ],
    });
    const first = (await inParallel(64, 64, () => ask(capped.id))).map((r) => r.body.data);
    expect(countBy(first)).toEqual({ [a!]: 5, [b!]: 7, 'miss:DAILY_LIMIT_REACHED': 52 });
    expect(first.find((h) => !h.hit)).toMatchObject({
      reasonText: '成员今日可添加的客户数已满',
      fallbackUrl: `${capped.url}?customer_channel=${capped.state}`,
    });

    const total = await publishedLink(ctx, {
      dailyLimit: 9,
      allocationRules: [
        { userId: a, weight: 1 },
        { userId: c, weight: 1 },
      ],
    });
    const second = (await inParallel(64, 64, () => ask(total.id))).map((r) => r.body.data);
    const totals = countBy(second);
    expect(totals['miss:LINK_DAILY_LIMIT_REACHED']).toBe(55);
    expect(totals[a!]! + totals[c!]!).toBe(9);

    // Round limits: nobody gets a third visitor of a round before everyone has had two.
    const rounds = await publishedLink(ctx, {
      allocationRules: [
        { userId: a, weight: 5, roundLimit: 2 },
        { userId: b, weight: 1, roundLimit: 2 },
      ],
    });
    const sequence: string[] = [];
    for (let i = 0; i < 12; i++) sequence.push((await ask(rounds.id)).body.data.userId as string);
    for (let round = 0; round < 3; round++) {
      const slice = sequence.slice(round * 4, round * 4 + 4);
      expect(slice.filter((u) => u === a)).toHaveLength(2);
      expect(slice.filter((u) => u === b)).toHaveLength(2);
    }
  });

  it('skips employees outside their working hours and says so when nobody is open', async () => {
    const ctx = await acquisitionCorp(db);
    const [a, b] = ctx.users;
    const closed = closedWindow();
    const link = await publishedLink(ctx, {
      allocationRules: [
        { userId: a, weight: 10, workingHours: closed },
        { userId: b, weight: 1 },
      ],
    });
    const hits = (await inParallel(20, 4, () => ask(link.id))).map((r) => r.body.data);
    expect(countBy(hits)).toEqual({ [b!]: 20 });

    const allClosed = await publishedLink(ctx, { allocationRules: [{ userId: a, workingHours: closed }] });
    const miss = (await ask(allClosed.id)).body.data;
    expect(miss).toMatchObject({
      hit: false,
      reason: 'OUTSIDE_WORKING_HOURS',
      reasonText: '当前不在成员的工作时间',
      fallbackUrl: `${allClosed.url}?customer_channel=${allClosed.state}`,
    });
  });

  it('hands a known visitor to the employee already their friend', async () => {
    const ctx = await acquisitionCorp(db);
    const [a, b, c] = ctx.users;
    const visitor = await seedCustomer(db, ctx.corp.corpId);
    await db('wecom_customer')
      .where({ corp_id: ctx.corp.corpId, external_userid: visitor })
      .update({ unionid: 'o-union-1' });
    await seedRelation(db, ctx.corp.corpId, { externalUserid: visitor, userid: c! });
    const rules = [
      { userId: a, weight: 10 },
      { userId: b, weight: 10 },
      { userId: c, weight: 1 },
    ];
    const corpWide = await publishedLink(ctx, { priorityType: 1, allocationRules: rules });
    for (let i = 0; i < 3; i++) {
      expect((await ask(corpWide.id, { externalUserid: visitor })).body.data).toMatchObject({
        userId: c,
        friend: true,
      });
    }
    expect((await ask(corpWide.id, { unionid: 'o-union-1' })).body.data).toMatchObject({ userId: c, friend: true });
    expect((await ask(corpWide.id, { externalUserid: 'wm-stranger' })).body.data).toMatchObject({ friend: false });

    const listed = await publishedLink(ctx, { priorityType: 2, priorityUseridList: [a], allocationRules: rules });
    expect((await ask(listed.id, { externalUserid: visitor })).body.data.friend).toBe(false);
    const none = await publishedLink(ctx, { allocationRules: rules });
    expect((await ask(none.id, { externalUserid: visitor })).body.data.friend).toBe(false);
  });

  it('refuses unknown links, drafts and bad keys with clear errors', async () => {
    const ctx = await acquisitionCorp(db);
    const draft = await ctx.api.post<LinkView>('/admin/cust/get/link/save', {
      linkName: '草稿',
      allocationRules: [{ userId: ctx.users[0] }],
    });
    const notPublished = await ask(draft.body.data.id);
    expect(notPublished.status).toBe(409);
    expect(notPublished.body.msg).toContain('未发布');
    expect((await ask('999999999')).status).toBe(404);
    expect((await ask(draft.body.data.id, {}, 'sk_nope')).status).toBe(401);
    expect(
      await db('acq_rule_day').whereIn(
        'rule_id',
        db('acq_link_rule').where({ link_id: draft.body.data.id }).select('id'),
      ),
    ).toEqual([]);
  });
});
