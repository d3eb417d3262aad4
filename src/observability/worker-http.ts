import { createServer, type Server } from 'node:http';
import type { WorkerMetrics } from './worker-metrics';

export interface WorkerHttpOptions {
  host: string;
  port: number;
  metrics: WorkerMetrics;
  /** Where the Temporal SDK's Prometheus exporter listens; its series are appended to /metrics. */
  sdkMetricsUrl: string | undefined;
  /** Ready while PostgreSQL answers and the worker polls its task queue. */
  readiness(): Promise<{ postgres: boolean; worker: boolean }>;
}

/**
 * The worker's small HTTP face: /health/live, /health/ready and /metrics (ours and the SDK's in
 * one scrape). It listens only for monitoring; nothing here changes state.
 */
export async function startWorkerHttp(options: WorkerHttpOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const answer = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { 'content-type': contentType });
      res.end(body);
    };
    const json = (status: number, body: unknown) => answer(status, 'application/json', JSON.stringify(body));
    void (async () => {
      if (req.method !== 'GET') return json(405, { code: '405', msg: 'only GET', data: null });
      switch (req.url) {
        case '/health/live':
          return json(200, { code: '200', msg: 'ok', data: { status: 'up' } });
        case '/health/ready': {
          const ready = await options.readiness();
          const ok = ready.postgres && ready.worker;
          return json(ok ? 200 : 503, { code: ok ? '200' : '503', msg: ok ? 'ok' : 'not ready', data: ready });
        }
        case '/metrics': {
          const ours = await options.metrics.registry.metrics();
          const sdk = options.sdkMetricsUrl
            ? await fetch(options.sdkMetricsUrl, { signal: AbortSignal.timeout(2000) })
                .then((r) => r.text())
                .catch(() => '')
            : '';
          return answer(200, options.metrics.registry.contentType, `${ours}\n${sdk}`);
        }
        default:
          return json(404, { code: '404', msg: `no route ${req.url ?? ''}`, data: null });
      }
    })().catch(() => json(500, { code: '500', msg: 'internal error', data: null }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return server;
}
