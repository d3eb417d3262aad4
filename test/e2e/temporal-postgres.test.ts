import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/names';
import type { WecomSyncProgress } from '../../src/workflows/wecom-full-sync';
import { TEMPORAL_POSTGRES_API_PORT, TEMPORAL_POSTGRES_PORT } from '../helpers/env';
import { clueBody, createAdmin, createPartner, createPolicy, testDb, uid } from '../helpers/factories';
import { call, inParallel } from '../helpers/http';
import { canonicalFromMirror, canonicalFromSimulator } from '../helpers/mirror-compare';
import { TestSystem } from '../helpers/system';
import { startTemporalPostgresServer, type TemporalPostgresServer } from '../helpers/temporal-postgres';
import { waitFor } from '../helpers/wait';
import { control, createSimulatedCorp } from '../helpers/wecom';

const COLLECT = '/api-scrm/openapi/clue/collect';

/**
 * The production engine: the Temporal server built with Go, persisting in PostgreSQL (history and
 * SQL visibility), set up by the same config, schema and namespace steps as docker-compose and
 * `TEMPORAL_BACKEND=postgres npm run start:all`, with an API and a worker of its own. What only works
 * on the dev server (SQLite, one shard, search attributes visible at once) fails here.
 */
describe('on the PostgreSQL-backed Temporal server', () => {
  let db: Db;
  let temporal: TemporalPostgresServer | undefined;
  let connection: Connection;
  let client: Client;
  let system: TestSystem;
  let token: string;
  const taskQueue = uid('temporal-pg-');

  beforeAll(async () => {
    db = testDb();
    // From an empty database each run: the schema is set up from version 0.0, as on a new machine.
    temporal = await startTemporalPostgresServer({
      port: TEMPORAL_POSTGRES_PORT,
      name: 'temporal-postgres',
      fresh: true,
    });
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection });
    system = new TestSystem({
      name: 'temporal-postgres',
      temporalAddress: temporal.address,
      apiPort: TEMPORAL_POSTGRES_API_PORT,
      taskQueue,
    });
    await system.start();
    token = (await createAdmin(db, system.baseUrl)).token;
    // Run by jest alone on a machine without the server binaries, this first builds them (minutes).
  }, 600_000);

  afterAll(async () => {
    await system?.stop();
    await connection?.close();
    await temporal?.stop();
    await db.destroy();
  });

  const cluesOf = async (partnerId: string) =>
    (await db('clue').where({ partner_id: partnerId }).select('id', 'status', 'distribution_state')) as Array<{
      id: string;
      status: string;
      distribution_state: string;
    }>;

  it('persists in PostgreSQL, and a second schema run changes nothing', async () => {
    const info = await connection.workflowService.getClusterInfo({});
    expect({
      persistence: info.persistenceStore,
      visibility: info.visibilityStore,
      shards: info.historyShardCount,
    }).toEqual({ persistence: 'postgres12', visibility: 'postgres12', shards: 4 });
    const rerun = await temporal!.setupSchema();
    expect(rerun).toContain('Temporal schemas are up to date');
    expect((await connection.healthService.check({})).status).toBe(1);
  });

  it('assigns a clue from intake, findable by its search attributes in SQL visibility', async () => {
    const partner = await createPartner(db);
    const member = uid('pg-sales-');
    await createPolicy(system.baseUrl, token, partner.partnerId, [{ employeeUserid: member, weight: 1 }]);
    const body = clueBody(partner.secretKey);
    const accepted = await call(system.baseUrl, 'POST', COLLECT, { body });
    expect(accepted.status).toBe(200);

    const [clue] = await waitFor('the clue assigned', async () => {
      const rows = await cluesOf(partner.partnerId);
      return rows.length === 1 && rows[0]!.status === 'assigned' ? rows : undefined;
    });
    const assignment = await db('clue_assignment').where({ clue_id: clue!.id });
    expect(assignment.map((a: { employee_userid: string }) => a.employee_userid)).toEqual([member]);
    // Custom search attributes live in PostgreSQL's visibility columns; a query on them must find the run.
    const found = await waitFor('the workflow listed by ClueId', async () => {
      const runs = [];
      for await (const run of client.workflow.list({ query: `ClueId = '${clue!.id}'` })) runs.push(run);
      return runs.length > 0 ? runs : undefined;
    });
    expect(found.map((run) => run.typedSearchAttributes.get(SEARCH_ATTRIBUTES.businessId))).toEqual([
      body['businessId'],
    ]);
  });

  it('mirrors a WeCom corp with a full sync, then keeps it current from a callback', async () => {
    const corp = await createSimulatedCorp(db, { seed: 41, customers: 150, apiUrl: system.baseUrl });
    const handle = await client.workflow.start('wecomFullSync', {
      workflowId: `wecom-sync-all-${corp.corpId}`,
      taskQueue,
      args: [{ corpId: corp.corpId, kind: 'all', startedBy: 'test' }],
    });
    const result = (await handle.result()) as WecomSyncProgress;
    expect(result.phases.map((p) => [p.kind, p.status]).filter(([, status]) => status !== 'succeeded')).toEqual([]);
    const simulatorCanonical = async () =>
      canonicalFromSimulator(
        await control('GET', `/corps/${corp.corpId}/state?sections=departments,users,customers,tagGroups,groupChats`),
      );
    expect(await canonicalFromMirror(db, corp.corpId)).toEqual(await simulatorCanonical());

    const employee = await db('wecom_employee')
      .where({ corp_id: corp.corpId, is_del: 0, has_contact_feature: true })
      .first();
    const added = await control<{ callbacks: Array<{ outcome: string }> }>(
      'POST',
      `/corps/${corp.corpId}/actions/customer-adds-employee`,
      { userid: employee.userid, customer: { name: '新客户' } },
    );
    expect(added.callbacks.map((c) => c.outcome)).toEqual(['delivered']);
    await waitFor('the callback processed', async () => {
      const events = await db('wecom_callback_event').where({ corp_id: corp.corpId });
      return events.length === 1 && events[0].status === 'done';
    });
    expect(await canonicalFromMirror(db, corp.corpId)).toEqual(await simulatorCanonical());
  });

  it('assigns each clue exactly once when the worker is killed mid-distribution', async () => {
    const partner = await createPartner(db);
    const policy = await createPolicy(
      system.baseUrl,
      token,
      partner.partnerId,
      [uid('pk1'), uid('pk2'), uid('pk3')].map((m) => ({ employeeUserid: m, weight: 1, dailyLimit: 30 })),
    );
    const posting = inParallel(60, 6, () =>
      call(system.baseUrl, 'POST', COLLECT, { body: clueBody(partner.secretKey) }),
    );
    await waitFor(
      'some clues assigned',
      async () => (await cluesOf(partner.partnerId)).filter((c) => c.status === 'assigned').length >= 5,
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    await system.stopWorker('SIGKILL');
    expect((await posting).every((r) => r.status === 200)).toBe(true);
    expect((await cluesOf(partner.partnerId)).filter((c) => c.status === 'assigned').length).toBeLessThan(60);

    await system.startWorker();
    await waitFor(
      'all 60 clues assigned after the worker restarted',
      async () => {
        const rows = await cluesOf(partner.partnerId);
        return rows.length === 60 && rows.every((c) => c.status === 'assigned') ? rows : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const assignments = await db('clue_assignment').where({ policy_id: policy.id });
    expect(new Set(assignments.map((a: { clue_id: string }) => a.clue_id)).size).toBe(60);
    expect(assignments).toHaveLength(60);
    const counters = await db('distribution_counter').whereIn(
      'member_id',
      policy.members.map((m) => m.id),
    );
    expect(counters.reduce((sum: number, c: { assigned_count: number }) => sum + c.assigned_count, 0)).toBe(60);
    for (const c of counters) expect(c.assigned_count).toBeLessThanOrEqual(30);
  });
});
