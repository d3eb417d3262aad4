import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { ApiMetrics } from '../../observability/api-metrics';

/** Requests no route matched share one label, so scanners cannot grow the series without bound. */
const UNMATCHED = '(unmatched)';

/**
 * One JSON access-log line and one metrics sample per request, taken after the error handler has
 * set the final status. The route is its pattern (`/admin/role/:id`), never the raw path.
 */
export function requestTelemetry(logger: Logger, metrics: ApiMetrics): Middleware {
  return async (ctx, next) => {
    const began = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - began) / 1e9;
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const labels = {
        method: ctx.method,
        route: typeof route === 'string' ? route : UNMATCHED,
        status: String(ctx.status),
      };
      metrics.requests.inc(labels);
      metrics.requestSeconds.observe(labels, seconds);
      logger.info(
        {
          requestId: ctx.state['requestId'],
          method: ctx.method,
          route: labels.route,
          status: ctx.status,
          durationMs: Math.round(seconds * 1e5) / 100,
        },
        'request',
      );
    }
  };
}
