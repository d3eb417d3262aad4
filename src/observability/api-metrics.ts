import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Db } from '../db/knex';
import { countPendingOutboxRows } from '../db/queries/outbox-backlog';
import { createRegistry } from './metrics';

/** tarn's pool, as knex exposes it (not in knex's public types). */
interface PoolStats {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/** What the API exports at /metrics. */
export class ApiMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;
  readonly intakeBatchSize: Histogram;

  constructor(db?: Db) {
    this.registry = createRegistry('api');
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'scrm_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'scrm_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.intakeBatchSize = new Histogram({
      name: 'scrm_clue_intake_batch_size',
      help: 'Partner clues written by one group-commit statement',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    });
    if (db) this.observeDatabase(db);
  }

  private observeDatabase(db: Db): void {
    const registers = [this.registry];
    const pool = () => (db.client as { pool?: PoolStats }).pool;
    const poolGauge = (name: string, help: string, read: (p: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const current = pool();
          this.set(current ? read(current) : 0);
        },
      });
    poolGauge('scrm_pg_pool_used', 'PostgreSQL connections in use (main pool)', (p) => p.numUsed());
    poolGauge('scrm_pg_pool_free', 'Idle PostgreSQL connections (main pool)', (p) => p.numFree());
    poolGauge('scrm_pg_pool_waiting', 'Queries waiting for a PostgreSQL connection (main pool)', (p) =>
      p.numPendingAcquires(),
    );
    new Gauge({
      name: 'scrm_outbox_pending',
      help: 'Committed rows whose workflow has not been started yet, by outbox',
      labelNames: ['outbox'],
      registers,
      async collect() {
        const counts = await countPendingOutboxRows(db).catch(() => undefined);
        if (!counts) return;
        this.set({ outbox: 'distributions' }, counts.distributions);
        this.set({ outbox: 'wecom_events' }, counts.wecomEvents);
      },
    });
  }
}
