/**
 * Benchmark of the WeCom full sync: generated corps (BENCH_CUSTOMERS customers each, default
 * 100,000 then 300,000) in the local WeCom simulator are mirrored into PostgreSQL by the real
 * `wecomFullSync` workflow (kind 'all'), each size on a fresh worker process. For each size, a
 * bare fetch loop first pages the same corp the way the customer phase does, without database or
 * Temporal, as the baseline the sync is compared with; a summary at the end sets the sizes side
 * by side (time, WeCom calls, worker peak RSS, PostgreSQL CPU per relation). Run with
 * `npm run bench:sync` (or `npx tsx bench/sync.ts`); see bench/README.md.
 *
 * The Temporal dev server, the simulator and the workers run as separate child processes, each
 * measured on its own, and all of them are stopped at the end, on error and on Ctrl-C.
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDatabase } from '../src/db/ensure-database';
import { createDb, migrateToLatest, type Db } from '../src/db/knex';
import { upsertWecomCorp } from '../src/db/queries/wecom-corps';
import { WecomSyncClient } from '../src/temporal/wecom-sync-client';
import type { CorpCredentialsAnswer } from '../src/wecom/simulator/control-client';
import {
  SYNC_LANES,
  type PhaseProgress,
  type WecomSyncProgress,
  type wecomFullSync,
} from '../src/workflows/wecom-full-sync';
import {
  cpuSnapshot,
  cpuUsage,
  groups,
  logTail,
  currentRssMiB,
  peakRssMiB,
  pickPort,
  sleep,
  spawnChild,
  stopChild,
  waitForHttp200,
  type Child,
  type CpuGroups,
  type CpuUsage,
} from './processes';
import { intEnv, temporalBinary, temporalServing } from './settings';
import { BackendCpuTracker, withApplicationName, type BackendCpu } from './pg-backend-cpu';
import { pageCorpRaw, type RawPagingResult } from './sync-raw';

const ROOT = path.resolve(__dirname, '..');
const TASK_QUEUE = 'bench-sync';

const settings = {
  databaseUrl: process.env['BENCH_DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/scrm_bench_sync',
  /** Corp sizes measured one after the other, each on a fresh worker: "100000,300000". */
  sizes: sizesEnv('BENCH_CUSTOMERS', [100_000, 300_000]),
  seed: intEnv('BENCH_SEED', 1, 0),
  temporalAddress: process.env['BENCH_TEMPORAL_ADDRESS'] || undefined,
  temporalPort: intEnv('BENCH_TEMPORAL_PORT', 7933),
  simulatorPort: intEnv('BENCH_SIMULATOR_PORT', 18590),
  /** The worker's /metrics, read for its V8 heap at each progress line. */
  workerMetricsPort: intEnv('BENCH_WORKER_METRICS_PORT', 18591),
  progressSeconds: intEnv('BENCH_PROGRESS_SECONDS', 5),
  capSeconds: intEnv('BENCH_SYNC_CAP_SECONDS', 900),
  poolMax: intEnv('PG_POOL_MAX', 10),
  /** Unset: the server's autovacuum_naptime when its autovacuum is off, else never; 0: never. */
  analyzeSeconds: process.env['BENCH_ANALYZE_SECONDS'] ? intEnv('BENCH_ANALYZE_SECONDS', 0, 0) : undefined,
  /** Added to every simulator answer: real WeCom takes tens to hundreds of milliseconds per call. */
  wecomLatencyMs: intEnv('BENCH_WECOM_LATENCY_MS', 0, 0),
};

/** Worker peak RSS the sync should stay under at every size. */
const TARGET_WORKER_PEAK_MIB = 400;
/** The worker's backends are told apart from everything else on the shared server by this name. */
const WORKER_APPLICATION_NAME = 'bench-sync-worker';

function sizesEnv(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const sizes = raw.split(',').map((part) => Number(part.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`${name} must be a comma-separated list of integers ≥ 1 (got "${raw}")`);
  }
  return sizes;
}

const say = (message: string) => console.log(`» ${message}`);
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');

// ---------------------------------------------------------------------------------------------
// Processes

/** The port itself, or an error: the benchmark's ports are fixed so it never lands on another run's. */
async function requirePort(port: number, variable: string, taken: Set<number>): Promise<number> {
  const got = await pickPort(port, taken);
  if (got !== port) {
    taken.delete(got);
    throw new Error(`port ${port} is in use; free it or choose another with ${variable}`);
  }
  return port;
}

function spawnTs(name: string, file: string, env: NodeJS.ProcessEnv, logDir: string): Child {
  // node --import tsx instead of the tsx wrapper, so the child's pid is the process measured.
  return spawnChild(name, process.execPath, ['--import', 'tsx', file], {
    cwd: ROOT,
    env,
    logFile: path.join(logDir, `${name}.log`),
  });
}

