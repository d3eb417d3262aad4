/**
 * Benchmark of the partner clue-intake endpoint POST /api-scrm/openapi/clue/collect against a
 * bare Koa + pg baseline measured in the same run. Run with `npm run bench:intake`
 * (or `npx tsx bench/intake.ts`); see bench/README.md for what is measured and the knobs.
 *
 * Everything runs on loopback in separate processes — Temporal dev server, worker, API, baseline
 * server — so the load generator (this process) never shares an event loop with what it measures.
 * Every child is stopped at the end, on error and on Ctrl-C.
 */
import autocannon from 'autocannon';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDatabase } from '../src/db/ensure-database';
import { createDb, migrateToLatest, type Db } from '../src/db/knex';
import { savePolicy } from '../src/domain/distribution/policies';
import { createPartnerWithKey } from '../src/domain/partners/manage-partners';
import { BASELINE_TABLE_SQL } from './baseline-server';
import { measureNoopWorkflows, type NoopResult } from './noop-baseline';
import { ClueBodyFactory } from './bodies';
import { percentiles, runPaced, type PacedResult } from './paced';
import {
  cpuSnapshot,
  cpuUsage,
  groups,
  logTail,
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

const COLLECT_PATH = '/api-scrm/openapi/clue/collect';
/** Starters of the distribution outbox (createDistributionDispatcher's default concurrency). */
const DISPATCH_CONCURRENCY = 4;
const ROOT = path.resolve(__dirname, '..');

const settings = {
  databaseUrl:
    process.env['BENCH_DATABASE_URL'] || process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/scrm_bench',
  seconds: intEnv('BENCH_SECONDS', 15),
  warmupSeconds: intEnv('BENCH_WARMUP_SECONDS', 3, 0),
  connections: intEnv('BENCH_CONNECTIONS', 32),
  poolMax: intEnv('PG_POOL_MAX', 10),
  e2eCount: intEnv('BENCH_E2E_COUNT', 200),
  e2eRate: intEnv('BENCH_E2E_RATE', 20),
  drainCapSeconds: intEnv('BENCH_DRAIN_CAP_SECONDS', 60),
  pacedCheck: process.env['BENCH_PACED'] !== '0',
  temporalAddress: process.env['BENCH_TEMPORAL_ADDRESS'] || undefined,
  temporalPort: intEnv('BENCH_TEMPORAL_PORT', 7433),
};

const TARGET_RATIO = 0.8;
const TARGET_P99_MS = 50;

const say = (message: string) => console.log(`» ${message}`);
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

// ---------------------------------------------------------------------------------------------
// Database

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

async function prepareDatabase(db: Db): Promise<{ secretKey: string; partnerId: string }> {
  await migrateToLatest(db);
  // A clean slate each run so runs compare; ids keep counting up (no RESTART IDENTITY), so
  // workflow ids derived from clue ids never collide with a previous run's workflows.
  await db.raw(`TRUNCATE clue_event, clue_follow_up, clue_assignment, clue, distribution_counter,
                distribution_member, distribution_policy, partner_key, partner CASCADE`);
  await db.raw(BASELINE_TABLE_SQL);
  await db.raw('TRUNCATE bench_baseline_clue');
  const partner = await createPartnerWithKey(db, { name: 'bench partner', rateLimitPerMinute: 100_000_000 }, 'bench');
  await savePolicy(
    db,
    {
      name: 'bench: everything, three sellers',
      followUpSlaSeconds: 86400,
      members: [
        { employeeUserid: 'bench-li-na', employeeName: '李娜', weight: 1 },
        { employeeUserid: 'bench-wang-wei', employeeName: '王伟', weight: 1 },
        { employeeUserid: 'bench-zhang-min', employeeName: '张敏', weight: 1 },
      ],
    },
    'bench',
  );
  return { secretKey: partner.secretKey, partnerId: partner.partnerId };
}

async function openClues(db: Db, partnerId: string): Promise<{ open: number; unstarted: number }> {
  // status IN (pending, waiting) walks the (status, ctime) index: cheap even with a large table.
  const [row] = (await db('clue')
    .where({ partner_id: partnerId })
    .whereIn('status', ['pending', 'waiting'])
    .select(
      db.raw('count(*)::int AS open'),
      db.raw("count(*) FILTER (WHERE distribution_state = 'pending')::int AS unstarted"),
    )) as Array<{ open: number; unstarted: number }>;
  return row ?? { open: 0, unstarted: 0 };
}

// ---------------------------------------------------------------------------------------------
// Processes

async function waitForTemporal(bin: string, address: string, server: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.hasExited()) throw new Error(`Temporal dev server exited (${await server.exited}):\n${logTail(server)}`);
    if (await temporalServing(bin, address)) return;
    if (Date.now() > deadline)
      throw new Error(`Temporal at ${address} not serving after ${timeoutMs / 1000} s:\n${logTail(server)}`);
    await sleep(300);
  }
}

