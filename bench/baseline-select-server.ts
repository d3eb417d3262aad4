/**
 * The bare baseline of the allocation benchmark: Koa, the same JSON body reader as the API, and
 * one SELECT by primary key through a pg.Pool of the API's pool size — no authentication, rate
 * limiting, validation, row lock, rule choice or counter. What allocationHit achieves is compared
 * with what this achieves on the same machine in the same run.
 *
 * Run by bench/allocation.ts as a child process: DATABASE_URL, PORT, PG_POOL_MAX from the environment.
 */
import Router from '@koa/router';
import Koa from 'koa';
import pg from 'pg';
import { readBody } from '../src/api/middleware/body';

function main(): void {
  const databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) throw new Error('DATABASE_URL is required');
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: Number(process.env['PG_POOL_MAX'] ?? 10),
    application_name: 'scrm-bench-baseline-select',
  });
  const app = new Koa();
  const router = new Router();
  router.post('/hit', readBody('json', '256kb'), async (ctx) => {
    const body = (ctx.request.body ?? {}) as { ruleId?: unknown };
    const { rows } = await pool.query('SELECT qr_code, link_url FROM acq_link_rule WHERE id = $1', [
      String(body.ruleId ?? '0'),
    ]);
    ctx.body = { code: '200', msg: 'success', data: rows[0] ?? null };
  });
  router.get('/health', async (ctx) => {
    await pool.query('SELECT 1');
    ctx.body = { code: '200', msg: 'success', data: null };
  });
  app.use(router.routes());
  const server = app.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1');
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