async function waitForLogLine(child: Child, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let log = '';
    try {
      log = readFileSync(child.logFile, 'utf8');
    } catch {
      // not written yet
    }
    if (log.includes(text)) return;
    if (child.hasExited()) {
      throw new Error(`${child.name} exited (${await child.exited}) before "${text}"; its log:\n${logTail(child)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${child.name} did not print "${text}" within ${timeoutMs / 1000} s; its log:\n${logTail(child)}`,
      );
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// Simulator control API

interface SimStats {
  apiCalls: { total: number; byPath: Record<string, number>; errorsByPath: Record<string, Record<string, number>> };
}

interface CorpCounts {
  departments: number;
  employees: number;
  customers: number;
  groupChats: number;
  tagGroups: number;
}

async function control<T>(base: string, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}/control${route}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    // Generating a large corp or rendering its snapshot takes a while on a small machine.
    signal: AbortSignal.timeout(300_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`simulator ${method} /control${route}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

interface StatsDelta {
  total: number;
  byPath: Array<[string, number]>;
  errors: Array<[string, string, number]>;
}

function statsDelta(before: SimStats, after: SimStats): StatsDelta {
  const byPath = Object.entries(after.apiCalls.byPath)
    .map(([p, n]): [string, number] => [p, n - (before.apiCalls.byPath[p] ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const errors: Array<[string, string, number]> = [];
  for (const [p, codes] of Object.entries(after.apiCalls.errorsByPath)) {
    for (const [code, n] of Object.entries(codes)) {
      const delta = n - (before.apiCalls.errorsByPath[p]?.[code] ?? 0);
      if (delta > 0) errors.push([p, code, delta]);
    }
  }
  return { total: after.apiCalls.total - before.apiCalls.total, byPath, errors };
}

// ---------------------------------------------------------------------------------------------
// Database

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** Mirror tables, emptied each run so runs compare (a growing relation index slows every upsert). */
const MIRROR_TABLES = [
  'wecom_sync_run',
  'wecom_callback_event',
  'chat_group',
  'wecom_group_member',
  'wecom_group_chat',
  'customer_tag',
  'self_tag',
  'self_tag_group',
  'wecom_corp_tag',
  'wecom_corp_tag_group',
  'wecom_relation',
  'wecom_customer',
  'wecom_employee',
  'wecom_dept',
  'wecom_corp',
];

interface Analyzer {
  everySeconds: number;
  stop(): Promise<{ runs: number; seconds: number; firstAt: number | undefined }>;
}

/**
 * ANALYZEs the mirror tables every `everySeconds` while the sync runs. The sync's statements are
 * planned from table statistics; on a server with autovacuum off, tables filled from empty keep
 * the statistics of an empty table and get plans that scan everything for every page. Standing in
 * for autovacuum keeps the figures about the sync rather than about that server setting.
 */
function startAnalyzer(db: Db, everySeconds: number): Analyzer {
  let stopped = false;
  let wake: (() => void) | undefined;
  let runs = 0;
  let busyMs = 0;
  let firstAt: number | undefined;
  const loop = (async () => {
    while (everySeconds > 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, everySeconds * 1000).unref();
      });
      if (stopped) return;
      const began = performance.now();
      try {
        await db.raw(`ANALYZE ${MIRROR_TABLES.join(', ')}`);
        runs++;
        firstAt ??= Date.now();
      } catch (error) {
        say(`  ANALYZE failed: ${(error as Error).message}`);
      }
      busyMs += performance.now() - began;
    }
  })();
  return {
    everySeconds,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      return { runs, seconds: busyMs / 1000, firstAt };
    },
  };
}

async function autovacuumSettings(db: Db): Promise<{ on: boolean; naptime: number }> {
  const rows = (await db('pg_settings')
    .whereIn('name', ['autovacuum', 'autovacuum_naptime'])
    .select('name', 'setting')) as Array<{ name: string; setting: string }>;
  const value = (name: string) => rows.find((r) => r.name === name)?.setting;
  return { on: value('autovacuum') === 'on', naptime: Number(value('autovacuum_naptime') ?? 60) };
}

interface PhaseRow {
  kind: string;
  status: string;
  seconds: number | null;
  stats: Partial<PhaseProgress>;
}

async function phaseRows(db: Db, corpId: string): Promise<PhaseRow[]> {
  const rows = (await db('wecom_sync_run').where({ corp_id: corpId }).orderBy('id').select(
    'kind',
    'status',
    'stats',
    // A phase cut short (cap, crash) has no finished_at: its time so far.
    db.raw('extract(epoch FROM coalesce(finished_at, now()) - started_at)::float8 AS seconds'),
  )) as Array<{ kind: string; status: string; stats: Partial<PhaseProgress> | null; seconds: number | null }>;
  return rows.map((r) => ({ ...r, stats: r.stats ?? {} }));
}

async function mirrorCounts(
  db: Db,
  corpId: string,
): Promise<{ relations: number; relationRows: number; customers: number }> {
  const [relations] = (await db('wecom_relation')
    .where({ corp_id: corpId })
    .select(
      db.raw('count(*) FILTER (WHERE status = 0 AND is_del = 0)::int AS relations'),
      db.raw('count(*)::int AS "relationRows"'),
    )) as Array<{ relations: number; relationRows: number }>;
  const [customers] = (await db('wecom_customer')
    .where({ corp_id: corpId, is_del: 0 })
    .select(db.raw('count(*)::int AS customers'))) as Array<{ customers: number }>;
  return {
    relations: relations?.relations ?? 0,
    relationRows: relations?.relationRows ?? 0,
    customers: customers?.customers ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------
// The sync

type SyncOutcome =
  { kind: 'completed'; progress: WecomSyncProgress } | { kind: 'failed'; message: string } | { kind: 'capped' };

function runningPhase(progress: WecomSyncProgress | undefined): PhaseProgress | undefined {
  return progress?.phases.find((p) => p.status === 'running');
}

/** Relations in the mirror during the customers phase, sampled at each progress poll. */
interface RelationSample {
  /** Seconds since the workflow started. */
  t: number;
  relations: number;
}

interface SyncRun {
  /** Epoch ms when the workflow was started. */
  startedAt: number;
  outcome: SyncOutcome;
  seconds: number;
  progress: WecomSyncProgress | undefined;
  samples: RelationSample[];
}

async function countRelations(db: Db, corpId: string): Promise<number> {
  const [row] = (await db('wecom_relation').where({ corp_id: corpId }).select(db.raw('count(*)::int AS n'))) as Array<{
    n: number;
  }>;
  return row?.n ?? 0;
}

async function runSync(
  client: Client,
  db: Db,
  corpId: string,
  worker: Child,
  onTick: () => Promise<void>,
): Promise<SyncRun> {
  const started = Date.now();
  const { workflowId, runId } = await new WecomSyncClient(client, TASK_QUEUE).start(corpId, 'all', 'bench');
  const handle: WorkflowHandle<typeof wecomFullSync> = client.workflow.getHandle(workflowId, runId);
  say(`workflow ${workflowId} started; progress every ${settings.progressSeconds} s`);

  let finishedAt = 0;
  const result = handle.result().then(
    (progress): SyncOutcome => {
      finishedAt = Date.now();
      return { kind: 'completed', progress };
    },
    (error: unknown): SyncOutcome => {
      finishedAt = Date.now();
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return { kind: 'failed', message: `${error instanceof Error ? error.message : String(error)}${cause}` };
    },
  );

  let last: WecomSyncProgress | undefined;
  const samples: RelationSample[] = [];
  let outcome: SyncOutcome | undefined;
  while (!outcome) {
    const tick = sleep(settings.progressSeconds * 1000).then(() => undefined);
    outcome = await Promise.race([result, tick]);
    if (outcome) break;
    if (worker.hasExited())
      throw new Error(`worker exited during the sync (${await worker.exited}):\n${logTail(worker)}`);
    const elapsed = (Date.now() - started) / 1000;
    await onTick().catch(() => undefined);
    try {
      last = await handle.query<WecomSyncProgress>('progress');
    } catch (error) {
      say(`  [${fmt(elapsed).padStart(4)} s] progress query failed: ${(error as Error).message}`);
      continue;
    }
    const phase = runningPhase(last);
    if (phase) {
      let live = '';
      if (phase.kind === 'customers') {
        // The workflow's counters move once per paging activity (up to 20 s of pages); the mirror's
        // relation count moves with every page, so it gives the current rate.
        const relations = await countRelations(db, corpId);
        const previous = samples[samples.length - 1];
        samples.push({ t: elapsed, relations });
        const rate = previous ? (relations - previous.relations) / (elapsed - previous.t) : NaN;
        live = `; mirror ${int(relations)} relations${previous ? ` (+${int(rate)}/s)` : ''}`;
      }
      say(
        `  [${fmt(elapsed).padStart(4)} s] ${phase.kind}: batch ${phase.batchesDone}/${phase.batchesTotal}, ` +
          `${int(phase.pages)} pages, ${int(phase.items)} items, ${int(phase.wecomCalls)} WeCom calls${live}; ` +
          `worker RSS ${fmt(currentRssMiB(worker.pid) ?? NaN)} MiB${await workerHeap()}`,
      );
    }
    if (elapsed > settings.capSeconds) {
      await handle.terminate(`benchmark cap of ${settings.capSeconds} s reached`).catch(() => undefined);
      outcome = { kind: 'capped' };
      finishedAt = Date.now();
    }
  }
  // A closed workflow still answers queries (the worker replays it): the final phase list.
  try {
    last = await handle.query<WecomSyncProgress>('progress');
  } catch {
    // keep the last progress polled
  }
  if (outcome.kind === 'completed') last = outcome.progress;
  return { startedAt: started, outcome, seconds: (finishedAt - started) / 1000, progress: last, samples };
}

/** The worker's main V8 heap (used / total, MiB) from its /metrics, or '' when it does not answer. */
async function workerHeap(): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${settings.workerMetricsPort}/metrics`, {
      signal: AbortSignal.timeout(2000),
    });
    const text = await response.text();
    const value = (name: string) =>
      Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
    return ` (heap ${fmt(value('nodejs_heap_size_used_bytes'))} / ${fmt(value('nodejs_heap_size_total_bytes'))} MiB)`;
  } catch {
    return '';
  }
}

