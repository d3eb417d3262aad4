/**
 * Benchmark of clue.importExcel: a generated 50,000-row spreadsheet (2% bad rows, 1% duplicates)
 * imported through the real path — multipart upload to the API, importCluesWorkflow, the worker's
 * importing activity — next to a bare exceljs streaming read of the same file in the same run.
 * Run with `npm run bench:import`; see bench/README.md.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDatabase } from '../src/db/ensure-database';
import { createDb, migrateToLatest, type Db } from '../src/db/knex';
import { grantRolesByKey, SUPER_ADMIN_ROLE_KEY } from '../src/db/queries/user-roles';
import { insertUser } from '../src/db/queries/users';
import { hashPassword } from '../src/domain/passwords';
import { generateImportWorkbook } from './import-workbook';
import { logTail, peakRssMiB, pickPort, sleep, spawnChild, stopChild, waitForHttp200, type Child } from './processes';
import { intEnv, temporalBinary, temporalServing } from './settings';

const ROOT = path.resolve(__dirname, '..');
const settings = {
  databaseUrl:
    process.env['BENCH_DATABASE_URL'] ||
    process.env['DATABASE_URL'] ||
    'postgres://postgres@127.0.0.1:5432/scrm_bench_import',
  rows: intEnv('BENCH_IMPORT_ROWS', 50_000),
  temporalPort: intEnv('BENCH_TEMPORAL_PORT', 7443),
};
const TARGET_RATIO = 0.3;
const TARGET_RSS_MIB = 300;

const say = (message: string) => console.log(`» ${message}`);
const loadAverage = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

/** Resolves once the child's log holds `text`; fails when it exits first or after `timeoutMs`. */
async function waitForLogLine(child: Child, text: string, timeoutMs: number): Promise<void> {
  for (let waited = 0; ; waited += 250) {
    let log = '';
    try {
      log = readFileSync(child.logFile, 'utf8');
    } catch {
      // not written yet
    }
    if (log.includes(text)) return;
    if (child.hasExited()) throw new Error(`${child.name} exited before "${text}":\n${logTail(child)}`);
    if (waited > timeoutMs) throw new Error(`${child.name} did not print "${text}":\n${logTail(child)}`);
    await sleep(250);
  }
}
const children: Child[] = [];
let db: Db | undefined;

function spawnTs(name: string, file: string, env: NodeJS.ProcessEnv, logDir: string): Child {
  return spawnChild(name, process.execPath, ['--import', 'tsx', file], {
    cwd: ROOT,
    env,
    logFile: path.join(logDir, `${name}.log`),
  });
}

/** The bare read, in a process of its own so its memory is its own. */
function bareRead(file: string): Promise<{ rows: number; ms: number; peakRssMiB: number }> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'import-bare-read.ts'), file],
      { cwd: ROOT, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`bare read failed: ${stderr}`));
        else
          resolve(
            JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { rows: number; ms: number; peakRssMiB: number },
          );
      },
    ),
  );
}

