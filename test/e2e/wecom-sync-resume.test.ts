import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import { SYNC_LANES, type WecomSyncProgress } from '../../src/workflows/wecom-full-sync';
import { PORT_OFFSET, sharedTemporalAddress } from '../helpers/env';
import { createAdmin, testDb } from '../helpers/factories';
import { call } from '../helpers/http';
import { canonicalFromMirror, canonicalFromSimulator } from '../helpers/mirror-compare';
import { TestSystem } from '../helpers/system';
import { sleep, waitFor } from '../helpers/wait';
import { control, createSimulatedCorp } from '../helpers/wecom';

const BATCH_PATH = 'externalcontact/batch/get_by_user';

/** A worker of its own (own task queue and API), so killing it leaves the shared system alone. */
describe('a full sync survives a worker crash', () => {
  let db: Db;
  let temporal: Client;
  let system: TestSystem;

  beforeAll(async () => {
    db = testDb();
    temporal = new Client({ connection: await Connection.connect({ address: sharedTemporalAddress }) });
    system = new TestSystem({
      name: 'sync-crash',
      temporalAddress: sharedTemporalAddress,
      apiPort: 18473 + PORT_OFFSET,
      taskQueue: 'test-sync-crash',
    });
    await system.start();
  }, 180_000);
  afterAll(async () => {
    await system.stop();
    await temporal.connection.close();
    await db.destroy();
  });

  it('resumes after SIGKILL without redoing finished pages and ends equal to WeCom', async () => {
    const corp = await createSimulatedCorp(db, { seed: 31, customers: 6000, apiUrl: system.baseUrl });
    const admin = await createAdmin(db, system.baseUrl, { corpId: corp.corpId });
    // Slow pages, so the crash lands in the middle of the customer phase.
    await control('POST', `/corps/${corp.corpId}/faults`, { path: BATCH_PATH, latencyMs: 150 });
    const started = await call<{ workflowId: string }>(system.baseUrl, 'POST', '/admin/customer/sync', {
      token: admin.token,
      body: {},
    });
    expect(started.status).toBe(200);
    const handle = temporal.workflow.getHandle(started.body.data.workflowId);
    const pagesBeforeCrash = await waitFor(
      'some customer pages to be mirrored',
      async () => {
        const rows = await db('wecom_relation')
          .where({ corp_id: corp.corpId })
          .count<{ count: string }[]>('* as count');
        return Number(rows[0]?.count) >= 2000 ? Number(rows[0]?.count) : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    await system.stopWorker('SIGKILL');
    const callsAtCrash = (
      await control<{ apiCalls: { byPath: Record<string, number> } }>('GET', `/corps/${corp.corpId}/stats`)
    ).apiCalls.byPath[BATCH_PATH];
    await sleep(1000);
    await system.startWorker();
    const result = (await handle.result()) as WecomSyncProgress;
    await control('DELETE', `/corps/${corp.corpId}/faults`);

    const phase = result.phases[0];
    expect(phase?.status).toBe('succeeded');
    const totalCalls = (
      await control<{ apiCalls: { byPath: Record<string, number> } }>('GET', `/corps/${corp.corpId}/stats`)
    ).apiCalls.byPath[BATCH_PATH];
    const state = await control<Parameters<typeof canonicalFromSimulator>[0]>(
      'GET',
      `/corps/${corp.corpId}/state?sections=departments,users,customers,tagGroups,groupChats`,
    );
    const expected = canonicalFromSimulator(state);
    // The fewest pages that can cover every pair: 100 per page, one partial page per batch of 100 employees.
    const followers = state.users.filter((u) => u.customer_contact).length;
    const minimumPages = Math.ceil(expected.relations.length / 100) + Math.ceil(followers / 100);
    // Every page fetched once, except at most one per lane: fetched by the crashed worker, not yet committed.
    expect(pagesBeforeCrash).toBeGreaterThanOrEqual(2000);
    expect(callsAtCrash).toBeGreaterThan(0);
    expect(totalCalls).toBeLessThanOrEqual(minimumPages + SYNC_LANES);
    const mirrored = await canonicalFromMirror(db, corp.corpId);
    expect(mirrored.relations).toEqual(expected.relations);
    expect(mirrored.customers).toEqual(expected.customers);
    // The progress counts include the pages mirrored before the crash: every relation was new once.
    expect(phase?.created).toBe(expected.relations.length);
    expect(phase?.items).toBe(expected.relations.length);
    expect(phase?.updated).toBe(0);
  }, 300_000);
});
