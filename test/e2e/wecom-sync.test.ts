import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import type { WecomSyncProgress } from '../../src/workflows/wecom-full-sync';
import { sharedApiUrl, sharedTemporalAddress } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { canonicalFromMirror, canonicalFromSimulator } from '../helpers/mirror-compare';
import { waitFor } from '../helpers/wait';
import { control, createSimulatedCorp } from '../helpers/wecom';

/** The admin sync endpoint of each phase, in the order a full sync runs them. */
const SYNC_ROUTES = [
  ['departments', '/admin/wecom/dept/sync'],
  ['employees', '/admin/wecom/employee/sync'],
  ['corpTags', '/admin/corpTag/sync'],
  ['customers', '/admin/customer/sync'],
  ['groups', '/admin/group/sync'],
] as const;

interface SyncStatus {
  workflowId: string;
  runId: string;
  status: string;
  closeTime: string | null;
  phases: Array<{ kind: string; status: string; items: number }> | null;
}

describe('WeCom full syncs against the simulator', () => {
  let db: Db;
  let temporal: Client;

  beforeAll(async () => {
    db = testDb();
    temporal = new Client({ connection: await Connection.connect({ address: sharedTemporalAddress }) });
  });
  afterAll(async () => {
    await temporal.connection.close();
    await db.destroy();
  });

  /** Runs every phase through its admin endpoint and waits for each workflow's result. */
  async function syncEverything(token: string, corpId: string): Promise<WecomSyncProgress['phases']> {
    const phases: WecomSyncProgress['phases'] = [];
    for (const [kind, path] of SYNC_ROUTES) {
      const started = await call<{ workflowId: string }>(sharedApiUrl, 'POST', path, { token, body: {} });
      expect(started.status).toBe(200);
      expect(started.body.data.workflowId).toBe(`wecom-sync-${kind}-${corpId}`);
      const result = await temporal.workflow
        .getHandle<() => Promise<WecomSyncProgress>>(started.body.data.workflowId)
        .result();
      phases.push(...result.phases);
    }
    return phases;
  }

  async function simulatorCanonical(corpId: string) {
    return canonicalFromSimulator(
      await control('GET', `/corps/${corpId}/state?sections=departments,users,customers,tagGroups,groupChats`),
    );
  }

  it('mirrors a generated corp of 10,000 customers field by field, and a second run changes nothing', async () => {
    const corp = await createSimulatedCorp(db, { seed: 11, customers: 10_000 });
    const admin = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });

    const first = await syncEverything(admin.token, corp.corpId);
    expect(first.every((p) => p.status === 'succeeded')).toBe(true);
    const expected = await simulatorCanonical(corp.corpId);
    expect(expected.customers.length).toBe(10_000);
    const mirrored = await canonicalFromMirror(db, corp.corpId);
    expect(mirrored).toEqual(expected);
    expect(first.find((p) => p.kind === 'customers')?.created).toBe(expected.relations.length);
    // Each customer's first add time is its earliest relation, though its relations came on different pages.
    const firstAdds = await db.raw<{ rows: Array<{ wrong: number; shared: number }> }>(
      `SELECT count(*) FILTER (WHERE c.first_add_time IS DISTINCT FROM r.earliest)::int AS wrong,
              count(*) FILTER (WHERE r.relations > 1)::int AS shared
         FROM wecom_customer c
         JOIN (SELECT external_userid, min(add_time) AS earliest, count(*) AS relations
                 FROM wecom_relation WHERE corp_id = ? GROUP BY external_userid) r USING (external_userid)
        WHERE c.corp_id = ?`,
      [corp.corpId, corp.corpId],
    );
    expect(firstAdds.rows[0]).toEqual({ wrong: 0, shared: expect.any(Number) });
    expect(firstAdds.rows[0]!.shared).toBeGreaterThan(1000);

    const mtimeBefore = await db('wecom_relation').where({ corp_id: corp.corpId }).max('mtime as m').first();
    const second = await syncEverything(admin.token, corp.corpId);
    for (const phase of second) {
      expect({ kind: phase.kind, created: phase.created, updated: phase.updated, deleted: phase.deleted }).toEqual({
        kind: phase.kind,
        created: 0,
        updated: 0,
        deleted: 0,
      });
    }
    const mtimeAfter = await db('wecom_relation').where({ corp_id: corp.corpId }).max('mtime as m').first();
    expect(mtimeAfter).toEqual(mtimeBefore);
    expect(await canonicalFromMirror(db, corp.corpId)).toEqual(expected);
  }, 420_000);

  it('reconciles what vanished in WeCom: marked deleted locally, with the time', async () => {
    const corp = await createSimulatedCorp(db, { seed: 12, customers: 300 });
    const admin = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });
    await syncEverything(admin.token, corp.corpId);

    // Silent changes (no callback reaches the app): only the next full sync can notice them.
    const relation = await db('wecom_relation').where({ corp_id: corp.corpId, status: 0 }).first();
    await control('POST', `/corps/${corp.corpId}/actions/customer-deletes-employee`, {
      userid: relation.userid,
      externalUserid: relation.external_userid,
      silent: true,
    });
    const group = await db('wecom_group_chat').where({ corp_id: corp.corpId, is_del: 0 }).first();
    await control('POST', `/corps/${corp.corpId}/actions/group-dismissed`, { chatId: group.chat_id, silent: true });

    const before = new Date();
    await syncEverything(admin.token, corp.corpId);
    expect(await canonicalFromMirror(db, corp.corpId)).toEqual(await simulatorCanonical(corp.corpId));
    const gone = await db('wecom_relation').where({ id: relation.id }).first();
    expect(gone.status).toBe(4);
    expect(new Date(gone.del_time).getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    const dismissed = await db('wecom_group_chat').where({ id: group.id }).first();
    expect(dismissed.is_del).toBe(1);
    expect(dismissed.del_time).not.toBeNull();
  });

  it('ends with the same mirror when a fifth of the WeCom calls fail with -1, 45009 or 42001', async () => {
    const corp = await createSimulatedCorp(db, { seed: 13, customers: 1500 });
    const admin = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });
    for (const [errcode, rate] of [
      [-1, 0.1],
      [45009, 0.05],
      [42001, 0.05],
    ] as const) {
      await control('POST', `/corps/${corp.corpId}/faults`, { path: '*', errcode, rate });
    }
    const phases = await syncEverything(admin.token, corp.corpId);
    expect(phases.every((p) => p.status === 'succeeded')).toBe(true);
    const stats = await control<{ errors?: Record<string, number> }>('GET', `/corps/${corp.corpId}/stats`);
    expect(JSON.stringify(stats)).toMatch(/45009|42001|-1/);
    await control('DELETE', `/corps/${corp.corpId}/faults`);
    expect(await canonicalFromMirror(db, corp.corpId)).toEqual(await simulatorCanonical(corp.corpId));
  });

  it('answers a sync request with the running workflow when one is already running', async () => {
    const corp = await createSimulatedCorp(db, { seed: 14, customers: 3000 });
    const admin = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });
    await control('POST', `/corps/${corp.corpId}/faults`, {
      path: 'externalcontact/batch/get_by_user',
      latencyMs: 200,
    });
    const [a, b] = await Promise.all([
      call<{ workflowId: string }>(sharedApiUrl, 'POST', '/admin/customer/sync', { token: admin.token, body: {} }),
      call<{ workflowId: string }>(sharedApiUrl, 'POST', '/admin/customer/sync', { token: admin.token, body: {} }),
    ]);
    expect(a.body.data.workflowId).toBe(b.body.data.workflowId);
    const handle = temporal.workflow.getHandle(a.body.data.workflowId);
    const progress = await handle.query<WecomSyncProgress>('progress');
    expect(progress.phases[0]?.kind).toBe('customers');
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    await control('DELETE', `/corps/${corp.corpId}/faults`);
    await handle.result();
  });

  it('gives every registered corp a nightly full-sync schedule, created once', async () => {
    const corp = await createSimulatedCorp(db, { seed: 15, customers: 10 });
    const handle = temporal.schedule.getHandle(`wecom-nightly-sync-${corp.corpId}`);
    const description = await waitFor('the nightly schedule', () => handle.describe().catch(() => undefined), {
      timeoutMs: 30_000,
    });
    expect(description.spec.calendars ?? description.spec.intervals).toBeDefined();
    expect(description.action.type).toBe('startWorkflow');
    expect(description.action.workflowType).toBe('wecomFullSync');
    expect(description.action.workflowId).toBe(`wecom-sync-all-${corp.corpId}`);
    expect(description.policies.overlap).toBe('SKIP');
    const created = description.info.createdAt.getTime();
    await new Promise((r) => setTimeout(r, 3000));
    // Later checks by the worker leave it as it is.
    expect((await handle.describe()).info.createdAt.getTime()).toBe(created);
  });

  it('answers {workflowId, runId} from every sync operation and reports status and progress at GET /admin/sync/{kind}', async () => {
    const corp = await createSimulatedCorp(db, { seed: 5, customers: 30 });
    const admin = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });
    const stranger = await createAdmin(db, sharedApiUrl, { corpId: uid('corp-') });

    const before = await call(sharedApiUrl, 'GET', '/admin/sync/customers', { token: admin.token });
    expect(before.status).toBe(404);

    for (const [kind, path] of SYNC_ROUTES) {
      const started = await call<{ workflowId: string; runId: string }>(sharedApiUrl, 'POST', path, {
        token: admin.token,
      });
      expect(started.status).toBe(200);
      expect(Object.keys(started.body.data).sort()).toEqual(['runId', 'workflowId']);
      expect(started.body.data.workflowId).toBe(`wecom-sync-${kind}-${corp.corpId}`);
      expect(started.body.data.runId).toMatch(/^[0-9a-f-]{36}$/);

      const done = await waitFor(`${kind} sync to complete`, async () => {
        const status = await call<SyncStatus>(sharedApiUrl, 'GET', `/admin/sync/${kind}`, { token: admin.token });
        expect(status.status).toBe(200);
        return status.body.data.status === 'COMPLETED' && status.body.data;
      });
      expect(done).toMatchObject({ workflowId: started.body.data.workflowId, runId: started.body.data.runId });
      expect(done.closeTime).not.toBeNull();
      expect(done.phases).toEqual([expect.objectContaining({ kind, status: 'succeeded' })]);
      expect(done.phases?.[0]?.items).toBeGreaterThan(0);
    }

    // Another corp's admin sees none of it.
    const foreign = await call(sharedApiUrl, 'GET', '/admin/sync/customers', { token: stranger.token });
    expect(foreign.status).toBe(404);
    const badKind = await call(sharedApiUrl, 'GET', '/admin/sync/everything', { token: admin.token });
    expect(badKind.status).toBe(400);
  });
});