async function adminToken(database: Db, apiBase: string): Promise<string> {
  const username = `bench_${Date.now().toString(36)}`;
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const user = await insertUser(database, {
    username,
    passwordHash: await hashPassword(password),
    realName: 'Bench',
    cuser: 'bench',
  });
  await grantRolesByKey(database, user.id, [SUPER_ADMIN_ROLE_KEY]);
  const response = await fetch(`${apiBase}/admin/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { data: { token: string } };
  return body.data.token;
}

interface Status {
  status: string;
  rowsDone: number;
  rowsOk: number;
  rowsFailed: number;
  rowsDuplicate: number;
}

async function main(): Promise<void> {
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'scrm-bench-import-'));
  const dbName = decodeURIComponent(new URL(settings.databaseUrl).pathname.slice(1));
  if (!/bench/i.test(dbName)) throw new Error(`refusing database "${dbName}": its name must contain "bench"`);
  say(
    `import benchmark: ${os.availableParallelism()} cores, node ${process.version}, ${settings.rows} rows, ` +
      `load average ${loadAverage()}; logs in ${logDir}`,
  );

  await ensureDatabase(settings.databaseUrl);
  const database = createDb(settings.databaseUrl, 2);
  db = database;
  await migrateToLatest(database);

  const generated = Date.now();
  const file = await generateImportWorkbook(settings.rows);
  const filePath = path.join(logDir, 'clues.xlsx');
  writeFileSync(filePath, file.bytes);
  say(
    `generated ${settings.rows} rows (${file.badRows.length} bad, ${file.duplicates.length} duplicates), ` +
      `${(file.bytes.length / 1024 / 1024).toFixed(1)} MiB, in ${((Date.now() - generated) / 1000).toFixed(1)} s`,
  );

  const bin = temporalBinary();
  const port = await pickPort(settings.temporalPort);
  const temporalAddress = `127.0.0.1:${port}`;
  const temporal = spawnChild(
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
      String(await pickPort(port + 1000)),
      '--headless',
      '--log-level',
      'warn',
    ],
    { cwd: ROOT, env: process.env, logFile: path.join(logDir, 'temporal.log') },
  );
  children.push(temporal);
  for (let waited = 0; !(await temporalServing(bin, temporalAddress)); waited += 300) {
    if (temporal.hasExited() || waited > 60_000) throw new Error(`Temporal did not start:\n${logTail(temporal)}`);
    await sleep(300);
  }
  const apiPort = await pickPort(18090);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: settings.databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: 'bench-import',
    JWT_SECRET: 'bench-only-jwt-secret-0123456789abcdefghij',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    API_HOST: '127.0.0.1',
    FILES_DIR: path.join(logDir, 'files'),
  };
  // info: the worker's readiness line ('worker running') is an info line; the import logs nothing per row.
  const worker = spawnTs('worker', 'src/main/worker.ts', { ...env, LOG_LEVEL: 'info' }, logDir);
  const api = spawnTs('api', 'src/main/api.ts', { ...env, API_PORT: String(apiPort) }, logDir);
  children.push(worker, api);
  const apiBase = `http://127.0.0.1:${apiPort}`;
  await waitForHttp200(`${apiBase}/health`, 120_000, [api]);
  const token = await adminToken(database, apiBase);
  // The idle figure is the worker's peak once it polls (its start-up included), not mid-start.
  await waitForLogLine(worker, 'worker running', 180_000);
  await sleep(2000);
  const workerIdleRss = peakRssMiB(worker.pid);
  say(`worker ready; peak RSS so far ${workerIdleRss?.toFixed(0) ?? '—'} MiB`);

  // The bare read first, on a quiet machine, then the real import of the same bytes.
  const bare = await bareRead(filePath);
  say(`bare exceljs streaming read: ${bare.rows} rows in ${(bare.ms / 1000).toFixed(2)} s`);

  const form = new FormData();
  form.append('file', new Blob([file.bytes]), 'clues.xlsx');
  const started = Date.now();
  const uploaded = await fetch(`${apiBase}/admin/clue/importExcel`, { method: 'POST', headers: { token }, body: form });
  const created = (await uploaded.json()) as { code: string; msg: string; data: { id: string } };
  if (created.code !== '200') throw new Error(`upload refused: ${created.msg}`);
  let status: Status;
  for (;;) {
    const response = await fetch(`${apiBase}/admin/clue/import/status?importId=${created.data.id}`, {
      headers: { token },
    });
    status = ((await response.json()) as { data: Status }).data;
    if (status.status !== 'running') break;
    if (worker.hasExited()) throw new Error(`worker exited:\n${logTail(worker)}`);
    await sleep(100);
  }
  const importMs = Date.now() - started;
  const workerPeak = peakRssMiB(worker.pid);
  const apiPeak = peakRssMiB(api.pid);
  if (status.status !== 'done') throw new Error(`import ended ${status.status}:\n${logTail(worker)}`);

  const bareRate = bare.rows / (bare.ms / 1000);
  const importRate = status.rowsDone / (importMs / 1000);
  const ratio = importRate / bareRate;
  const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '—' : n.toFixed(digits));
  console.log('');
  console.log('| what                                  | rows   | seconds | rows/s  | peak RSS (MiB) |');
  console.log('| ------------------------------------- | ------ | ------- | ------- | -------------- |');
  console.log(
    `| bare exceljs streaming read           | ${bare.rows} | ${fmt(bare.ms / 1000, 2)} | ${fmt(bareRate)} | ${fmt(bare.peakRssMiB)} |`,
  );
  console.log(
    `| clue.importExcel (upload → done)      | ${status.rowsDone} | ${fmt(importMs / 1000, 2)} | ${fmt(importRate)} | worker ${fmt(workerPeak)} (idle ${fmt(workerIdleRss)}), api ${fmt(apiPeak)} |`,
  );
  console.log('');
  say(
    `outcome: ${status.rowsOk} ok, ${status.rowsFailed} failed, ${status.rowsDuplicate} duplicate ` +
      `(expected ${settings.rows - file.badRows.length - file.duplicates.length} / ${file.badRows.length} / ${file.duplicates.length})`,
  );
  say(
    `ratio import/bare read: ${ratio.toFixed(2)}× (target ≥ ${TARGET_RATIO}×) — ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}`,
  );
  say(
    `worker peak RSS ${fmt(workerPeak)} MiB (target < ${TARGET_RSS_MIB}) — ${(workerPeak ?? Infinity) < TARGET_RSS_MIB ? 'met' : 'NOT met'}`,
  );
  say(`load average at the end: ${loadAverage()}`);
}

async function cleanup(): Promise<void> {
  await Promise.all(children.map((c) => stopChild(c)));
  await db?.destroy().catch(() => undefined);
}

process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
main()
  .then(cleanup)
  .catch(async (error: unknown) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  });
