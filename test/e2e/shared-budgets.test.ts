import type { Db } from '../../src/db/knex';
import { SharedBudget } from '../../src/domain/throttle/request-budget';
import { WecomApiError } from '../../src/wecom/errors';
import { WecomRateLimiter } from '../../src/wecom/rate-limit';
import { PEER_API_PORT, SHARED_TASK_QUEUE, sharedApiUrl, sharedTemporalAddress } from '../helpers/env';
import { clueBody, createPartner, testDb, uid } from '../helpers/factories';
import { call, inParallel } from '../helpers/http';
import { TestSystem } from '../helpers/system';

const COLLECT = '/api-scrm/openapi/clue/collect';

/** Budgets WeCom and partners count per corp and per partner hold across processes, not per process. */
describe('budgets shared by every process', () => {
  let db: Db;
  let peer: TestSystem;

  beforeAll(async () => {
    db = testDb();
    peer = new TestSystem({
      name: 'budget-peer',
      temporalAddress: sharedTemporalAddress,
      taskQueue: SHARED_TASK_QUEUE,
      apiPort: PEER_API_PORT,
    });
    await peer.startApi();
  });
  afterAll(async () => {
    await peer?.stopApi();
    await db.destroy();
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
