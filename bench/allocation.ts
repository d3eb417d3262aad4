/**
 * Benchmark of allocation at scan time, POST /api-scrm/openapi/link/allocationHit, next to a bare
 * Koa + pg endpoint doing one SELECT by primary key, measured in the same run. Run with
 * `npm run bench:allocation`; see bench/README.md.
 *
 * Two shapes of load: every visitor on one link (the hot landing page: hits of one link take
 * turns on its row lock, which is what keeps its limits exact), and visitors spread over many
 * links. Peak throughput comes from autocannon; latency at half the API's peak from an
 * open-loop paced generator (no coordinated omission). No Temporal is needed: the links are
 * written as published, with the WeCom objects they would have.
 */
import autocannon from 'autocannon';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDatabase } from '../src/db/ensure-database';
import { createDb, migrateToLatest, type Db } from '../src/db/knex';
import { createPartnerWithKey } from '../src/domain/partners/manage-partners';
import { percentiles, runPaced } from './paced';
import { pickPort, spawnChild, stopChild, waitForHttp200, type Child } from './processes';
import { intEnv } from './settings';

const HIT_PATH = '/api-scrm/openapi/link/allocationHit';
const ROOT = path.resolve(__dirname, '..');
const CORP = 'bench-alloc-corp';

const settings = {
  databaseUrl: process.env['BENCH_DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/scrm_bench_alloc',
  seconds: intEnv('BENCH_SECONDS', 10),
  connections: intEnv('BENCH_CONNECTIONS', 32),
  poolMax: intEnv('PG_POOL_MAX', 10),
  links: intEnv('BENCH_LINKS', 50),
  rulesPerLink: intEnv('BENCH_RULES', 5),
  pacedCount: intEnv('BENCH_PACED_COUNT', 2000),
};
const TARGET_RATIO = 0.7;
const TARGET_P99_MS = 20;

const say = (message: string) => console.log(`» ${message}`);
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/** `links` published links of `rulesPerLink` rules each, no limits, as publishing would leave them. */
async function seedLinks(db: Db): Promise<{ linkIds: string[]; ruleIds: string[] }> {
  await db.transaction(async (trx) => {
    const old = trx('acq_link').where({ corp_id: CORP }).select('id');
    await trx('acq_rule_day').whereIn('rule_id', trx('acq_link_rule').whereIn('link_id', old).select('id')).delete();
    await trx('acq_state').whereIn('link_id', old).delete();
    await trx('acq_link_rule').whereIn('link_id', old).delete();
    await trx('acq_link').where({ corp_id: CORP }).delete();
  });
  const linkIds: string[] = [];
  const ruleIds: string[] = [];
  for (let l = 0; l < settings.links; l++) {
    const [link] = (await db('acq_link')
      .insert({
        corp_id: CORP,
        link_name: `压测链接${l}`,
        status: 1,
        state: `bench-${l}`,
        generation: 1,
        applied_generation: 1,
        publish_requested_generation: 1,
        url: `https://work.weixin.qq.com/ca/bench${l}`,
      })
      .returning('id')) as Array<{ id: string }>;
    linkIds.push(link!.id);
    for (let r = 0; r < settings.rulesPerLink; r++) {
      const [rule] = (await db('acq_link_rule')
        .insert({
          corp_id: CORP,
          link_id: link!.id,
          user_id: `bench-user-${r}`,
          weight: r + 1,
          state: `bench-${l}-${r}`,
          wecom_kind: 'qr',
          config_link_id: `bench-config-${l}-${r}`,
          qr_code: `https://wework.qpic.cn/wwpic/bench-${l}-${r}/0`,
          position: r,
        })
        .returning('id')) as Array<{ id: string }>;
      ruleIds.push(rule!.id);
    }
  }
  return { linkIds, ruleIds };
}

interface Row {
  label: string;
  perSecond: number;
  p50: number;
  p99: number;
  bad: number;
}

async function peak(label: string, url: string, bodies: string[]): Promise<Row> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: settings.connections,
    duration: settings.seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length]! }),
      },
    ],
  });
  return {
    label,
    perSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors,
  };
}

async function paced(label: string, url: string, bodies: string[], rate: number): Promise<Row> {
  let next = 0;
  const result = await runPaced({
    url,
    rate,
    count: settings.pacedCount,
    maxSockets: settings.connections,
    makeBody: () => ({ businessId: String(next), body: bodies[next++ % bodies.length]! }),
  });
  const [p50, p99] = percentiles(result.latencies, [50, 99]) as [number, number];
  return { label, perSecond: result.ok / result.durationS, p50, p99, bad: result.non2xx + result.errors };
}

