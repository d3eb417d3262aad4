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
        const [postgres, temporal] = await Promise.all([
          deps.db
            .raw('select 1')
            .then(() => true)
            .catch(() => false),
          isTemporalServing(deps.temporal),
        ]);
        if (!postgres || !temporal) {
          throw new UnavailableError(
            `unhealthy: postgres ${postgres ? 'up' : 'down'}, temporal ${temporal ? 'up' : 'down'}`,
            'UNHEALTHY',
          );
        }
        return { postgres, temporal };
      },
    }),
  ];
}
