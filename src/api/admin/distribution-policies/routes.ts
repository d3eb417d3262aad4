import { Type } from '@sinclair/typebox';
import {
  deletePolicies,
  listWaitingClueIds,
  loadPolicy,
  pagePolicies,
  savePolicy,
} from '../../../domain/distribution/policies';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { PolicyView, presentPolicy, SavePolicyBody } from './schemas';

export function distributionPolicyRoutes(deps: AppDeps): RouteDefinition[] {
  /** A policy change may make waiting clues assignable: nudge their workflows (they re-check on their own timer anyway). */
  const wakeWaitingClues = async (policyId: string) => {
    const ids = await listWaitingClueIds(deps.db, policyId);
    for (const id of ids) await deps.distribution.wake(id);
  };

  return [
    defineRoute({
      method: 'POST',
      path: '/admin/distribution/policy/save',
      operationId: 'saveDistributionPolicy',
      errors: [404, 409],
      summary: 'Add a distribution policy, or modify it when id is given (members are replaced by the list sent)',
      tag: 'distribution',
      auth: 'admin',
      permission: 'distributionPolicy:save',
      body: SavePolicyBody,
      response: PolicyView,
      handle: async ({ body }, ctx) => {
        const corpId = ctx.user?.corpId ?? deps.config.WECOM_CORP_ID;
        const saved = await savePolicy(deps.db, body, ctx.user?.username ?? 'system', corpId);
        wakeWaitingClues(saved.policy.id).catch((err: unknown) =>
          deps.logger.warn({ err, policyId: saved.policy.id }, 'could not wake waiting clues'),
        );
        return presentPolicy(saved);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/distribution/policy/page',
      operationId: 'pageDistributionPolicies',
      summary: 'Page through distribution policies',
      tag: 'distribution',
      auth: 'admin',
      permission: 'distributionPolicy:page',
      body: PageRequest(
        { name: Type.Optional(Type.String({ maxLength: 128 })), enabled: Type.Optional(Type.Boolean()) },
        ['id', 'priority', 'name', 'ctime'],
      ),
      response: PageOf(PolicyView),
      handle: async ({ body }) => {
        const page = await pagePolicies(deps.db, body);
        return {
          list: page.list.map(presentPolicy),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/distribution/policy/{id}',
      operationId: 'getDistributionPolicy',
      errors: [404],
      summary: 'Get a distribution policy with its members',
      tag: 'distribution',
      auth: 'admin',
      permission: 'distributionPolicy:get',
      params: Type.Object({ id: IdString }),
      response: PolicyView,
      handle: async ({ params }) => presentPolicy(await loadPolicy(deps.db, params.id)),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/distribution/policy/delete',
      operationId: 'deleteDistributionPolicies',
      errors: [404, 409],
      summary: 'Delete distribution policies (soft delete; clues are re-matched against the remaining policies)',
      tag: 'distribution',
      auth: 'admin',
      permission: 'distributionPolicy:delete',
      body: Type.Object({ ids: Type.Array(IdString, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false }),
      response: Type.Object({ deleted: Type.Integer() }),
      handle: async ({ body }, ctx) => ({
        deleted: await deletePolicies(deps.db, body.ids, ctx.user?.username ?? 'system'),
      }),
    }),
  ];
}
