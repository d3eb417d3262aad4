import { Type } from '@sinclair/typebox';
import { isTemporalServing } from '../../temporal/connection';
import type { AppDeps } from '../app';
import { defineRoute, type RouteDefinition } from '../route';
import { UnavailableError } from '../../domain/errors';

export function systemRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/health',
      operationId: 'health',
      summary: 'Health of the API and its dependencies (PostgreSQL, Temporal); 503 when one is down',
      tag: 'system',
      auth: 'public',
      response: Type.Object({ postgres: Type.Boolean(), temporal: Type.Boolean() }),
      handle: async () => {
        const [postgres, temporal] = await Promise.all([postgresAnswers(deps), isTemporalServing(deps.temporal)]);
        if (!postgres || !temporal) {
          throw new UnavailableError(
            `unhealthy: postgres ${postgres ? 'up' : 'down'}, temporal ${temporal ? 'up' : 'down'}`,
            'UNHEALTHY',
          );
        }
        return { postgres, temporal };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/health/live',
      operationId: 'healthLive',
      summary: 'Liveness: the process is up and answering (no dependency is checked)',
      tag: 'system',
      auth: 'public',
      response: Type.Object({ status: Type.Literal('up') }),
      handle: () => Promise.resolve({ status: 'up' as const }),
    }),
    defineRoute({
      method: 'GET',
      path: '/health/ready',
      operationId: 'healthReady',
      errors: [503],
      summary: 'Readiness: 200 while PostgreSQL answers; Temporal is reported but does not make it fail',
      description:
        'Partner intake and the admin API keep working while Temporal is down (workflows start from the outbox ' +
        'once it is back), so a load balancer must not take the API out of rotation for it.',
      tag: 'system',
      auth: 'public',
      response: Type.Object({ postgres: Type.Boolean(), temporal: Type.Boolean() }),
      handle: async () => {
        const [postgres, temporal] = await Promise.all([postgresAnswers(deps), isTemporalServing(deps.temporal)]);
        if (!postgres) throw new UnavailableError('not ready: postgres down', 'NOT_READY');
        return { postgres, temporal };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics of this API process',
      description:
        'Requests by route and status, intake group-commit sizes, outbox backlog, PostgreSQL pool and Node ' +
        'process metrics. Serve it to the monitoring network only.',
      tag: 'system',
      auth: 'public',
      rawResponse: { contentType: 'text/plain; version=0.0.4', description: 'Prometheus text exposition format' },
      response: Type.Null(),
      handle: async (_input, ctx) => {
        ctx.koa.type = deps.metrics.registry.contentType;
        ctx.koa.body = await deps.metrics.registry.metrics();
        return null;
      },
    }),
  ];
}

function postgresAnswers(deps: AppDeps): Promise<boolean> {
  return deps.db
    .raw('select 1')
    .then(() => true)
    .catch(() => false);
}
