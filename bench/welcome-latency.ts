/**
 * Welcome latency through the durable callback path: a burst of customer adds through an
 * acquisition state, each add's callback sent by the simulator, stored by the API, processed by
 * the event workflow, whose first WeCom call is send_welcome_msg. Measured from the simulator's
 * callback send to its receipt of the welcome. Run with `npm run bench:welcome`; see bench/README.md.
 *
 * Temporal dev server, simulator, API and worker run as separate child processes on loopback;
 * every child is stopped at the end, on error and on Ctrl-C.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDatabase } from '../src/db/ensure-database';
import { createDb, migrateToLatest, type Db } from '../src/db/knex';
import { upsertWecomCorp } from '../src/db/queries/wecom-corps';
import type { CorpCredentialsAnswer } from '../src/wecom/simulator/control-client';
import { percentiles } from './paced';
import { logTail, pickPort, sleep, spawnChild, stopChild, waitForHttp200, type Child } from './processes';
import { intEnv, temporalBinary, temporalServing } from './settings';

const ROOT = path.resolve(__dirname, '..');
const STATE = 'qlbenchwelcome';

const settings = {
  databaseUrl:
    process.env['BENCH_DATABASE_URL'] || process.env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/scrm_bench',
  rate: intEnv('BENCH_WELCOME_RATE', 50),
  seconds: intEnv('BENCH_WELCOME_SECONDS', 20),
  drainSeconds: intEnv('BENCH_DRAIN_CAP_SECONDS', 60),
  temporalAddress: process.env['BENCH_TEMPORAL_ADDRESS'] || undefined,
  temporalPort: intEnv('BENCH_TEMPORAL_PORT', 7434),
};
const TARGET_P99_MS = 3000;

const say = (message: string) => console.log(`» ${message}`);
const children: Child[] = [];
let db: Db | undefined;

function spawnTs(name: string, file: string, env: NodeJS.ProcessEnv, logDir: string): Child {
  return spawnChild(name, process.execPath, ['--import', 'tsx', file], {
    cwd: ROOT,
    env,
    logFile: path.join(logDir, `${name}.log`),
  });
}

async function control<T>(base: string, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}/control${route}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`simulator ${method} ${route}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function cleanup(): Promise<void> {
  const worker = children.find((c) => c.name === 'worker');
  if (worker) await stopChild(worker);
  await Promise.all(children.filter((c) => c !== worker).map((c) => stopChild(c)));
  await db?.destroy().catch(() => undefined);
}

interface Added {
  callbackId: number;
  welcomeCode: string;
}

async function main(): Promise<number> {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'scrm-bench-welcome-'));
  const dbName = decodeURIComponent(new URL(settings.databaseUrl).pathname.replace(/^\//, ''));
  if (!/bench/i.test(dbName)) throw new Error(`refusing database "${dbName}": its name must contain "bench"`);
  say(`welcome latency: ${settings.rate} adds/s for ${settings.seconds} s; logs in ${logDir}`);

  await ensureDatabase(settings.databaseUrl);
  const database = createDb(settings.databaseUrl, 4);
  db = database;
  await migrateToLatest(database);

  const taken = new Set<number>();
  let temporalAddress = settings.temporalAddress;
  if (!temporalAddress) {
    const bin = temporalBinary();
    const port = await pickPort(settings.temporalPort, taken);
    temporalAddress = `127.0.0.1:${port}`;
    const temporal = spawnChild(
      'temporal',
      bin,
      ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--log-level', 'warn'],
      { cwd: ROOT, env: process.env, logFile: path.join(logDir, 'temporal.log') },
    );
    children.push(temporal);
    const deadline = Date.now() + 60_000;
    while (!(await temporalServing(bin, temporalAddress))) {
      if (temporal.hasExited()) throw new Error(`Temporal exited:\n${logTail(temporal)}`);
      if (Date.now() > deadline) throw new Error(`Temporal not serving after 60 s:\n${logTail(temporal)}`);
      await sleep(300);
    }
  }
  say(`Temporal on ${temporalAddress}`);

  const simPort = await pickPort(18690, taken);
  const apiPort = await pickPort(18691, taken);
  const simBase = `http://127.0.0.1:${simPort}`;
  const apiBase = `http://127.0.0.1:${apiPort}`;
  const simulator = spawnTs(
    'simulator',
    'src/main/wecom-simulator.ts',
    { ...process.env, SIMULATOR_PORT: String(simPort), SIMULATOR_HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    logDir,
  );
  children.push(simulator);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: settings.databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'bench-welcome',
    JWT_SECRET: 'bench-only-jwt-secret-0123456789abcdefghij',
    WECOM_API_BASE_URL: `${simBase}/cgi-bin/`,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    API_HOST: '127.0.0.1',
    FILES_DIR: path.join(logDir, 'files'),
    WECOM_CORP_ID: '',
    WECOM_SECRET: '',
    WECOM_AGENT_ID: '',
    WECOM_CALLBACK_TOKEN: '',
    WECOM_ENCODING_AES_KEY: '',
  };
  const worker = spawnTs('worker', 'src/main/worker.ts', env, logDir);
  children.push(worker);
  const api = spawnTs('api', 'src/main/api.ts', { ...env, API_PORT: String(apiPort) }, logDir);
  children.push(api);
  await waitForHttp200(`${simBase}/control/health`, 60_000, [simulator]);
  await waitForHttp200(`${apiBase}/health`, 120_000, [api]);
  for (const deadline = Date.now() + 180_000; !logTail(worker, 200).includes('worker running');) {
    if (worker.hasExited() || Date.now() > deadline) throw new Error(`worker not running:\n${logTail(worker)}`);
    await sleep(300);
  }
  say('simulator, API and worker running');

  const corpId = `bench-welcome-${Date.now().toString(36)}`;
  const corp = await control<CorpCredentialsAnswer>(simBase, 'POST', '/corps', {
    corpId,
    seed: 5,
    customers: 10,
    employees: 20,
    callbackUrl: `${apiBase}/api-scrm/wecom/callback/${corpId}`,
  });
  await upsertWecomCorp(database, {
    corpId,
    name: 'bench welcome corp',
    secret: corp.secret,
    agentId: corp.agentId,
    callbackToken: corp.callbackToken,
    encodingAesKey: corp.encodingAesKey,
  });
  const [link] = (await database('acq_link')
    .insert({
      corp_id: corpId,
      link_name: 'bench',
      state: 'qlbench',
      status: 1,
      is_send_welcome: 1,
      welcome_content: '您好，欢迎咨询！',
    })
    .returning('id')) as Array<{ id: string }>;
  await database('acq_state').insert({ corp_id: corpId, state: STATE, link_id: link!.id, rule_id: null });

  // The burst: one add every 1/rate s, each fired on schedule without waiting for the previous one.
  const total = settings.rate * settings.seconds;
  const added: Added[] = [];
  const failures: string[] = [];
  const started = Date.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / settings.rate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    pending.push(
      control<{ done: { welcomeCode: string }; callbacks: Array<{ id: number }> }>(
        simBase,
        'POST',
        `/corps/${corpId}/actions/customer-adds-employee`,
        { state: STATE, wait: false },
      ).then(
        (answer) => void added.push({ callbackId: answer.callbacks[0]!.id, welcomeCode: answer.done.welcomeCode }),
        (error: unknown) => void failures.push(String(error)),
      ),
    );
  }
  await Promise.all(pending);
  const burstSeconds = (Date.now() - started) / 1000;
  say(`${added.length} adds in ${burstSeconds.toFixed(1)} s (${failures.length} refused by the simulator)`);

  const drainDeadline = Date.now() + settings.drainSeconds * 1000;
  let outcomes: Array<{ welcome_status: string | null; n: string }> = [];
  for (;;) {
    outcomes = await database('acq_attribution')
      .where({ corp_id: corpId })
      .groupBy('welcome_status')
      .select('welcome_status', database.raw('count(*) AS n'));
    const done = outcomes.reduce((sum, o) => sum + Number(o.n), 0);
    if (done >= added.length || Date.now() > drainDeadline) break;
    await sleep(500);
  }

  const log = await control<{ callbacks: Array<{ id: number; attempts: Array<{ at: string }> }> }>(
    simBase,
    'GET',
    `/corps/${corpId}/callbacks`,
  );
  const sentAt = new Map(log.callbacks.map((c) => [c.id, Date.parse(c.attempts[0]?.at ?? '')]));
  const { welcomes } = await control<{ welcomes: Array<{ welcomeCode: string; receivedAt: string }> }>(
    simBase,
    'GET',
    `/corps/${corpId}/state?sections=welcomes`,
  );
  const receivedAt = new Map(welcomes.map((w) => [w.welcomeCode, Date.parse(w.receivedAt)]));
  const latencies: number[] = [];
  for (const a of added) {
    const from = sentAt.get(a.callbackId);
    const to = receivedAt.get(a.welcomeCode);
    if (from !== undefined && to !== undefined && Number.isFinite(from)) latencies.push(to - from);
  }
  latencies.sort((x, y) => x - y);
  const [p50, p99, max] = percentiles(latencies, [50, 99, 100]);
  const byStatus = Object.fromEntries(outcomes.map((o) => [o.welcome_status ?? 'none', Number(o.n)]));
  const expired = byStatus['expired'] ?? 0;

  console.log('');
  console.log(`welcome latency, simulator callback send → simulator receipt of send_welcome_msg`);
  console.log(`  burst        ${settings.rate} adds/s for ${settings.seconds} s (${added.length} adds)`);
  console.log(`  welcomes     ${latencies.length} received; outcomes ${JSON.stringify(byStatus)}`);
  console.log(`  latency      p50 ${p50?.toFixed(0)} ms, p99 ${p99?.toFixed(0)} ms, max ${max?.toFixed(0)} ms`);
  console.log(`  expired      ${expired}`);
  const ok = latencies.length === added.length && expired === 0 && (p99 ?? Infinity) < TARGET_P99_MS;
  console.log(
    `  target       p99 < ${TARGET_P99_MS} ms, zero expired, every welcome received: ${ok ? 'met' : 'NOT met'}`,
  );
  return ok ? 0 : 1;
}

process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  });
