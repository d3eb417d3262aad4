/**
 * The bare baseline of the intake benchmark: Koa, the same JSON body reader as the API, and one
 * INSERT through a pg.Pool of the API's pool size — no validation, authentication, rate limiting,
 * phone normalisation, upsert/event bookkeeping or workflow dispatch. What the real endpoint
 * achieves is compared with what this achieves on the same machine in the same run.
 *
 * Run by bench/intake.ts as a child process: DATABASE_URL, PORT, PG_POOL_MAX from the environment.
 */
import Router from '@koa/router';
import Koa from 'koa';
import pg from 'pg';
import { readBody } from '../src/api/middleware/body';

export const BASELINE_TABLE_SQL = `CREATE TABLE IF NOT EXISTS bench_baseline_clue (
  id bigserial PRIMARY KEY,
  business_id varchar(64) NOT NULL,
  payload jsonb NOT NULL,
  ctime timestamptz NOT NULL DEFAULT now()
)`;

function main(): void {
  const databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) throw new Error('DATABASE_URL is required');
  const port = Number(process.env['PORT'] ?? 0);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: Number(process.env['PG_POOL_MAX'] ?? 10),
    application_name: 'scrm-bench-baseline',
  });

  const app = new Koa();
  const router = new Router();
  router.post('/collect', readBody('json', '1mb'), async (ctx) => {
    const body = (ctx.request.body ?? {}) as { businessId?: unknown };
    const businessId = String(body.businessId ?? '');
    await pool.query('INSERT INTO bench_baseline_clue(business_id, payload) VALUES ($1, $2)', [businessId, body]);
    ctx.body = { code: '200', msg: 'success', data: businessId };
  });
  router.get('/health', async (ctx) => {
    await pool.query('SELECT 1');
    ctx.body = { code: '200', msg: 'success', data: null };
  });
  app.use(router.routes());

  const server = app.listen(port, '127.0.0.1', () => {
    const address = server.address();
    console.log(`baseline listening on 127.0.0.1:${typeof address === 'object' && address ? address.port : port}`);
  });
  server.keepAliveTimeout = 65_000;

  const shutdown = () => {
    server.close();
    server.closeAllConnections();
    void pool.end().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (require.main === module) main();
