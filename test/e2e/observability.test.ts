import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import {
  LOG_DIR,
  SHARED_TASK_QUEUE,
  SHARED_WORKER_METRICS_PORT,
  sharedApiUrl,
  sharedTemporalAddress,
  TEST_JWT_SECRET,
} from '../helpers/env';
import { clueBody, createAdmin, createPartner, createPolicy, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { waitFor } from '../helpers/wait';
import { createSimulatedCorp, syncWholeCorp } from '../helpers/wecom';

const workerUrl = `http://127.0.0.1:${SHARED_WORKER_METRICS_PORT}`;
const COLLECT = '/api-scrm/openapi/clue/collect';

/** The value of one series in Prometheus text, 0 when it is not there yet. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    if (wanted.every((pair) => labelText.split(',').includes(pair))) return Number(line.split(' ').pop());
  }
  return 0;
}

const apiMetrics = async () => (await fetch(`${sharedApiUrl}/metrics`)).text();
const logLines = (name: string) =>
  readFileSync(path.join(LOG_DIR, `shared-${name}.log`), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'));

describe('metrics, logs and health', () => {
  let db: Db;
  let admin: Awaited<ReturnType<typeof createAdmin>>;
  let temporal: Client;

  beforeAll(async () => {
    db = testDb();
    admin = await createAdmin(db, sharedApiUrl);
    temporal = new Client({ connection: await Connection.connect({ address: sharedTemporalAddress }) });
  });
  afterAll(async () => {
    await temporal.connection.close();
    await db.destroy();
  });

  it('counts a request under its route pattern and status', async () => {
    const labels = { method: 'GET', route: '/admin/role/:id', status: '404' };
    const before = sample(await apiMetrics(), 'scrm_http_requests_total', labels);
    const response = await call(sharedApiUrl, 'GET', '/admin/role/987654321', { token: admin.token });
    expect(response.status).toBe(404);
    const after = await apiMetrics();
    expect(sample(after, 'scrm_http_requests_total', labels)).toBe(before + 1);
    expect(sample(after, 'scrm_http_request_duration_seconds_count', labels)).toBe(before + 1);
    expect(after).toMatch(/^scrm_pg_pool_used\{process="api"\} \d+/m);
    expect(after).toMatch(/^scrm_outbox_pending\{outbox="distributions",process="api"\} \d+/m);
    expect(after).toMatch(/^process_cpu_user_seconds_total\{process="api"\}/m);
  });

  it('records the size of the group-commit statements of partner intake', async () => {
    const partner = await createPartner(db);
    const before = sample(await apiMetrics(), 'scrm_clue_intake_batch_size_count', { process: 'api' });
    const sent = await Promise.all(
      Array.from({ length: 5 }, () => call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(partner.secretKey) })),
    );
    expect(sent.every((r) => r.status === 200)).toBe(true);
    const metrics = await apiMetrics();
    const statements = sample(metrics, 'scrm_clue_intake_batch_size_count', { process: 'api' }) - before;
    expect(statements).toBeGreaterThanOrEqual(1);
    expect(statements).toBeLessThanOrEqual(5);
  });

  it('writes one JSON access-log line per request, with route, status, duration and request id', async () => {
    const requestId = uid('req-');
    await call(sharedApiUrl, 'POST', '/admin/role/page', {
      token: admin.token,
      body: {},
      headers: { 'x-request-id': requestId },
    });
    const line = await waitFor('the access-log line', async () => {
      const found = logLines('api').find((l) => l.includes(requestId));
      return found ? (JSON.parse(found) as Record<string, unknown>) : undefined;
    });
    expect(line).toMatchObject({
      level: 30,
      msg: 'request',
      requestId,
      method: 'POST',
      route: '/admin/role/page',
      status: 200,
    });
    expect(typeof line['durationMs']).toBe('number');
    expect(logLines('api').filter((l) => l.includes(requestId))).toHaveLength(1);
  });

  it('answers liveness and readiness on the API and the worker', async () => {
    expect((await call(sharedApiUrl, 'GET', '/health/live')).body.data).toEqual({ status: 'up' });
    expect((await call(sharedApiUrl, 'GET', '/health/ready')).body.data).toEqual({ postgres: true, temporal: true });
    const live = await fetch(`${workerUrl}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${workerUrl}/health/ready`);
    expect({ status: ready.status, body: await ready.json() }).toMatchObject({
      status: 200,
      body: { data: { postgres: true, worker: true } },
    });
  });

  it('exports the worker’s sync pages beside the Temporal SDK’s own series', async () => {
    const corp = await createSimulatedCorp(db, { customers: 30, employees: 3 });
    const scrape = async () => (await fetch(`${workerUrl}/metrics`)).text();
    const before = sample(await scrape(), 'scrm_wecom_sync_pages_total', { kind: 'customers' });
    await syncWholeCorp(temporal, corp.corpId);
    const after = await scrape();
    expect(sample(after, 'scrm_wecom_sync_pages_total', { kind: 'customers' })).toBeGreaterThan(before);
    expect(after).toMatch(/^temporal_\w+/m);
  });

  it('counts failed activity attempts by WeCom errcode', async () => {
    const corp = await createSimulatedCorp(db, { customers: 3, employees: 3 });
    // A secret WeCom refuses: every token request answers 40001 (retried: a token may be refused by mistake).
    await db('wecom_corp').where({ corp_id: corp.corpId }).update({ secret: 'wrong-secret' });
    const scrape = async () => (await fetch(`${workerUrl}/metrics`)).text();
    const failures = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith('scrm_activity_failures_total{') && l.includes('errcode="40001"'))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    const before = failures(await scrape());
    const handle = await temporal.workflow.start('wecomFullSync', {
      workflowId: uid('obs-failing-sync-'),
      taskQueue: SHARED_TASK_QUEUE,
      args: [{ corpId: corp.corpId, kind: 'departments', startedBy: 'test' }],
    });
    try {
      await waitFor('a failure counted under errcode 40001', async () => failures(await scrape()) > before);
    } finally {
      await handle.terminate('test over');
    }
  });

  it('keeps secrets and task tokens out of the logs', async () => {
    const partner = await createPartner(db);
    await createPolicy(sharedApiUrl, admin.token, partner.partnerId, [{ employeeUserid: uid('obs'), weight: 1 }]);
    const sent = await call<{ clueId: string }>(sharedApiUrl, 'POST', COLLECT, { body: clueBody(partner.secretKey) });
    expect(sent.status).toBe(200);
    const wrongKey = await call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(`${partner.secretKey}x`) });
    expect(wrongKey.status).toBe(401);
    await waitFor('the clue assigned', async () => {
      const row = await db('clue').where({ partner_id: partner.partnerId }).first('status');
      return row?.status === 'assigned';
    });
    const logs = [...logLines('api'), ...logLines('worker')].join('\n');
    expect(logs.length).toBeGreaterThan(1000);
    expect(logs).not.toContain(TEST_JWT_SECRET);
    expect(logs).not.toContain(partner.secretKey);
    expect(logs).not.toContain(admin.token);
    expect(logs).not.toMatch(/taskToken/i);
  });
});