/** Runs a TypeScript entry point with the tsx loader in a plain node process (so its pid is the process itself). */
function spawnTs(name: string, file: string, env: NodeJS.ProcessEnv, logDir: string): Child {
  // BENCH_CPU_PROFILE_DIR: each server writes V8 CPU profiles there when it stops (open them in
  // Chrome DevTools or speedscope) — how to find where a server's CPU per request goes.
  // BENCH_CPU_PROFILE_SERVERS limits it to some servers (e.g. "worker"): a profiled API runs slower,
  // and its outbox then paces workflow starts as if it were saturated.
  const profileDir = process.env['BENCH_CPU_PROFILE_DIR'];
  const profiled = (process.env['BENCH_CPU_PROFILE_SERVERS'] ?? 'api,worker,baseline').split(',');
  // One folder per server: the loader's thread writes a profile of its own beside the main one.
  const profiling =
    profileDir && profiled.includes(name) ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`] : [];
  return spawnChild(name, process.execPath, [...profiling, '--import', 'tsx', file], {
    cwd: ROOT,
    env,
    logFile: path.join(logDir, `${name}.log`),
  });
}

// ---------------------------------------------------------------------------------------------
// Load

interface Row {
  label: string;
  okPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  ok: number;
  non2xx: number;
  errors: number;
  cpu?: CpuUsage;
  note?: string;
}

async function postOnce(url: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text() };
}

async function checkAccepts(name: string, url: string, factory: ClueBodyFactory): Promise<string> {
  const { businessId, body } = factory.nextBody();
  const { status, text } = await postOnce(url, body);
  let code: unknown;
  try {
    code = (JSON.parse(text) as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  if (status !== 200 || code !== '200') {
    throw new Error(`${name} rejected a benchmark body: HTTP ${status} ${text.slice(0, 500)}`);
  }
  return businessId;
}

async function cannon(
  label: string,
  baseUrl: string,
  requestPath: string,
  factory: ClueBodyFactory,
  options: { seconds: number; connections: number; overallRate?: number },
): Promise<autocannon.Result> {
  const instance = autocannon({
    url: baseUrl,
    title: label,
    connections: options.connections,
    duration: options.seconds,
    timeout: 10,
    // With overallRate autocannon "corrects" latencies with an expected interval of 1 ms, which
    // floods the histogram with invented low values; report what was measured instead.
    ...(options.overallRate ? { overallRate: options.overallRate, ignoreCoordinatedOmission: true } : {}),
    requests: [
      {
        method: 'POST',
        path: requestPath,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: factory.nextBody().body }),
      },
    ],
  });
  return await instance;
}

function rowFromCannon(label: string, r: autocannon.Result): Row {
  const row: Row = {
    label,
    okPerSecond: r['2xx'] / r.duration,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
  };
  if (r.non2xx > 0 || r.errors > 0) {
    row.note = `status codes ${JSON.stringify(r.statusCodeStats)}, timeouts ${r.timeouts}`;
  }
  return row;
}

function rowFromPaced(label: string, r: PacedResult): Row {
  const [p50, p90, p99, max] = percentiles(r.latencies, [50, 90, 99, 100]) as [number, number, number, number];
  const row: Row = {
    label,
    okPerSecond: r.ok / r.durationS,
    p50,
    p90,
    p99,
    max,
    ok: r.ok,
    non2xx: r.non2xx,
    errors: r.errors,
  };
  if (r.firstProblem) row.note = `first problem: ${r.firstProblem}`;
  return row;
}

// ---------------------------------------------------------------------------------------------

const children: Child[] = [];
let db: Db | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all(children.map((c) => stopChild(c)));
    await db?.destroy().catch(() => undefined);
  })();
  return cleaning;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const cores = os.availableParallelism();
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'scrm-bench-'));
  const dbName = databaseName(settings.databaseUrl);
  if (!/bench/i.test(dbName)) {
    throw new Error(
      `refusing to use database "${dbName}": the benchmark empties the clue and partner tables of its database. ` +
        'Point BENCH_DATABASE_URL (or DATABASE_URL) at a dedicated database whose name contains "bench".',
    );
  }
  say(
    `intake benchmark: ${cores} cores, node ${process.version}, ${settings.seconds} s per phase, ` +
      `${settings.connections} connections, pg pool ${settings.poolMax}; logs in ${logDir}`,
  );

  // How busy the machine is before anything starts: other work here makes every figure noisier.
  const idleGroups: CpuGroups = [{ label: 'bench', pids: () => [process.pid] }];
  const idleBefore = cpuSnapshot(idleGroups);
  await sleep(1000);
  const preflight = cpuUsage(idleBefore, cpuSnapshot(idleGroups), idleGroups, cores);
  say(`machine busy before start: ${fmt(preflight.machine)}% of ${cores * 100}% (other processes)`);

  // 1. Database
  await ensureDatabase(settings.databaseUrl);
  const database = createDb(settings.databaseUrl, 4);
  db = database;
  const { secretKey, partnerId } = await prepareDatabase(database);
  say(`database ${dbName} migrated and emptied; partner ${partnerId} (limit 100000000/min), policy with 3 members`);

  // 2. Processes
  const taken = new Set<number>();
  let temporalAddress = settings.temporalAddress;
  let temporal: Child | undefined;
  if (!temporalAddress) {
    const bin = temporalBinary();
    const port = await pickPort(settings.temporalPort, taken);
    const uiPort = await pickPort(port + 1000, taken);
    temporalAddress = `127.0.0.1:${port}`;
    temporal = spawnChild(
      'temporal',
      bin,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--ui-port',
        String(uiPort),
        '--headless',
        '--log-level',
        'warn',
      ],
      { cwd: ROOT, env: process.env, logFile: path.join(logDir, 'temporal.log') },
    );
    children.push(temporal);
    await waitForTemporal(bin, temporalAddress, temporal, 60_000);
    say(`Temporal dev server (in memory) serving on ${temporalAddress}`);
  } else {
    say(`using the Temporal server at ${temporalAddress}`);
  }

  const apiPort = await pickPort(18080, taken);
  const baselinePort = await pickPort(18081, taken);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: settings.databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'bench',
    JWT_SECRET: 'bench-only-jwt-secret-0123456789abcdefghij',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PG_POOL_MAX: String(settings.poolMax),
    API_HOST: '127.0.0.1',
  };
  const worker = spawnTs('worker', 'src/main/worker.ts', env, logDir);
  children.push(worker);
  const api = spawnTs('api', 'src/main/api.ts', { ...env, API_PORT: String(apiPort) }, logDir);
  children.push(api);
  const baseline = spawnTs('baseline', 'bench/baseline-server.ts', { ...env, PORT: String(baselinePort) }, logDir);
  children.push(baseline);

  const apiBase = `http://127.0.0.1:${apiPort}`;
  const baselineBase = `http://127.0.0.1:${baselinePort}`;
  await Promise.all([
    waitForHttp200(`${apiBase}/health`, 120_000, [api]),
    waitForHttp200(`${baselineBase}/health`, 60_000, [baseline]),
  ]);
  say(`API (pid ${api.pid}) healthy on ${apiBase}; baseline (pid ${baseline.pid}) on ${baselineBase}`);

  const run = Date.now().toString(36);
  const bodies = {
    baseline: new ClueBodyFactory(secretKey, `bl-${run}`),
    api: new ClueBodyFactory(secretKey, `api-${run}`),
    e2e: new ClueBodyFactory(secretKey, `e2e-${run}`, 200, 7),
  };
  say(`request bodies: ~${bodies.api.meanBytes()} bytes of JSON each, every request with its own businessId`);

  // The whole pipeline works before anything is measured: one clue through intake to assignment.
  await checkAccepts('baseline', `${baselineBase}/collect`, bodies.baseline);
  const probeId = await checkAccepts('API', `${apiBase}${COLLECT_PATH}`, bodies.api);
  const probeStart = Date.now();
  for (;;) {
    const row = (await database('clue').where({ partner_id: partnerId, business_id: probeId }).first('status')) as
      { status: string } | undefined;
    if (row?.status === 'assigned') break;
    if (worker.hasExited()) throw new Error(`worker exited (${await worker.exited}):\n${logTail(worker)}`);
    if (Date.now() - probeStart > 120_000) {
      throw new Error(
        `the probe clue was not assigned within 120 s (status ${row?.status ?? 'missing'}); worker log:\n${logTail(worker)}`,
      );
    }
    await sleep(200);
  }
  say(
    `pipeline ready: probe clue assigned ${((Date.now() - probeStart) / 1000).toFixed(1)} s after intake (includes worker start-up)`,
  );

  // 5b. End-to-end latency, measured on the quiet system before the load: after the load the
  // backlog of thousands of clues would dominate it (see the drain figure for that).
  say(
    `end-to-end sample: ${settings.e2eCount} clues at ${settings.e2eRate}/s, each timed from its HTTP 200 to its assignment`,
  );
  const receivedAt = new Map<string, number>();
  const e2e = await runPaced({
    url: `${apiBase}${COLLECT_PATH}`,
    rate: settings.e2eRate,
    count: settings.e2eCount,
    maxSockets: 4,
    makeBody: () => bodies.e2e.nextBody(),
    onResponse: (businessId, status, at) => {
      if (status === 200) receivedAt.set(businessId, at);
    },
  });
  const e2eIds = [...receivedAt.keys()];
  const e2eWaitStart = Date.now();
  let assignedRows: Array<{ business_id: string; ctime_ms: string; assigned_ms: string }> = [];
  for (;;) {
    assignedRows = (await database('clue as c')
      .join('clue_assignment as a', function joinFirst() {
        this.on('a.clue_id', 'c.id').andOn('a.seq', database.raw('1'));
      })
      .where('c.partner_id', partnerId)
      .whereIn('c.business_id', e2eIds)
      .select(
        'c.business_id',
        database.raw('extract(epoch FROM c.ctime) * 1000 AS ctime_ms'),
        database.raw('extract(epoch FROM a.assigned_at) * 1000 AS assigned_ms'),
      )) as typeof assignedRows;
    if (assignedRows.length >= e2eIds.length || Date.now() - e2eWaitStart > 60_000) break;
    await sleep(250);
  }
  const fromResponse = assignedRows.map((r) => Number(r.assigned_ms) - (receivedAt.get(r.business_id) as number));
  const fromCtime = assignedRows.map((r) => Number(r.assigned_ms) - Number(r.ctime_ms));
  {
    const [p50, p99] = percentiles(fromResponse, [50, 99]);
    say(
      `    ${assignedRows.length}/${e2e.sent} assigned; HTTP 200 → assigned p50 ${fmt(p50 ?? NaN)} ms, p99 ${fmt(p99 ?? NaN)} ms`,
    );
  }

  // 3/4. Load phases
  const watched: CpuGroups = [
    { label: 'bench', pids: () => [process.pid] },
    { label: 'api', pids: groups.processTree(api.pid) },
    { label: 'baseline', pids: groups.processTree(baseline.pid) },
    { label: 'worker', pids: groups.processTree(worker.pid) },
    // An outside server (BENCH_TEMPORAL_ADDRESS) is found by name when it runs on this machine.
    { label: 'temporal', pids: temporal ? groups.processTree(temporal.pid) : groups.named('temporal-server') },
    { label: 'postgres', pids: groups.named('postgres') },
  ];
  const measured = async <T>(fn: () => Promise<T>): Promise<{ value: T; cpu: CpuUsage }> => {
    const before = cpuSnapshot(watched);
    const value = await fn();
    return { value, cpu: cpuUsage(before, cpuSnapshot(watched), watched, cores) };
  };
  const rows: Row[] = [];
  const { seconds, connections } = settings;

  if (settings.warmupSeconds > 0) {
    say(`baseline warm-up ${settings.warmupSeconds} s`);
    await cannon('warm-up', baselineBase, '/collect', bodies.baseline, {
      seconds: settings.warmupSeconds,
      connections,
    });
  }
  say(`(a) baseline peak: ${seconds} s, ${connections} connections`);
  const a = await measured(() =>
    cannon('baseline', baselineBase, '/collect', bodies.baseline, { seconds, connections }),
  );
  rows.push({ ...rowFromCannon(`(a) baseline peak, ${connections} conn`, a.value), cpu: a.cpu });
  say(`    ${fmt(rows[0]?.okPerSecond ?? NaN)} req/s`);

  if (settings.warmupSeconds > 0) {
    say(`API warm-up ${settings.warmupSeconds} s`);
    await cannon('warm-up', apiBase, COLLECT_PATH, bodies.api, { seconds: settings.warmupSeconds, connections });
  }
  say(`(b) API peak: ${seconds} s, ${connections} connections`);
  const b = await measured(() => cannon('api', apiBase, COLLECT_PATH, bodies.api, { seconds, connections }));
  const peakRow = { ...rowFromCannon(`(b) API peak, ${connections} conn`, b.value), cpu: b.cpu };
  rows.push(peakRow);
  say(`    ${fmt(peakRow.okPerSecond)} req/s`);

  const halfRate = Math.max(1, Math.round(peakRow.okPerSecond / 2));
  say(`(c) API at half peak: autocannon overallRate ${halfRate}/s, ${seconds} s, ${connections} connections`);
  const c = await measured(() =>
    cannon('api-half', apiBase, COLLECT_PATH, bodies.api, { seconds, connections, overallRate: halfRate }),
  );
  const halfRow = { ...rowFromCannon(`(c) API @ ${halfRate}/s (overallRate)`, c.value), cpu: c.cpu };
  rows.push(halfRow);
  say(`    p99 ${fmt(halfRow.p99, 1)} ms`);

  let pacedRow: Row | undefined;
  if (settings.pacedCheck) {
    say(`(c') API at half peak, evenly paced: ${halfRate}/s for ${seconds} s, up to ${connections} connections`);
    const cp = await measured(() =>
      runPaced({
        url: `${apiBase}${COLLECT_PATH}`,
        rate: halfRate,
        count: halfRate * seconds,
        maxSockets: connections,
        makeBody: () => bodies.api.nextBody(),
      }),
    );
    pacedRow = { ...rowFromPaced(`(c') API @ ${halfRate}/s (paced)`, cp.value), cpu: cp.cpu };
    rows.push(pacedRow);
    say(`    p99 ${fmt(pacedRow.p99, 1)} ms`);
  }
  const loadEndedAt = Date.now();

  // 5a. Backlog drain of the clues accepted under load. Autoanalyze would refresh the planner's
  // statistics of the grown tables within its one-minute naptime; where autovacuum is off (as on
  // the development machines) nothing would, and the drain would be measured on plans made for
  // empty tables.
  await database.raw('ANALYZE clue, clue_event, clue_assignment, distribution_counter');
  const atEnd = await openClues(database, partnerId);
  const [{ accepted }] = (await database('clue')
    .where({ partner_id: partnerId })
    .select(database.raw('count(*)::int AS accepted'))) as [{ accepted: number }];
  say(
    `load over: ${atEnd.open} of ${accepted} accepted clues not assigned yet (${atEnd.unstarted} not started in Temporal); draining`,
  );
  let drainSeconds: number | undefined;
  const samples: Array<{ t: number; open: number; unstarted: number }> = [{ t: 0, ...atEnd }];
  let lastReport = Date.now();
  const drain = await measured(async () => {
    for (;;) {
      const { open, unstarted } = await openClues(database, partnerId);
      const t = (Date.now() - loadEndedAt) / 1000;
      samples.push({ t, open, unstarted });
      if (open === 0) {
        drainSeconds = t;
        return;
      }
      if (t > settings.drainCapSeconds) return;
      if (worker.hasExited()) {
        throw new Error(`worker exited during the drain (${await worker.exited}):\n${logTail(worker)}`);
      }
      if (Date.now() - lastReport > 15_000) {
        say(`    ${open} still open after ${t.toFixed(0)} s (${unstarted} not started in Temporal)`);
        lastReport = Date.now();
      }
      // Counting a backlog of 100,000 clues costs PostgreSQL tens of milliseconds: polled every
      // 0.5 s, the count was half of the drain's sampled active queries (lock waits aside).
      await sleep(2000);
    }
  });
  const last = samples[samples.length - 1]!;
  const windowStart = samples.find((sample) => sample.t >= last.t - 20) ?? samples[0]!;
  const drainSummary = {
    openAtEnd: atEnd.open,
    unstartedAtEnd: atEnd.unstarted,
    stillOpen: last.open,
    stillUnstarted: last.unstarted,
    elapsed: last.t,
    drainSeconds,
    averageRate: last.t > 0 ? (atEnd.open - last.open) / last.t : NaN,
    recentRate: last.t > windowStart.t ? (windowStart.open - last.open) / (last.t - windowStart.t) : NaN,
  };

  const rss = {
    api: peakRssMiB(api.pid),
    worker: peakRssMiB(worker.pid),
    baseline: peakRssMiB(baseline.pid),
    temporal: temporal ? peakRssMiB(temporal.pid) : undefined,
  };

  // 5b. The ceiling: as many no-op workflows, started by as many starters as the outbox uses, on
  // the same server. The drain's rate as a share of this is what the distribution itself costs.
  // The API and the worker stop first, so the rest of the backlog does not share the server with
  // the no-ops (their queue then has no poller and costs the server nothing).
  await Promise.all([stopChild(api), stopChild(worker)]);
  const noopCount = Math.min(5000, Math.max(200, drainSummary.openAtEnd - drainSummary.stillOpen));
  say(`no-op baseline: ${noopCount} workflows with one local activity each, ${DISPATCH_CONCURRENCY} starters`);
  const { value: noop, cpu: noopCpu } = await measured(() =>
    measureNoopWorkflows(temporalAddress, noopCount, DISPATCH_CONCURRENCY),
  );

  // 6. Report
  const totalSeconds = (Date.now() - startedAt) / 1000;
  printReport({
    rows,
    halfRow,
    pacedRow,
    e2e,
    fromResponse,
    fromCtime,
    accepted,
    drain: drainSummary,
    drainCpu: drain.cpu,
    noop,
    noopCpu,
    preflight,
    rss,
    totalSeconds,
    cores,
  });
}