/** Relations per second between the samples nearest to `from` and `to` (seconds since the start). */
function growthRate(samples: RelationSample[], from: number, to: number): number {
  const a = samples.find((x) => x.t >= from);
  const z = [...samples].reverse().find((x) => x.t <= to);
  if (!a || !z || z.t <= a.t) return NaN;
  return (z.relations - a.relations) / (z.t - a.t);
}

// ---------------------------------------------------------------------------------------------

const children: Child[] = [];
let db: Db | undefined;
let connection: Connection | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await connection?.close().catch(() => undefined);
    // The worker first, so it does not log connection errors while Temporal goes away.
    const worker = children.find((c) => c.name === 'worker');
    if (worker) await stopChild(worker);
    await Promise.all(children.filter((c) => c !== worker).map((c) => stopChild(c)));
    await db?.destroy().catch(() => undefined);
  })();
  return cleaning;
}

interface Shared {
  cores: number;
  logDir: string;
  database: Db;
  dbName: string;
  temporalAddress: string;
  temporal: Child | undefined;
  simulator: Child;
  simBase: string;
  apiBase: string;
  client: Client;
  autovacuum: { on: boolean; naptime: number };
  analyzeEvery: number;
}

/** What the summary across sizes compares. */
interface SizeFigures {
  customers: number;
  relations: number;
  completed: boolean;
  syncSeconds: number;
  customersPhaseSeconds: number;
  wecomCalls: number;
  workerIdleMiB: number | undefined;
  workerPeakMiB: number | undefined;
  pgBackends: BackendCpu;
  postgresAllSeconds: number;
}

