import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import { SharedBudget } from '../../src/domain/throttle/request-budget';
import { clueDistributionWorkflowId } from '../../src/temporal/names';
import { buildEventXml } from '../../src/wecom/callback-xml';
import { WecomApiError } from '../../src/wecom/errors';
import { WecomRateLimiter } from '../../src/wecom/rate-limit';
import { PEER_API_PORT, SHARED_TASK_QUEUE, sharedApiUrl, sharedTemporalAddress } from '../helpers/env';
import { clueBody, createAdmin, createPartner, createPolicy, testDb, uid } from '../helpers/factories';
import { call, inParallel } from '../helpers/http';
import { TestSystem } from '../helpers/system';
import { waitFor } from '../helpers/wait';
import { control, createSimulatedCorp, postSignedCallback } from '../helpers/wecom';

const COLLECT = '/api-scrm/openapi/clue/collect';

/**
 * Two API processes and two workers on one PostgreSQL and one Temporal server: the shared stack
 * plus a peer API and a peer worker on the same task queue. Nothing may change with the count.
 */
describe('several API and worker processes', () => {
  let db: Db;
  let peer: TestSystem;
  let temporal: Client;

  beforeAll(async () => {
    db = testDb();
    peer = new TestSystem({
      name: 'budget-peer',
      temporalAddress: sharedTemporalAddress,
      taskQueue: SHARED_TASK_QUEUE,
      apiPort: PEER_API_PORT,
    });
    await Promise.all([peer.startApi(), peer.startWorker()]);
    temporal = new Client({ connection: await Connection.connect({ address: sharedTemporalAddress }) });
  });
  afterAll(async () => {
    await peer?.stopWorker('SIGTERM');
    await peer?.stopApi();
    await temporal?.connection.close();
    await db.destroy();
  });
  const apis = () => [sharedApiUrl, peer.baseUrl];

  it('keeps one clue and one distribution workflow per businessId when its posts land on both APIs', async () => {
    const partner = await createPartner(db);
    const body = clueBody(partner.secretKey, { businessId: uid('both-') });
    const answers = await inParallel(40, 10, (i) => call(apis()[i % 2]!, 'POST', COLLECT, { body }));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const rows = await db('clue').where({ partner_id: partner.partnerId });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ receive_count: 40 });
    const clueId = String(rows[0].id);
    await waitFor('the distribution to start', async () => {
      const row = await db('clue').where({ id: clueId }).first('distribution_state');
      return row?.distribution_state !== 'pending';
    });
    const started = await temporal.workflow.count(`WorkflowId = "${clueDistributionWorkflowId(clueId)}"`);
    expect(started.count).toBe(1);
  });

  it('holds a member’s daily limit while both workers distribute', async () => {
    const partner = await createPartner(db);
    const admin = await createAdmin(db, sharedApiUrl);
    const [capped, open] = [uid('cap'), uid('open')];
    await createPolicy(sharedApiUrl, admin.token, partner.partnerId, [
      { employeeUserid: capped, weight: 5, dailyLimit: 3 },
      { employeeUserid: open, weight: 1 },
    ]);
    const answers = await inParallel(16, 8, (i) =>
      call(apis()[i % 2]!, 'POST', COLLECT, { body: clueBody(partner.secretKey) }),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await waitFor('every clue to be assigned', async () => {
      const left = await db('clue')
        .where({ partner_id: partner.partnerId })
        .whereNull('owner_userid')
        .count({ n: '*' });
      return Number(left[0]?.n) === 0;
    });
    const owners = (await db('clue')
      .where({ partner_id: partner.partnerId })
      .select('owner_userid')
      .count({ n: '*' })
      .groupBy('owner_userid')) as Array<{ owner_userid: string; n: string }>;
    expect(Object.fromEntries(owners.map((o) => [o.owner_userid, Number(o.n)]))).toEqual({ [capped]: 3, [open]: 13 });
    const assignments = await db('clue_assignment as a')
      .join('clue as c', 'c.id', 'a.clue_id')
      .where('c.partner_id', partner.partnerId)
      .count({ n: '*' });
    expect(Number(assignments[0]?.n)).toBe(16);
  });

  it('processes one WeCom callback delivered to both APIs once', async () => {
    const corp = await createSimulatedCorp(db, { customers: 3, employees: 3 });
    const state = await control<{
      customers: Array<{ external_contact: { external_userid: string }; follow_user: Array<{ userid: string }> }>;
    }>('GET', `/corps/${corp.corpId}/state?sections=customers`);
    const customer = state.customers.find((c) => c.follow_user.length > 0)!;
    const externalUserid = customer.external_contact.external_userid;
    const plaintext = buildEventXml({
      ToUserName: corp.corpId,
      FromUserName: 'sys',
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: 'event',
      Event: 'change_external_contact',
      ChangeType: 'add_external_contact',
      UserID: customer.follow_user[0]!.userid,
      ExternalUserID: externalUserid,
    });
    const answers = await Promise.all([0, 1, 2, 3].map((i) => postSignedCallback(corp, plaintext, apis()[i % 2]!)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const rows = () => db('wecom_callback_event').where({ corp_id: corp.corpId });
    await waitFor('the event to be processed', async () => (await rows().first())?.status === 'done');
    const stored = await rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ receive_count: 4, status: 'done' });
    expect((await temporal.workflow.count(`WorkflowId = "wecom-event-${stored[0].id}"`)).count).toBe(1);
    const relations = await db('wecom_relation').where({ corp_id: corp.corpId, external_userid: externalUserid });
    expect(relations).toHaveLength(1);
  });

  it('runs a sync asked of both APIs at once once', async () => {
    const corp = await createSimulatedCorp(db, { customers: 30, employees: 3 });
    const admin = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });
    const answers = await Promise.all(
      apis().map((url) =>
        call<{ workflowId: string; runId: string }>(url, 'POST', '/admin/customer/sync', { token: admin.token }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[1]!.body.data).toEqual(answers[0]!.body.data);
    const runs = await temporal.workflow.count(`WorkflowId = "${answers[0]!.body.data.workflowId}"`);
    expect(runs.count).toBe(1);
  });

  it('gives a partner its budget once across two API processes, not once per process', async () => {
    const perMinute = 120;
    const partner = await createPartner(db, perMinute);
    const urls = [sharedApiUrl, peer.baseUrl];
    const answers = await inParallel(300, 8, async (i) => {
      const res = await call(urls[i % 2]!, 'POST', COLLECT, { body: clueBody(partner.secretKey) });
      return { api: i % 2, status: res.status, retryAfter: res.headers.get('retry-after') };
    });
    const accepted = answers.filter((a) => a.status === 200);
    // Each process may lose what is left of its last slice (1/50 of the budget, rounded up) at the window's end.
    const slice = Math.ceil(perMinute / 50);
    expect(accepted.length).toBeLessThanOrEqual(perMinute);
    expect(accepted.length).toBeGreaterThanOrEqual(perMinute - 2 * slice);
    // Both processes took part, and every other answer is a 429 that says when to come back.
    expect(new Set(accepted.map((a) => a.api))).toEqual(new Set([0, 1]));
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused.every((a) => a.status === 429 && Number(a.retryAfter) >= 1)).toBe(true);
    const stored = await db('clue').where({ partner_id: partner.partnerId }).count({ n: '*' }).first();
    expect(Number(stored?.n)).toBe(accepted.length);
  });

  it('holds a corp’s WeCom call budget across two workers’ limiters', async () => {
    // Two limiters over their own SharedBudget instances: what two worker processes hold.
    const limit = { points: 40, durationSeconds: 60 };
    const limiters = [0, 1].map(
      () => new WecomRateLimiter({ limit, maxWaitMs: 0, budget: new SharedBudget(db, 'wecom_calls') }),
    );
    const corpId = uid('ww');
    const outcomes = await inParallel(100, 6, async (i) => {
      try {
        await limiters[i % 2]!.acquire(corpId, 'externalcontact/get');
        return 'sent';
      } catch (error) {
        if (error instanceof WecomApiError && error.errcode === 45009) return 'held';
        throw error;
      }
    });
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(limit.points);
    // Another corp has its own budget.
    await expect(limiters[0]!.acquire(uid('ww'), 'externalcontact/get')).resolves.toBeUndefined();
  });
});
