import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../src/db/knex';
import { clueBody, createAdmin, createPartner, createPolicy, testDb, uid } from '../helpers/factories';
import { call, inParallel } from '../helpers/http';
import { TestSystem } from '../helpers/system';
import { startTemporalDevServer, type TemporalServer } from '../helpers/temporal-server';
import { waitFor } from '../helpers/wait';
import { RESILIENCE_API_PORT, RESILIENCE_TEMPORAL_PORT } from '../helpers/env';

const COLLECT = '/api-scrm/openapi/clue/collect';
const PORT = RESILIENCE_TEMPORAL_PORT;

/**
 * Failure drills on a system of its own: a Temporal dev server with a database file (so it can be
 * stopped and restarted with its state) and API + worker processes that can be killed.
 */
describe('durability when Temporal or the worker goes away', () => {
  let db: Db;
  let dir: string;
  let temporal: TemporalServer | undefined;
  let system: TestSystem;
  let token: string;

  const startTemporal = async () => {
    temporal = await startTemporalDevServer({ port: PORT, dbFile: path.join(dir, 'temporal.db'), name: 'resilience' });
  };

  beforeAll(async () => {
    db = testDb();
    dir = mkdtempSync(path.join(os.tmpdir(), 'scrm-resilience-'));
    await startTemporal();
    system = new TestSystem({
      name: 'resilience',
      temporalAddress: `127.0.0.1:${PORT}`,
      apiPort: RESILIENCE_API_PORT,
      taskQueue: uid('resilience-'),
    });
    await system.start();
    token = (await createAdmin(db, system.baseUrl)).token;
  });

  afterAll(async () => {
    await system.stop();
    await temporal?.stop();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const statusOf = async (partnerId: string) =>
    (await db('clue').where({ partner_id: partnerId }).select('status', 'distribution_state')) as Array<{
      status: string;
      distribution_state: string;
    }>;

  it('answers 200 while Temporal is down and distributes every clue once it is back', async () => {
    const partner = await createPartner(db);
    await createPolicy(system.baseUrl, token, partner.partnerId, [
      { employeeUserid: uid('r1'), weight: 1 },
      { employeeUserid: uid('r2'), weight: 1 },
    ]);
    await temporal?.stop();
    // The API's open gRPC channel may take a moment to notice the server went away.
    const health = await waitFor('health to report Temporal down', async () => {
      const answer = await call(system.baseUrl, 'GET', '/health');
      return answer.status === 503 && answer;
    });
    expect(health.status).toBe(503);
    expect(health.body.msg).toMatch(/temporal down/);
    // Readiness stays green: intake goes on without Temporal, so a load balancer must keep the API.
    const ready = await call<{ postgres: boolean; temporal: boolean }>(system.baseUrl, 'GET', '/health/ready');
    expect({ status: ready.status, data: ready.body.data }).toEqual({
      status: 200,
      data: { postgres: true, temporal: false },
    });
    expect((await call(system.baseUrl, 'GET', '/health/live')).status).toBe(200);

    const responses = await inParallel(20, 5, () =>
      call(system.baseUrl, 'POST', COLLECT, { body: clueBody(partner.secretKey) }),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const stored = await statusOf(partner.partnerId);
    expect(stored).toHaveLength(20);
    expect(stored.every((c) => c.distribution_state === 'pending')).toBe(true);

    await startTemporal();
    await waitFor(
      'every clue assigned after Temporal returned',
      async () => {
        const rows = await statusOf(partner.partnerId);
        return rows.every((c) => c.status === 'assigned' && c.distribution_state === 'started') ? rows : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const perClue = await db('clue_assignment as a')
      .join('clue as c', 'c.id', 'a.clue_id')
      .where('c.partner_id', partner.partnerId)
      .groupBy('a.clue_id')
      .select('a.clue_id')
      .count({ n: '*' });
    expect(perClue).toHaveLength(20);
    expect(perClue.every((r) => Number(r.n) === 1)).toBe(true);
  });

  it('assigns each clue exactly once when the worker is killed mid-distribution', async () => {
    const partner = await createPartner(db);
    const members = [uid('k1'), uid('k2'), uid('k3')];
    const policy = await createPolicy(
      system.baseUrl,
      token,
      partner.partnerId,
      members.map((m) => ({ employeeUserid: m, weight: 1, dailyLimit: 40 })),
    );
    const posting = inParallel(100, 8, () =>
      call(system.baseUrl, 'POST', COLLECT, { body: clueBody(partner.secretKey) }),
    );
    await waitFor(
      'some clues assigned',
      async () => (await statusOf(partner.partnerId)).filter((c) => c.status === 'assigned').length >= 10,
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    await system.stopWorker('SIGKILL');
    const responses = await posting;
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const assignedWhileDown = (await statusOf(partner.partnerId)).filter((c) => c.status === 'assigned').length;
    expect(assignedWhileDown).toBeLessThan(100);

    await system.startWorker();
    await waitFor(
      'all 100 clues assigned after the worker restarted',
      async () => {
        const rows = await statusOf(partner.partnerId);
        return rows.length === 100 && rows.every((c) => c.status === 'assigned') ? rows : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );

    const assignments = await db('clue_assignment').where({ policy_id: policy.id });
    expect(assignments).toHaveLength(100);
    expect(new Set(assignments.map((a: { clue_id: string }) => a.clue_id)).size).toBe(100);
    const counters = await db('distribution_counter').whereIn(
      'member_id',
      policy.members.map((m) => m.id),
    );
    expect(counters.reduce((sum: number, c: { assigned_count: number }) => sum + c.assigned_count, 0)).toBe(100);
    for (const c of counters) expect(c.assigned_count).toBeLessThanOrEqual(40);
  });
});