/** One corp size: its own corp, an empty mirror, a raw loop, a fresh worker and the sync. */
async function measureSize(shared: Shared, customers: number): Promise<{ figures: SizeFigures; problems: number }> {
  const { database, simBase, apiBase, cores } = shared;
  // CASCADE: acquisition and clue tables of this bench database refer to callbacks and self tags.
  await database.raw(`TRUNCATE ${MIRROR_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
  say(`${int(customers)} customers: WeCom mirror tables emptied`);

  // A fresh corp id per size: the mirror starts empty for it and workflow ids never collide.
  const corpId = `bench-sync-${Date.now().toString(36)}`;
  const corp = await control<CorpCredentialsAnswer>(simBase, 'POST', '/corps', {
    corpId,
    seed: settings.seed,
    customers,
  });
  const { counts } = await control<{ counts: CorpCounts }>(simBase, 'GET', `/corps/${corpId}`);
  if (settings.wecomLatencyMs > 0) {
    await control(simBase, 'POST', `/corps/${corpId}/faults`, { path: '*', latencyMs: settings.wecomLatencyMs });
  }
  say(
    `simulator: corp ${corpId} generated in ${int(corp.generatedInMs)} ms — ` +
      `${int(counts.customers)} customers, ${int(counts.employees)} employees, ${int(counts.departments)} departments, ` +
      `${int(counts.groupChats)} groups, ${int(counts.tagGroups)} tag groups`,
  );
  await upsertWecomCorp(database, {
    corpId,
    name: 'bench sync corp',
    secret: corp.secret,
    agentId: corp.agentId,
    callbackToken: corp.callbackToken,
    encodingAesKey: corp.encodingAesKey,
  });

  const watched: CpuGroups = [
    { label: 'bench', pids: () => [process.pid] },
    { label: 'simulator', pids: groups.processTree(shared.simulator.pid) },
    ...(shared.temporal ? [{ label: 'temporal', pids: groups.processTree(shared.temporal.pid) }] : []),
    { label: 'postgres', pids: groups.named('postgres') },
  ];

  // Raw paging baseline. WeCom's 10,000 calls a minute per path would cap a large corp's loop and
  // so measure the quota rather than the simulator; it is lifted for the loop only, and setting it
  // back also resets the simulator's windows, so the sync starts with a full budget.
  await control(simBase, 'PATCH', `/corps/${corpId}`, { rateLimitPerMinute: 1_000_000_000 });
  say(
    `raw paging: get_follow_user_list, then batch/get_by_user per 100 employees (limit 100), ` +
      `${SYNC_LANES} batches at a time as the sync's lanes`,
  );
  const rawCpuBefore = cpuSnapshot(watched);
  const raw: RawPagingResult = await pageCorpRaw(apiBase, corpId, corp.secret, SYNC_LANES);
  const rawCpu = cpuUsage(rawCpuBefore, cpuSnapshot(watched), watched, cores);
  await control(simBase, 'PATCH', `/corps/${corpId}`, { rateLimitPerMinute: 10_000 });
  say(
    `    ${int(raw.pages)} pages, ${int(raw.pairs)} pairs in ${fmt(raw.seconds, 1)} s: ` +
      `${int(raw.pairs / raw.seconds)} pairs/s, ${int(raw.pages / raw.seconds)} pages/s`,
  );

  // A fresh worker per size, started after the raw loop so its start-up takes no CPU from it:
  // its peak memory is this size's alone.
  const worker = spawnTs(
    `worker-${customers}`,
    'src/main/worker.ts',
    {
      ...process.env,
      DATABASE_URL: withApplicationName(settings.databaseUrl, WORKER_APPLICATION_NAME),
      TEMPORAL_ADDRESS: shared.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      JWT_SECRET: 'bench-only-jwt-secret-0123456789abcdefghij',
      WECOM_API_BASE_URL: apiBase,
      NODE_ENV: 'production',
      // info: the readiness line is logged at info; the sync itself logs nothing per page.
      LOG_LEVEL: 'info',
      PG_POOL_MAX: String(settings.poolMax),
      WORKER_METRICS_PORT: String(settings.workerMetricsPort),
      // Node flags of the worker alone (e.g. a heap limit); the simulator needs more than a worker does.
      NODE_OPTIONS: process.env['BENCH_WORKER_NODE_OPTIONS'] ?? process.env['NODE_OPTIONS'] ?? '',
      // Not inherited: a configured corp in the caller's shell would be registered into the bench database.
      WECOM_CORP_ID: '',
      WECOM_SECRET: '',
      WECOM_AGENT_ID: '',
      WECOM_CALLBACK_TOKEN: '',
      WECOM_ENCODING_AES_KEY: '',
    },
    shared.logDir,
  );
  children.push(worker);
  try {
    const workerStart = Date.now();
    await waitForLogLine(worker, 'worker running', 180_000);
    await sleep(2000);
    const workerIdleMiB = peakRssMiB(worker.pid);
    say(
      `worker (pid ${worker.pid}) running after ${fmt((Date.now() - workerStart) / 1000 - 2, 1)} s, ` +
        `peak RSS so far ${fmt(workerIdleMiB ?? NaN)} MiB`,
    );
    watched.splice(1, 0, { label: 'worker', pids: groups.processTree(worker.pid) });

    const statsBefore = await control<SimStats>(simBase, 'GET', `/corps/${corpId}/stats`);
    const backends = new BackendCpuTracker(database, shared.dbName, WORKER_APPLICATION_NAME);
    await backends.start();
    const syncCpuBefore = cpuSnapshot(watched);
    const analyzer = startAnalyzer(database, shared.analyzeEvery);
    const sync = await runSync(shared.client, database, corpId, worker, () => backends.sample());
    const analyzed = await analyzer.stop();
    const syncCpu = cpuUsage(syncCpuBefore, cpuSnapshot(watched), watched, cores);
    const pgBackends = await backends.stop();
    const statsAfter = await control<SimStats>(simBase, 'GET', `/corps/${corpId}/stats`);

    // Peak memory before the snapshot below, which the simulator renders in memory.
    const rss = {
      worker: peakRssMiB(worker.pid),
      simulator: peakRssMiB(shared.simulator.pid),
      temporal: shared.temporal ? peakRssMiB(shared.temporal.pid) : undefined,
      bench: peakRssMiB(process.pid),
    };
    const phases = await phaseRows(database, corpId);
    const mirror = await mirrorCounts(database, corpId);
    const snapshot = await control<{ customers: Array<{ follow_user: unknown[] }> }>(
      simBase,
      'GET',
      `/corps/${corpId}/state?sections=customers`,
    );
    const simulatorPairs = snapshot.customers.reduce((sum, c) => sum + c.follow_user.length, 0);
    const calls = statsDelta(statsBefore, statsAfter);
    const postgresAll = syncCpu.byGroup.find((g) => g.label === 'postgres');

    const problems = printReport({
      cores,
      corpId,
      counts,
      raw,
      rawCpu,
      sync,
      syncCpu,
      pgBackends,
      phases,
      calls,
      analyze: { autovacuum: shared.autovacuum.on, every: shared.analyzeEvery, ...analyzed },
      rss: { ...rss, workerIdle: workerIdleMiB },
      mirror,
      simulatorPairs,
      simulatorCustomers: snapshot.customers.length,
    });
    return {
      problems,
      figures: {
        customers: counts.customers,
        relations: mirror.relations,
        completed: sync.outcome.kind === 'completed',
        syncSeconds: sync.seconds,
        customersPhaseSeconds: phases.find((p) => p.kind === 'customers')?.seconds ?? NaN,
        wecomCalls: calls.total,
        workerIdleMiB,
        workerPeakMiB: rss.worker,
        pgBackends,
        postgresAllSeconds: ((postgresAll?.percent ?? NaN) / 100) * syncCpu.seconds,
      },
    };
  } finally {
    await stopChild(worker);
    children.splice(children.indexOf(worker), 1);
    // The simulator keeps every corp in memory: drop this one before the next size.
    await control(simBase, 'DELETE', `/corps/${corpId}`).catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  const cores = os.availableParallelism();
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'scrm-bench-sync-'));
  const dbName = databaseName(settings.databaseUrl);
  if (!/bench/i.test(dbName)) {
    throw new Error(
      `refusing to use database "${dbName}": the benchmark empties the WeCom mirror tables of its database. ` +
        'Point BENCH_DATABASE_URL at a dedicated database whose name contains "bench".',
    );
  }
  say(
    `WeCom full-sync benchmark: ${settings.sizes.map(int).join(', ')} customers (seed ${settings.seed}), ` +
      `${cores} cores, node ${process.version}, pg pool ${settings.poolMax}, load average ` +
      `${os
        .loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}; logs in ${logDir}`,
  );

  const idle: CpuGroups = [{ label: 'bench', pids: () => [process.pid] }];
  const idleBefore = cpuSnapshot(idle);
  await sleep(1000);
  const preflight = cpuUsage(idleBefore, cpuSnapshot(idle), idle, cores);
  say(`machine busy before start: ${fmt(preflight.machine)}% of ${cores * 100}%`);

  // 1. Database
  await ensureDatabase(settings.databaseUrl);
  const database = createDb(settings.databaseUrl, 4);
  db = database;
  await migrateToLatest(database);
  say(`database ${dbName} migrated`);
  const autovacuum = await autovacuumSettings(database);
  const analyzeEvery = settings.analyzeSeconds ?? (autovacuum.on ? 0 : autovacuum.naptime);
  if (!autovacuum.on) {
    say(
      analyzeEvery > 0
        ? `PostgreSQL autovacuum is off: the benchmark analyzes the mirror tables every ${analyzeEvery} s during the sync, as autovacuum would (BENCH_ANALYZE_SECONDS=0: never)`
        : 'PostgreSQL autovacuum is off and BENCH_ANALYZE_SECONDS=0: the sync runs on the statistics of empty tables',
    );
  }

  // 2. Temporal and the simulator, shared by the sizes (each size gets its own worker).
  const taken = new Set<number>();
  let temporalAddress = settings.temporalAddress;
  let temporal: Child | undefined;
  if (!temporalAddress) {
    const bin = temporalBinary();
    const port = await requirePort(settings.temporalPort, 'BENCH_TEMPORAL_PORT', taken);
    temporalAddress = `127.0.0.1:${port}`;
    temporal = spawnChild(
      'temporal',
      bin,
      ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--log-level', 'warn'],
      { cwd: ROOT, env: process.env, logFile: path.join(logDir, 'temporal.log') },
    );
    children.push(temporal);
    const deadline = Date.now() + 60_000;
    while (!(await temporalServing(bin, temporalAddress))) {
      if (temporal.hasExited()) throw new Error(`Temporal exited (${await temporal.exited}):\n${logTail(temporal)}`);
      if (Date.now() > deadline) throw new Error(`Temporal not serving after 60 s:\n${logTail(temporal)}`);
      await sleep(300);
    }
    say(`Temporal dev server (in memory) serving on ${temporalAddress}`);
  } else {
    say(`using the Temporal server at ${temporalAddress}`);
  }

  const simPort = await requirePort(settings.simulatorPort, 'BENCH_SIMULATOR_PORT', taken);
  const simBase = `http://127.0.0.1:${simPort}`;
  const simulator = spawnTs(
    'simulator',
    'src/main/wecom-simulator.ts',
    { ...process.env, SIMULATOR_PORT: String(simPort), SIMULATOR_HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    logDir,
  );
  children.push(simulator);
  await waitForHttp200(`${simBase}/control/health`, 60_000, [simulator]);
  say(`simulator (pid ${simulator.pid}) on ${simBase}`);

  connection = await Connection.connect({ address: temporalAddress });
  const shared: Shared = {
    cores,
    logDir,
    database,
    dbName,
    temporalAddress,
    temporal,
    simulator,
    simBase,
    apiBase: `${simBase}/cgi-bin/`,
    client: new Client({ connection, namespace: 'default' }),
    autovacuum,
    analyzeEvery,
  };

  let problems = 0;
  const results: SizeFigures[] = [];
  for (const customers of settings.sizes) {
    console.log('');
    say(`——— ${int(customers)} customers ———`);
    const result = await measureSize(shared, customers);
    problems += result.problems;
    results.push(result.figures);
  }
  printSummary(results);
  console.log(`machine busy before start: ${fmt(preflight.machine)}% of ${cores * 100}%`);
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}; total run time ${fmt((Date.now() - startedAt) / 1000)} s`,
  );
  return problems > 0 ? 1 : 0;
}

/** The sizes side by side: time and calls should grow with the relations, memory should not. */
function printSummary(results: SizeFigures[]): void {
  const out: string[] = [''];
  out.push('SUMMARY — one fresh worker per size');
  out.push(
    `${'customers'.padStart(9)} ${'relations'.padStart(9)} ${'sync s'.padStart(7)} ${'cust. s'.padStart(7)} ` +
      `${'calls'.padStart(6)} ${'ms/1k rel'.padStart(9)} ${'calls/1k rel'.padStart(12)} ` +
      `${'worker idle→peak MiB'.padStart(20)} ${'PG worker-backends CPU s'.padStart(24)} ${'µs/rel'.padStart(6)} ` +
      `${'all postgres CPU s'.padStart(18)}`,
  );
  for (const r of results) {
    out.push(
      `${int(r.customers).padStart(9)} ${int(r.relations).padStart(9)} ${fmt(r.syncSeconds, 1).padStart(7)} ` +
        `${fmt(r.customersPhaseSeconds, 1).padStart(7)} ${int(r.wecomCalls).padStart(6)} ` +
        `${fmt((1000 * r.syncSeconds * 1000) / r.relations, 1).padStart(9)} ` +
        `${fmt((1000 * r.wecomCalls) / r.relations, 2).padStart(12)} ` +
        `${`${fmt(r.workerIdleMiB ?? NaN)} → ${fmt(r.workerPeakMiB ?? NaN)}`.padStart(20)} ` +
        `${fmt(r.pgBackends.seconds, 1).padStart(24)} ${fmt((1e6 * r.pgBackends.seconds) / r.relations).padStart(6)} ` +
        `${fmt(r.postgresAllSeconds, 1).padStart(18)}` +
        (r.completed ? '' : '  (did not complete)'),
    );
  }
  const first = results[0];
  for (const r of results.slice(1)) {
    if (!first) break;
    const grow = r.relations / first.relations;
    out.push(
      `${int(first.customers)} → ${int(r.customers)}: relations ×${fmt(grow, 2)}, sync time ×${fmt(r.syncSeconds / first.syncSeconds, 2)}, ` +
        `WeCom calls ×${fmt(r.wecomCalls / first.wecomCalls, 2)}, PG CPU ×${fmt(r.pgBackends.seconds / first.pgBackends.seconds, 2)}, ` +
        `worker peak ×${fmt((r.workerPeakMiB ?? NaN) / (first.workerPeakMiB ?? NaN), 2)}`,
    );
  }
  const peaks = results.map((r) => r.workerPeakMiB ?? Infinity);
  const met = peaks.every((peak) => peak < TARGET_WORKER_PEAK_MIB);
  out.push(
    `worker peak RSS ${results.map((r) => `${fmt(r.workerPeakMiB ?? NaN)} MiB`).join(', ')} ` +
      `(target < ${TARGET_WORKER_PEAK_MIB} MiB at every size) — ${met ? 'met' : 'NOT met'}`,
  );
  console.log(out.join('\n'));
}

function printReport(r: {
  cores: number;
  corpId: string;
  counts: CorpCounts;
  raw: RawPagingResult;
  rawCpu: CpuUsage;
  sync: SyncRun;
  syncCpu: CpuUsage;
  pgBackends: BackendCpu;
  phases: PhaseRow[];
  calls: StatsDelta;
  analyze: { autovacuum: boolean; every: number; runs: number; seconds: number; firstAt: number | undefined };
  rss: Record<string, number | undefined>;
  mirror: { relations: number; relationRows: number; customers: number };
  simulatorPairs: number;
  simulatorCustomers: number;
}): number {
  const out: string[] = [];
  const line = (s = '') => out.push(s);
  const problems: string[] = [];

  line();
  line(
    `RESULTS — WeCom full sync (kind 'all') of ${int(r.counts.customers)} customers, ${int(r.counts.employees)} employees, ` +
      `${int(r.counts.groupChats)} groups; simulator → worker → PostgreSQL, loopback, ${r.cores} cores` +
      (settings.wecomLatencyMs > 0 ? `; every WeCom answer delayed ${settings.wecomLatencyMs} ms` : ''),
  );
  const outcome = r.sync.outcome;
  line(
    `sync outcome: ${
      outcome.kind === 'completed'
        ? 'completed'
        : outcome.kind === 'capped'
          ? `TERMINATED at the ${settings.capSeconds} s cap (BENCH_SYNC_CAP_SECONDS)`
          : `FAILED — ${outcome.message}`
    }`,
  );
  if (outcome.kind !== 'completed') problems.push(`the sync did not complete (${outcome.kind})`);
  line();

  // Phase list: status and times from wecom_sync_run (exact), counters from the workflow.
  const progressByKind = new Map((r.sync.progress?.phases ?? []).map((p) => [p.kind, p] as const));
  const header = `${'phase'.padEnd(12)} ${'status'.padEnd(10)} ${'wall s'.padStart(7)} ${'pages'.padStart(6)} ${'items'.padStart(8)} ${'created'.padStart(8)} ${'updated'.padStart(8)} ${'unchanged'.padStart(9)} ${'deleted'.padStart(7)} ${'calls'.padStart(6)}`;
  line(header);
  const kinds = r.sync.progress?.phases.map((p) => p.kind) ?? r.phases.map((p) => p.kind);
  for (const kind of kinds) {
    const row = r.phases.find((p) => p.kind === kind);
    const p: Partial<PhaseProgress> = progressByKind.get(kind as PhaseProgress['kind']) ?? row?.stats ?? {};
    const status = row?.status ?? p.status ?? 'not started';
    line(
      `${kind.padEnd(12)} ${status.padEnd(10)} ${fmt(row?.seconds ?? NaN, 1).padStart(7)} ${int(p.pages ?? 0).padStart(6)} ` +
        `${int(p.items ?? 0).padStart(8)} ${int(p.created ?? 0).padStart(8)} ${int(p.updated ?? 0).padStart(8)} ` +
        `${int(p.unchanged ?? 0).padStart(9)} ${int(p.deleted ?? 0).padStart(7)} ${int(p.wecomCalls ?? 0).padStart(6)}`,
    );
    const error = p.error ?? row?.stats.error;
    if (error) {
      line(`  ${kind} error: ${error}`);
      problems.push(`${kind} phase failed: ${error}`);
    }
  }
  line(`whole sync (workflow start → result): ${fmt(r.sync.seconds, 1)} s`);
  line();

  const customersPhase = r.phases.find((p) => p.kind === 'customers');
  const customersDone = customersPhase?.status === 'succeeded';
  // A phase cut short still has a rate: what reached the mirror over the time it ran.
  const customersSeconds = customersPhase?.seconds ?? NaN;
  const pairs = r.mirror.relations;
  const customers = r.mirror.customers;
  const rawPairRate = r.raw.pairs / r.raw.seconds;
  const phaseRelRate = pairs / customersSeconds;
  const wholeRelRate = pairs / r.sync.seconds;
  const partial = customersDone ? '' : ' — PARTIAL, the phase did not finish';
  line('throughput (customers and relations in the mirror afterwards, per second of wall time):');
  line(
    `  customers phase: ${int(customers / customersSeconds)} customers/s, ${int(phaseRelRate)} relations/s ` +
      `(${int(customers)} customers, ${int(pairs)} relations in ${fmt(customersSeconds, 1)} s${partial})`,
  );
  const samples = r.sync.samples;
  const first = samples[0]?.t ?? 0;
  const last = samples[samples.length - 1]?.t ?? 0;
  // Two 30 s windows that do not overlap, or the two figures would say the same thing.
  if (last - first >= 60) {
    line(
      `                   mirror growth ${int(growthRate(samples, first, first + 30))} relations/s over its first 30 s, ` +
        `${int(growthRate(samples, last - 30, last))}/s over its last 30 s`,
    );
    const analyzedAt = r.analyze.firstAt === undefined ? undefined : (r.analyze.firstAt - r.sync.startedAt) / 1000;
    if (analyzedAt !== undefined && analyzedAt > first && analyzedAt < last) {
      line(
        `                   before the first ANALYZE (${fmt(analyzedAt)} s into the sync) ` +
          `${int(growthRate(samples, 0, analyzedAt))}/s, after it ${int(growthRate(samples, analyzedAt, last))}/s`,
      );
    }
  }
  line(
    `  whole sync:      ${int(customers / r.sync.seconds)} customers/s, ${int(wholeRelRate)} relations/s ` +
      `(${fmt(r.sync.seconds, 1)} s, ${outcome.kind === 'completed' ? 'all five phases' : 'until it stopped'})`,
  );
  line(
    `  raw paging:      ${int(r.raw.customers / r.raw.seconds)} customers/s, ${int(rawPairRate)} pairs/s, ` +
      `${int(r.raw.pages / r.raw.seconds)} pages/s (${int(r.raw.pages)} pages, ${int(r.raw.pairs)} pairs, ` +
      `${r.raw.batches} batches of ≤ 100 of ${r.raw.followUsers} followers, ${fmt(r.raw.seconds, 1)} s; no DB, no Temporal)`,
  );
  line(
    `  sync / raw (relations/s ÷ pairs/s): customers phase ${fmt(phaseRelRate / rawPairRate, 3)}, ` +
      `whole sync ${fmt(wholeRelRate / rawPairRate, 3)}`,
  );
  line();

  line(`WeCom calls during the sync (simulator stats): ${int(r.calls.total)}`);
  line(`  ${r.calls.byPath.map(([p, n]) => `${p} ${int(n)}`).join(', ')}`);
  const workflowCalls = (r.sync.progress?.phases ?? []).reduce((sum, p) => sum + p.wecomCalls, 0);
  line(
    `  counted by the workflow: ${int(workflowCalls)} (without gettoken); raw loop: ${int(r.raw.calls)} calls incl. gettoken`,
  );
  if (r.calls.errors.length > 0) {
    line(`  WeCom errors: ${r.calls.errors.map(([p, code, n]) => `${p} errcode ${code} ×${n}`).join(', ')}`);
  }
  line();

  const cpuLine = (label: string, cpu: CpuUsage) =>
    `  ${label.padEnd(10)} machine ${fmt(cpu.machine).padStart(3)}: ` +
    cpu.byGroup
      .filter((g) => g.percent >= 0.5)
      .map((g) => `${g.label} ${fmt(g.percent)}`)
      .join(', ') +
    `, other ${fmt(cpu.other)}`;
  line(`CPU, % of one core (machine = ${r.cores * 100}%):`);
  line(cpuLine('raw loop', r.rawCpu));
  line(cpuLine('sync', r.syncCpu));
  line(
    `PostgreSQL backends of the worker (application_name ${WORKER_APPLICATION_NAME}, ${r.pgBackends.backends} seen): ` +
      `${fmt(r.pgBackends.seconds, 1)} CPU s, ${fmt((1e6 * r.pgBackends.seconds) / r.mirror.relations)} µs per relation ` +
      `(all postgres processes of the shared server: ${fmt(((r.syncCpu.byGroup.find((g) => g.label === 'postgres')?.percent ?? NaN) / 100) * r.syncCpu.seconds, 1)} CPU s)`,
  );
  const mib = (v: number | undefined) => (v === undefined ? 'n/a' : `${fmt(v)} MiB`);
  line(
    `peak RSS (VmHWM): worker ${mib(r.rss['worker'])} (${mib(r.rss['workerIdle'])} when it was ready), ` +
      `simulator ${mib(r.rss['simulator'])} (since its start)` +
      (r.rss['temporal'] !== undefined ? `, Temporal dev server ${mib(r.rss['temporal'])}` : '') +
      `, benchmark ${mib(r.rss['bench'])}`,
  );
  line();

  const pairsMatch = r.mirror.relations === r.simulatorPairs;
  line(
    `mirror check: ${int(r.mirror.relations)} valid relations in the mirror (${int(r.mirror.relationRows)} rows), ` +
      `simulator reports ${int(r.simulatorPairs)} (customer, member) pairs (raw loop paged ${int(r.raw.pairs)}) — ` +
      (pairsMatch ? 'EQUAL' : 'MISMATCH'),
  );
  line(
    `              ${int(r.mirror.customers)} customers in the mirror, ${int(r.simulatorCustomers)} in the simulator`,
  );
  if (!pairsMatch) problems.push(`mirror has ${r.mirror.relations} relations, simulator ${r.simulatorPairs} pairs`);
  if (r.raw.pairs !== r.simulatorPairs) {
    problems.push(`raw loop paged ${r.raw.pairs} pairs, simulator snapshot has ${r.simulatorPairs}`);
  }
  line(
    `planner statistics: PostgreSQL autovacuum ${r.analyze.autovacuum ? 'on' : 'off'}` +
      (r.analyze.every > 0
        ? `; the benchmark ran ANALYZE on the mirror tables every ${r.analyze.every} s during the sync ` +
          `(${r.analyze.runs} times, ${fmt(r.analyze.seconds, 1)} s in all)`
        : r.analyze.autovacuum
          ? ''
          : '; no ANALYZE during the sync (BENCH_ANALYZE_SECONDS=0)'),
  );
  if (r.syncCpu.other > 20) {
    line('note: more than 20% of a core went to processes outside the benchmark — figures may be noisy');
  }
  line(`corp ${r.corpId}`);
  if (problems.length > 0) {
    line();
    line('PROBLEMS:');
    for (const problem of problems) line(`  - ${problem}`);
  }
  console.log(out.join('\n'));
  return problems.length;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping the benchmark's processes`);
    void cleanup().then(() => process.exit(130));
  });
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    if (!interrupted) console.error(`\nbenchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    await cleanup();
    process.exit(1);
  });
