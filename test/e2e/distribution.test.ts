import { DateTime } from 'luxon';
import type { Db } from '../../src/db/knex';
import type { ClueRow } from '../../src/db/queries/clues';
import { sharedApiUrl } from '../helpers/env';
import { clueBody, createAdmin, createPartner, createPolicy, testDb, uid } from '../helpers/factories';
import { call, inParallel } from '../helpers/http';
import { seedEmployee } from '../helpers/mirror-tags-groups';
import { waitFor } from '../helpers/wait';

const COLLECT = '/api-scrm/openapi/clue/collect';

describe('clue distribution', () => {
  let db: Db;
  let token: string;

  beforeAll(async () => {
    db = testDb();
    token = (await createAdmin(db, sharedApiUrl)).token;
  });
  afterAll(async () => db.destroy());

  async function postClues(secretKey: string, count: number, concurrency: number): Promise<string[]> {
    const ids = await inParallel(count, concurrency, async () => {
      const body = clueBody(secretKey);
      const response = await call(sharedApiUrl, 'POST', COLLECT, { body });
      expect(response.status).toBe(200);
      return body['businessId'] as string;
    });
    return ids;
  }

  const statusCounts = async (partnerId: string) =>
    Object.fromEntries(
      (
        (await db('clue')
          .where({ partner_id: partnerId })
          .groupBy('status')
          .select('status')
          .count({ n: '*' })) as Array<{
          status: string;
          n: string;
        }>
      ).map((r) => [r.status, Number(r.n)]),
    ) as Record<string, number>;

  /** Waits until the partner's clue (or the one with `businessId`) reaches `status`, and returns its row. */
  const clueReaching = (
    status: string,
    partnerId: string,
    options: { businessId?: string; timeoutMs?: number } = {},
  ): Promise<ClueRow> =>
    waitFor(
      `clue to be ${status}`,
      async () => {
        const where: Record<string, string> = { partner_id: partnerId };
        if (options.businessId) where['business_id'] = options.businessId;
        const row = await db<ClueRow>('clue').where(where).first();
        return row?.status === status ? row : undefined;
      },
      { timeoutMs: options.timeoutMs ?? 30_000 },
    );

  it('shares a few thousand clues by weight within a tight tolerance', async () => {
    const partner = await createPartner(db);
    const a = uid('wa'),
      b = uid('wb'),
      c = uid('wc');
    await createPolicy(sharedApiUrl, token, partner.partnerId, [
      { employeeUserid: a, weight: 1 },
      { employeeUserid: b, weight: 2 },
      { employeeUserid: c, weight: 3 },
    ]);
    const total = 2400;
    await postClues(partner.secretKey, total, 32);
    await waitFor(
      `all ${total} clues assigned`,
      async () => ((await statusCounts(partner.partnerId))['assigned'] ?? 0) === total,
      { timeoutMs: 400_000, intervalMs: 1000 },
    );
    const rows: Array<{ owner_userid: string; n: string }> = await db('clue')
      .where({ partner_id: partner.partnerId })
      .groupBy('owner_userid')
      .select('owner_userid')
      .count({ n: '*' });
    const share = Object.fromEntries(rows.map((r) => [r.owner_userid, Number(r.n) / total]));
    expect(share[a]).toBeCloseTo(1 / 6, 2);
    expect(share[b]).toBeCloseTo(2 / 6, 2);
    expect(share[c]).toBeCloseTo(3 / 6, 2);
    // Exactly one assignment per clue.
    const perClue = await db('clue_assignment as a')
      .join('clue as c', 'c.id', 'a.clue_id')
      .where('c.partner_id', partner.partnerId)
      .groupBy('a.clue_id')
      .havingRaw('count(*) > 1')
      .select('a.clue_id');
    expect(perClue).toHaveLength(0);
  }, 420_000);

  it('never exceeds daily or round limits under 64 concurrent clues, and assigns the rest when limits rise', async () => {
    const partner = await createPartner(db);
    const members = [
      { employeeUserid: uid('la'), weight: 1, dailyLimit: 10, roundLimit: 2 },
      { employeeUserid: uid('lb'), weight: 1, dailyLimit: 15, roundLimit: 3 },
      { employeeUserid: uid('lc'), weight: 2, dailyLimit: 20, roundLimit: 2 },
    ];
    const policy = await createPolicy(sharedApiUrl, token, partner.partnerId, members);
    await postClues(partner.secretKey, 64, 64);
    await waitFor(
      '45 assigned and 19 waiting',
      async () => {
        const counts = await statusCounts(partner.partnerId);
        return counts['assigned'] === 45 && counts['waiting'] === 19 ? counts : undefined;
      },
      { timeoutMs: 60_000 },
    );

    const perOwner: Array<{ owner_userid: string; n: string }> = await db('clue')
      .where({ partner_id: partner.partnerId, status: 'assigned' })
      .groupBy('owner_userid')
      .select('owner_userid')
      .count({ n: '*' });
    expect(Object.fromEntries(perOwner.map((r) => [r.owner_userid, Number(r.n)]))).toEqual({
      [members[0]!.employeeUserid]: 10,
      [members[1]!.employeeUserid]: 15,
      [members[2]!.employeeUserid]: 20,
    });
    // Round limits: replay the assignment order; within a round nobody exceeds their round limit.
    const order: Array<{ employee_userid: string }> = await db('clue_assignment')
      .whereIn('policy_id', [policy.id])
      .orderBy('id')
      .select('employee_userid');
    const limitOf = Object.fromEntries(members.map((m) => [m.employeeUserid, m]));
    const counters = await db('distribution_counter').whereIn(
      'member_id',
      policy.members.map((m) => m.id),
    );
    for (const counter of counters) {
      const member = policy.members.find((m) => m.id === counter.member_id)!;
      expect(counter.round_count).toBeLessThanOrEqual(limitOf[member.employeeUserid]!.roundLimit);
      expect(counter.assigned_count).toBe(limitOf[member.employeeUserid]!.dailyLimit);
    }
    // In the first rounds every member gets at most its round limit before anyone gets more.
    const firstRound = order.slice(0, 2 + 3 + 2).map((o) => o.employee_userid);
    for (const m of members) expect(firstRound.filter((u) => u === m.employeeUserid).length).toBe(m.roundLimit);
    const waiting = await db('clue').where({ partner_id: partner.partnerId, status: 'waiting' }).first();
    expect(waiting.waiting_reason).toBe('DAILY_LIMIT_REACHED');

    // Raising a limit wakes the waiting clues; they are assigned, each exactly once.
    const raise = await call(sharedApiUrl, 'POST', '/admin/distribution/policy/save', {
      token,
      body: {
        id: policy.id,
        name: 'raised',
        followUpSlaSeconds: 86400,
        matchPartnerIds: [partner.partnerId],
        members: members.map((m, i) => (i === 2 ? { ...m, dailyLimit: 50 } : m)),
      },
    });
    expect(raise.status).toBe(200);
    await waitFor('all 64 assigned', async () => (await statusCounts(partner.partnerId))['assigned'] === 64, {
      timeoutMs: 60_000,
    });
    const assignments = await db('clue_assignment').where({ policy_id: policy.id }).count({ n: '*' }).first();
    expect(Number(assignments?.n)).toBe(64);
  });

  it('keeps a clue waiting outside working hours and assigns it when the window opens', async () => {
    const partner = await createPartner(db);
    const opensAt = DateTime.now().setZone('Asia/Shanghai').plus({ seconds: 8 });
    const closesAt = opensAt.plus({ hours: 1 });
    const hours = `${opensAt.toFormat('HH:mm:ss')}-${closesAt.toFormat('HH:mm:ss')}`;
    const member = uid('wh');
    await createPolicy(sharedApiUrl, token, partner.partnerId, [
      { employeeUserid: member, weight: 1, workingHours: hours },
    ]);
    const body = clueBody(partner.secretKey);
    expect((await call(sharedApiUrl, 'POST', COLLECT, { body })).status).toBe(200);
    const waiting = await clueReaching('waiting', partner.partnerId);
    expect(waiting.waiting_reason).toBe('OUTSIDE_WORKING_HOURS');
    const assigned = await clueReaching('assigned', partner.partnerId, { timeoutMs: 30_000 });
    expect(assigned.owner_userid).toBe(member);
    expect(new Date(assigned.assigned_at as Date).getTime()).toBeGreaterThanOrEqual(opensAt.toMillis() - 1000);
  });

  it('recycles to the next member when nobody follows up within the SLA, then to the pool', async () => {
    const partner = await createPartner(db);
    const first = uid('sa'),
      second = uid('sb');
    await createPolicy(
      sharedApiUrl,
      token,
      partner.partnerId,
      [
        { employeeUserid: first, weight: 10 },
        { employeeUserid: second, weight: 1 },
      ],
      { followUpSlaSeconds: 3, recycleMode: 'next_member' },
    );
    expect((await call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(partner.secretKey) })).status).toBe(200);
    const pooled = await clueReaching('pool', partner.partnerId, { timeoutMs: 40_000 });
    const history = await db('clue_assignment').where({ clue_id: pooled.id }).orderBy('seq');
    expect(
      history.map((h: { employee_userid: string; end_reason: string }) => [h.employee_userid, h.end_reason]),
    ).toEqual([
      [first, 'sla_expired'],
      [second, 'sla_expired'],
    ]);
    expect(pooled.owner_userid).toBeNull();

    // The detail API shows the same history.
    const detail = await call<{
      assignments: Array<{ employeeUserid: string; endReason: string }>;
      timeline: Array<{ kind: string }>;
    }>(sharedApiUrl, 'GET', `/admin/clue/detail?clueId=${pooled.id}`, { token });
    expect(detail.status).toBe(200);
    expect(detail.body.data.assignments.map((a) => a.employeeUserid)).toEqual([first, second]);
    expect(detail.body.data.timeline.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['intake', 'assigned', 'recycled']),
    );

    // Manual assignment from the pool goes through the same workflow id (a new run).
    const manual = uid('mx');
    const assign = await call<{ results: Array<{ ok: boolean; seq: number }> }>(
      sharedApiUrl,
      'POST',
      '/admin/clue/batchAssign',
      {
        token,
        body: { clueIds: [pooled.id], employeeUserid: manual, employeeName: '手动' },
      },
    );
    expect(assign.status).toBe(200);
    expect(assign.body.data.results[0]).toMatchObject({ ok: true, seq: 3 });
    const row = await db('clue').where({ id: pooled.id }).first();
    expect(row).toMatchObject({ status: 'assigned', owner_userid: manual, assignment_seq: 3 });
  });

  it('settles the clue when a follow-up is recorded within the SLA', async () => {
    const partner = await createPartner(db);
    await createPolicy(sharedApiUrl, token, partner.partnerId, [{ employeeUserid: uid('f'), weight: 1 }], {
      followUpSlaSeconds: 6,
      recycleMode: 'pool',
    });
    expect((await call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(partner.secretKey) })).status).toBe(200);
    const clue = await clueReaching('assigned', partner.partnerId);
    const update = await call<{ status: string; remark: string }>(sharedApiUrl, 'POST', '/admin/clue/update', {
      token,
      body: { id: clue.id, remark: '已电话沟通', followUp: { content: '电话沟通, 客户要试用', method: 'phone' } },
    });
    expect(update.status).toBe(200);
    expect(update.body.data).toMatchObject({ status: 'followed', remark: '已电话沟通' });
    await new Promise((r) => setTimeout(r, 8000)); // past the SLA
    const row = await db('clue').where({ id: clue.id }).first();
    expect(row.status).toBe('followed');
    const history = await db('clue_assignment').where({ clue_id: clue.id });
    expect(history).toHaveLength(1);
    expect(history[0].end_reason).toBeNull();
  });

  it('reassigns a waiting clue by hand through its running workflow', async () => {
    const partner = await createPartner(db);
    await createPolicy(sharedApiUrl, token, partner.partnerId, [
      { employeeUserid: uid('z'), weight: 1, dailyLimit: 0 },
    ]);
    expect((await call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(partner.secretKey) })).status).toBe(200);
    const clue = await clueReaching('waiting', partner.partnerId);
    const target = uid('manual');
    const response = await call<{ results: Array<{ ok: boolean }> }>(sharedApiUrl, 'POST', '/admin/clue/batchAssign', {
      token,
      body: { clueIds: [clue.id], employeeUserid: target },
    });
    expect(response.body.data.results[0]?.ok).toBe(true);
    const row = await db('clue').where({ id: clue.id }).first();
    expect(row).toMatchObject({ status: 'assigned', owner_userid: target });
    const page = await call<{ list: Array<{ id: string; ownerUserid: string }>; total: number }>(
      sharedApiUrl,
      'POST',
      '/admin/clue/page',
      { token, body: { pageNum: 1, pageSize: 10, partnerId: partner.partnerId } },
    );
    expect(page.status).toBe(200);
    expect(page.body.data.total).toBe(1);
    expect(page.body.data.list[0]).toMatchObject({ id: clue.id, ownerUserid: target });
  });

  it('links a clue to the earlier clue with the same phone number, however it was written', async () => {
    const partner = await createPartner(db);
    await createPolicy(sharedApiUrl, token, partner.partnerId, [{ employeeUserid: uid('d'), weight: 1 }]);
    const digits = `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const first = clueBody(partner.secretKey, { linkManTel: digits });
    const second = clueBody(partner.secretKey, {
      linkManTel: `+86 ${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7)}`,
    });
    expect((await call(sharedApiUrl, 'POST', COLLECT, { body: first })).status).toBe(200);
    expect((await call(sharedApiUrl, 'POST', COLLECT, { body: second })).status).toBe(200);
    const firstRow = await db('clue')
      .where({ partner_id: partner.partnerId, business_id: first['businessId'] })
      .first();
    const secondRow = await clueReaching('assigned', partner.partnerId, { businessId: second['businessId'] as string });
    expect(secondRow.duplicate_of_clue_id).toBe(firstRow.id);
    expect(firstRow.duplicate_of_clue_id).toBeNull();
  });

  it('refuses policy members and manual assignees who are not employees of the admin’s corp, changing nothing', async () => {
    const corp = uid('corp-');
    const corpToken = (await createAdmin(db, sharedApiUrl, { corpId: corp })).token;
    const known = await seedEmployee(db, corp);
    const other = await seedEmployee(db, corp);
    const foreign = await seedEmployee(db, uid('corp-'));
    const partner = await createPartner(db);
    const fieldsOf = (response: { body: { data: unknown } }) =>
      ((response.body.data as { errors?: Array<{ field: string }> }).errors ?? []).map((e) => e.field);

    const name = uid('policy-');
    const refused = await call(sharedApiUrl, 'POST', '/admin/distribution/policy/save', {
      token: corpToken,
      body: {
        name,
        followUpSlaSeconds: 86400,
        matchPartnerIds: [partner.partnerId],
        members: [
          { employeeUserid: known, weight: 1 },
          { employeeUserid: 'ghost_nobody', weight: 1 },
          { employeeUserid: foreign, weight: 1 },
        ],
      },
    });
    expect(refused.status).toBe(400);
    expect(fieldsOf(refused)).toEqual(['members[1].employeeUserid', 'members[2].employeeUserid']);
    expect(await db('distribution_policy').where({ name })).toEqual([]);

    const policy = await createPolicy(sharedApiUrl, corpToken, partner.partnerId, [
      { employeeUserid: known, weight: 1, dailyLimit: 0 },
    ]);
    const edit = await call(sharedApiUrl, 'POST', '/admin/distribution/policy/save', {
      token: corpToken,
      body: {
        id: policy.id,
        name: uid('policy-'),
        followUpSlaSeconds: 86400,
        members: [{ employeeUserid: 'ghost_nobody', weight: 1 }],
      },
    });
    expect(edit.status).toBe(400);
    expect(fieldsOf(edit)).toEqual(['members[0].employeeUserid']);
    expect(
      (await db('distribution_member').where({ policy_id: policy.id, is_del: 0 })).map((m) => m.employee_userid),
    ).toEqual([known]);

    expect((await call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(partner.secretKey) })).status).toBe(200);
    const clue = await clueReaching('waiting', partner.partnerId);
    for (const employeeUserid of ['ghost_nobody', foreign]) {
      const response = await call(sharedApiUrl, 'POST', '/admin/clue/batchAssign', {
        token: corpToken,
        body: { clueIds: [clue.id], employeeUserid },
      });
      expect(response.status).toBe(400);
      expect(fieldsOf(response)).toEqual(['employeeUserid']);
    }
    expect(await db('clue').where({ id: clue.id }).first()).toMatchObject({ status: 'waiting', owner_userid: null });
    expect(await db('clue_assignment').where({ clue_id: clue.id })).toEqual([]);

    const assigned = await call<{ results: Array<{ ok: boolean }> }>(sharedApiUrl, 'POST', '/admin/clue/batchAssign', {
      token: corpToken,
      body: { clueIds: [clue.id], employeeUserid: other },
    });
    expect(assigned.body.data.results).toEqual([expect.objectContaining({ clueId: clue.id, ok: true })]);
    expect(await db('clue').where({ id: clue.id }).first()).toMatchObject({ status: 'assigned', owner_userid: other });
  });
});