function table(rows: Row[]): void {
  console.log('\n| load | ok/s | p50 ms | p99 ms | failed |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows)
    console.log(`| ${r.label} | ${fmt(r.perSecond)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.bad} |`);
}

async function main(): Promise<void> {
  // The run empties the benchmark corp's links: never point it at a real database.
  if (!new URL(settings.databaseUrl).pathname.includes('bench')) {
    throw new Error('BENCH_DATABASE_URL must name a database whose name contains "bench"');
  }
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'scrm-bench-alloc-'));
  say(`logs in ${logDir}`);
  await ensureDatabase(settings.databaseUrl);
  const db = createDb(settings.databaseUrl, 4);
  const children: Child[] = [];
  try {
    await migrateToLatest(db);
    const { linkIds, ruleIds } = await seedLinks(db);
    const { secretKey } = await createPartnerWithKey(
      db,
      { name: 'bench-alloc', rateLimitPerMinute: 100_000_000 },
      'bench',
    );
    say(
      `${linkIds.length} published links × ${settings.rulesPerLink} rules (weights 1…${settings.rulesPerLink}, no limits)`,
    );

    const taken = new Set<number>();
    const apiPort = await pickPort(18180, taken);
    const baselinePort = await pickPort(18181, taken);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: settings.databaseUrl,
      // No Temporal: allocation never touches it, and the API keeps serving without it.
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      TEMPORAL_TASK_QUEUE: 'bench',
      JWT_SECRET: 'bench-only-jwt-secret-0123456789abcdefghij',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PG_POOL_MAX: String(settings.poolMax),
      API_HOST: '127.0.0.1',
    };
    const spawnTs = (name: string, file: string, extra: NodeJS.ProcessEnv) =>
      spawnChild(
        name,
        process.execPath,
        [
          ...(process.env['BENCH_PROFILE_DIR']
            ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE_DIR']}`]
            : []),
          '--import',
          'tsx',
          file,
        ],
        {
          cwd: ROOT,
          env: { ...env, ...extra },
          logFile: path.join(logDir, `${name}.log`),
        },
      );
    const api = spawnTs('api', 'src/main/api.ts', { API_PORT: String(apiPort) });
    const baseline = spawnTs('baseline', 'bench/baseline-select-server.ts', { PORT: String(baselinePort) });
    children.push(api, baseline);
    const apiBase = `http://127.0.0.1:${apiPort}`;
    const baselineBase = `http://127.0.0.1:${baselinePort}`;
    await Promise.all([
      waitForHttp200(`${apiBase}/health/live`, 120_000, [api]),
      waitForHttp200(`${baselineBase}/health`, 60_000, [baseline]),
    ]);

    const hot = [JSON.stringify({ secretKey, linkId: linkIds[0] })];
    const spread = linkIds.map((linkId) => JSON.stringify({ secretKey, linkId }));
    const selects = ruleIds.map((ruleId) => JSON.stringify({ ruleId }));
    const probe = await fetch(`${apiBase}${HIT_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: hot[0],
    });
    const answer = (await probe.json()) as { data?: { hit?: boolean } };
    if (probe.status !== 200 || answer.data?.hit !== true)
      throw new Error(`allocationHit probe failed: ${probe.status} ${JSON.stringify(answer)}`);

    say(`warming up, then ${settings.seconds} s per load at ${settings.connections} connections`);
    await peak('warm-up', `${apiBase}${HIT_PATH}`, spread);
    await peak('warm-up', `${baselineBase}/hit`, selects);
    const rows: Row[] = [];
    const baselinePeak = await peak('baseline: one SELECT (peak)', `${baselineBase}/hit`, selects);
    rows.push(baselinePeak);
    const spreadPeak = await peak(`allocationHit over ${linkIds.length} links (peak)`, `${apiBase}${HIT_PATH}`, spread);
    rows.push(spreadPeak);
    const hotPeak = await peak('allocationHit, one hot link (peak)', `${apiBase}${HIT_PATH}`, hot);
    rows.push(hotPeak);
    const half = Math.max(10, Math.round(spreadPeak.perSecond / 2));
    rows.push(await paced(`baseline at ${half}/s`, `${baselineBase}/hit`, selects, half));
    rows.push(
      await paced(`allocationHit over ${linkIds.length} links at ${half}/s`, `${apiBase}${HIT_PATH}`, spread, half),
    );
    const hotHalf = Math.max(10, Math.round(hotPeak.perSecond / 2));
    rows.push(await paced(`allocationHit, one hot link at ${hotHalf}/s`, `${apiBase}${HIT_PATH}`, hot, hotHalf));
    table(rows);

    const [counted] = (await db('acq_rule_day').whereIn('rule_id', ruleIds).sum({ hits: 'hits' })) as Array<{
      hits: string;
    }>;
    const ratio = spreadPeak.perSecond / baselinePeak.perSecond;
    const spreadHalf = rows[4]!;
    console.log(
      `\nthroughput over ${linkIds.length} links: ${fmt(ratio, 2)}× the baseline (target ≥ ${TARGET_RATIO}); ` +
        `one hot link: ${fmt(hotPeak.perSecond / baselinePeak.perSecond, 2)}×; ` +
        `p99 at half peak ${fmt(spreadHalf.p99, 1)} ms (target < ${TARGET_P99_MS} ms); ` +
        `hand-outs counted in acq_rule_day: ${counted?.hits ?? 0}`,
    );
  } finally {
    for (const child of children) await stopChild(child);
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
