import { wecomSyncStatus } from '../../../domain/wecom-org/sync';
import type { AppDeps } from '../../app';
import { defineRoute, type RouteDefinition } from '../../route';
import { corpOf } from '../corp';
import { presentSyncStatus, SyncKindParams, SyncStatusView } from './schemas';

export function syncRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/admin/sync/{kind}',
      operationId: 'getWecomSyncStatus',
      errors: [503],
      summary: 'Status and progress of the admin’s corp’s latest WeCom full sync of a kind',
      description:
        'Reads the sync workflow from Temporal (its status and its `progress` query), so a front end can follow ' +
        'a sync started by any `…/sync` operation or by the nightly schedule. 404 when no such sync ever ran.',
      tag: 'wecom',
      auth: 'admin',
      permission: 'sync:status',
      params: SyncKindParams,
      response: SyncStatusView,
      handle: async ({ params }, ctx) =>
        presentSyncStatus(await wecomSyncStatus(deps.wecomSync, corpOf(ctx, deps), params.kind)),
    }),
  ];
}