function printReport(r: {
  rows: Row[];
  halfRow: Row;
  pacedRow: Row | undefined;
  e2e: PacedResult;
  fromResponse: number[];
  fromCtime: number[];
  accepted: number;
  drain: {
    openAtEnd: number;
    unstartedAtEnd: number;
    stillOpen: number;
    stillUnstarted: number;
    elapsed: number;
    drainSeconds: number | undefined;
    averageRate: number;
    recentRate: number;
  };
  drainCpu: CpuUsage;
  noop: NoopResult;
  noopCpu: CpuUsage;
  preflight: CpuUsage;
  rss: Record<string, number | undefined>;
  totalSeconds: number;
  cores: number;
}): void {
  const out: string[] = [];
  const line = (s = '') => out.push(s);
  const labelWidth = Math.max(...r.rows.map((row) => row.label.length));
  line();
  line(`RESULTS — POST ${COLLECT_PATH} vs bare Koa + pg baseline (latency in ms, loopback, ${r.cores} cores)`);
  line(
    `${'phase'.padEnd(labelWidth)}  ${'2xx/s'.padStart(8)}  ${'p50'.padStart(6)}  ${'p90'.padStart(6)}  ${'p99'.padStart(6)}  ${'max'.padStart(7)}  ${'2xx'.padStart(7)}  ${'non-2xx'.padStart(7)}  ${'errors'.padStart(6)}`,
  );
  for (const row of r.rows) {
    line(
      `${row.label.padEnd(labelWidth)}  ${fmt(row.okPerSecond, 1).padStart(8)}  ${fmt(row.p50, 1).padStart(6)}  ${fmt(row.p90, 1).padStart(6)}  ${fmt(row.p99, 1).padStart(6)}  ${fmt(row.max, 1).padStart(7)}  ${String(row.ok).padStart(7)}  ${String(row.non2xx).padStart(7)}  ${String(row.errors).padStart(6)}`,
    );
  }
  for (const row of r.rows) if (row.note) line(`  ${row.label}: ${row.note}`);
  line();
  line(`CPU per phase, % of one core (machine = ${r.cores * 100}%):`);
  const cpuLine = (label: string, cpu: CpuUsage) =>
    `  ${label.padEnd(labelWidth)}  machine ${fmt(cpu.machine).padStart(3)}:  ` +
    cpu.byGroup
      .filter((g) => g.percent >= 0.5)
      .map((g) => `${g.label} ${fmt(g.percent)}`)
      .join(', ') +
    `, other ${fmt(cpu.other)}`;
  // CPU milliseconds each component spent per unit of work (request accepted, clue assigned).
  const perUnit = (cpu: CpuUsage, units: number, what: string) =>
    `  ${''.padEnd(labelWidth)}  CPU ms per ${what}: ` +
    cpu.byGroup
      .filter((g) => g.percent >= 2 && g.label !== 'bench')
      .map((g) => `${g.label} ${fmt(((g.percent / 100) * cpu.seconds * 1000) / Math.max(1, units), 2)}`)
      .join(', ');
  for (const row of r.rows) {
    if (!row.cpu) continue;
    line(cpuLine(row.label, row.cpu));
    line(perUnit(row.cpu, row.ok, 'accepted request'));
  }
  line(cpuLine('backlog drain', r.drainCpu));
  line(perUnit(r.drainCpu, r.drain.openAtEnd - r.drain.stillOpen, 'clue assigned (incl. outbox starts)'));
  line(cpuLine('no-op baseline (bench = its worker)', r.noopCpu));
  line(perUnit(r.noopCpu, r.noop.count, 'no-op workflow'));
  line();

  const [base, peak] = r.rows;
  const ratio = base && peak ? peak.okPerSecond / base.okPerSecond : NaN;
  const ratioMet = ratio >= TARGET_RATIO;
  const p99Met = r.halfRow.p99 < TARGET_P99_MS;
  const verdict = (met: boolean) => (met ? 'MET' : 'NOT MET');
  line(`throughput API/baseline: ${fmt(ratio, 2)}  (target ≥ ${TARGET_RATIO})  ${verdict(ratioMet)}`);
  line(
    `p99 at half peak (target < ${TARGET_P99_MS} ms): ${fmt(r.halfRow.p99, 1)} ms with autocannon overallRate  ${verdict(p99Met)}`,
  );
  if (r.pacedRow) {
    line(
      `  evenly paced: ${fmt(r.pacedRow.p99, 1)} ms  ${verdict(r.pacedRow.p99 < TARGET_P99_MS)}  ` +
        `(overallRate sends each connection's quota back to back at the start of every second)`,
    );
  }
  line(
    `target (≥ ${TARGET_RATIO}× baseline and p99 < ${TARGET_P99_MS} ms at half peak, overallRate): ${verdict(ratioMet && p99Met)}`,
  );
  line();

  const [e50, e90, e99, emax] = percentiles(r.fromResponse, [50, 90, 99, 100]);
  const [c50, c90, c99, cmax] = percentiles(r.fromCtime, [50, 90, 99, 100]);
  line(
    `accept→assigned (measured before the load phases), ${r.fromResponse.length}/${r.e2e.sent} clues at ${settings.e2eRate}/s` +
      (r.e2e.non2xx + r.e2e.errors > 0 ? ` (${r.e2e.non2xx} non-2xx, ${r.e2e.errors} errors)` : '') +
      ':',
  );
  line(
    `  from HTTP 200 received:  p50 ${fmt(e50 ?? NaN)}  p90 ${fmt(e90 ?? NaN)}  p99 ${fmt(e99 ?? NaN)}  max ${fmt(emax ?? NaN)} ms`,
  );
  line(
    `  from clue.ctime (DB):    p50 ${fmt(c50 ?? NaN)}  p90 ${fmt(c90 ?? NaN)}  p99 ${fmt(c99 ?? NaN)}  max ${fmt(cmax ?? NaN)} ms`,
  );
  if (r.fromResponse.length < r.e2e.sent)
    line(`  ${r.e2e.sent - r.fromResponse.length} clues not assigned within 60 s`);
  const d = r.drain;
  line(
    `backlog drain: ${d.openAtEnd} of ${r.accepted} accepted clues unassigned when the load ended ` +
      `(${d.unstartedAtEnd} of them not yet started in Temporal);`,
  );
  line(
    d.drainSeconds !== undefined
      ? `  all assigned ${fmt(d.drainSeconds, 1)} s after the load ended (~${fmt(d.averageRate)} assignments/s)`
      : `  NOT drained at the ${settings.drainCapSeconds} s cap (BENCH_DRAIN_CAP_SECONDS): ${d.stillOpen} still unassigned, ` +
          `${d.stillUnstarted} not started; ${fmt(d.averageRate, 1)} assignments/s on average, ${fmt(d.recentRate, 1)}/s in the last 20 s`,
  );
  line(
    `no-op baseline: ${r.noop.count} workflows (one local activity) in ${fmt(r.noop.seconds, 1)} s = ${fmt(r.noop.perSecond, 1)}/s; ` +
      `drain/no-op ${fmt(d.averageRate / r.noop.perSecond, 2)} (target ≥ 0.5)`,
  );
  const mib = (v: number | undefined) => (v === undefined ? 'n/a' : `${fmt(v)} MiB`);
  line(
    `peak RSS (VmHWM): API ${mib(r.rss['api'])}, worker ${mib(r.rss['worker'])}, baseline ${mib(r.rss['baseline'])}` +
      (r.rss['temporal'] !== undefined ? `, Temporal dev server ${mib(r.rss['temporal'])}` : ''),
  );
  const noisy = r.preflight.machine > 20 || r.rows.some((row) => (row.cpu?.other ?? 0) > 20);
  line(`machine busy before start: ${fmt(r.preflight.machine)}% of ${r.cores * 100}%`);
  if (noisy) line('note: more than 20% of a core went to processes outside the benchmark — figures may be noisy');
  line(`total run time ${fmt(r.totalSeconds)} s`);
  console.log(out.join('\n'));
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
  .then(async () => {
    await cleanup();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    if (!interrupted) console.error(`\nbenchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    await cleanup();
    process.exit(1);
  });
