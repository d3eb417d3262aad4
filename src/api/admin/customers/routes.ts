import { Type } from '@sinclair/typebox';
import {
  getCustomer,
  getCustomerByExternalUserid,
  pageCustomers,
  saveCustomerLocal,
} from '../../../domain/customers/customers';
import { customerGrowthStats } from '../../../domain/customers/growth-stats';
import { fetchLiveCustomer } from '../../../domain/customers/live-customer';
import { openWecom } from '../../../domain/customers/wecom-errors';
import { startWecomSync } from '../../../domain/wecom-org/sync';
import type { AppDeps } from '../../app';
import { PageOf } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { corpOf } from '../corp';
import { corpViewerOf } from '../viewer';
import { SyncStartedView } from '../syncs/schemas';
import {
  ByExternalUseridQuery,
  CustomerDetailView,
  CustomerView,
  GrowthStatsBody,
  GrowthStatsView,
  LiveCustomerView,
  PageCustomersBody,
  presentCustomer,
  presentCustomerDetail,
  presentCustomerWithCount,
  presentLiveCustomer,
  SaveCustomerBody,
} from './schemas';

const actor = (ctx: RequestContext) => ctx.user?.username ?? 'system';

// GET /admin/customer/{id} comes last: the fixed GET paths must match before it.
export function customerRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/customer/page',
      operationId: 'pageCustomers',
      seedOp: 'customer.page',
      summary: 'Page through the corp’s customers (WeCom external contacts)',
      description:
        '`followUserid`: customers that employee follows now. `addTimeFrom`/`addTimeTo` bound the first time any ' +
        'employee added the customer. Customers nobody follows any more are left out unless `includeDeleted`.',
      tag: 'customers',
      auth: 'admin',
      permission: 'customer:page',
      body: PageCustomersBody,
      response: PageOf(CustomerView),
      handle: async ({ body }, ctx) => {
        const page = await pageCustomers(deps.db, corpViewerOf(ctx, deps), body);
        return {
          list: page.rows.map((c) => presentCustomer(c, c.valid_relation_count)),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/customer/save',
      operationId: 'saveCustomer',
      errors: [404, 409],
      seedOp: 'customer.save',
      summary: 'Modify the local fields of a customer: localRemark, phone, linked clue',
      description:
        'Customers are created by WeCom syncs and callbacks; their WeCom fields are read-only here. A phone is ' +
        'normalised (+86, spaces, dashes) and refused when it is not a Chinese number. Fields left out are kept.',
      tag: 'customers',
      auth: 'admin',
      permission: 'customer:save',
      body: SaveCustomerBody,
      response: CustomerView,
      handle: async ({ body }, ctx) =>
        presentCustomerWithCount(await saveCustomerLocal(deps.db, corpViewerOf(ctx, deps), body, actor(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/customer/growthStats',
      operationId: 'customerGrowthStats',
      seedOp: 'customer.growthStats',
      summary: 'Customer growth per day: added, lost (by who ended it), net growth and survival, with totals',
      description:
        'Counted on relations (customer, employee) per calendar day of `timeZone`: `added` were created that day, ' +
        '`lost` ended that day, `netGrowth` = added − lost, `survivalRate` = added that day and still valid now ÷ ' +
        'added. Transfers to another employee are reported apart and are not losses. `to` must not be before ' +
        '`from`, and the range covers at most 366 days.',
      tag: 'customers',
      auth: 'admin',
      permission: 'customer:growthStats',
      body: GrowthStatsBody,
      response: GrowthStatsView,
      handle: async ({ body }, ctx) => customerGrowthStats(deps.db, corpViewerOf(ctx, deps), body),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/customer/sync',
      operationId: 'syncCustomers',
      errors: [409, 503],
      seedOp: 'customer.sync',
      summary: 'Start a full customer sync from WeCom (a Temporal workflow; a running one is joined)',
      tag: 'customers',
      auth: 'admin',
      permission: 'customer:sync',
      response: SyncStartedView,
      handle: async (_input, ctx) => startWecomSync(deps.wecomSync, corpOf(ctx, deps), 'customers', actor(ctx)),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/customer/live',
      operationId: 'getLiveCustomer',
      errors: [404, 409, 429, 503],
      seedOp: 'customer.getLiveByExternalUserid',
      summary: 'Read a customer and all its follow users live from WeCom (read-only: the mirror is not updated)',
      description:
        'Calls externalcontact/get, following next_cursor. 404 when WeCom does not know the customer; 429 when ' +
        'WeCom rate-limits; 503 when WeCom is unreachable or busy; 409 when WeCom refuses the call.',
      tag: 'customers',
      auth: 'admin',
      permission: 'customer:getLiveByExternalUserid',
      query: ByExternalUseridQuery,
      response: LiveCustomerView,
      handle: async ({ query }, ctx) => {
        const viewer = corpViewerOf(ctx, deps);
        const live = await fetchLiveCustomer(
          deps.db,
          () => openWecom(deps.wecom, viewer.corpId),
          viewer,
          query.externalUserid,
        );
        return presentLiveCustomer(live);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/customer/byExternalUserid',
      operationId: 'getCustomerByExternalUserid',
      errors: [404],
      seedOp: 'customer.get2',
      summary: 'Get a mirrored customer by WeCom external userid, with all its relations (follow users)',
      tag: 'customers',
      auth: 'admin',
      permission: 'customer:get2',
      query: ByExternalUseridQuery,
      response: CustomerDetailView,
      handle: async ({ query }, ctx) =>
        presentCustomerDetail(
          await getCustomerByExternalUserid(deps.db, corpViewerOf(ctx, deps), query.externalUserid),
        ),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/customer/{id}',
      operationId: 'getCustomer',
      errors: [404],
      seedOp: 'customer.get',
      summary: 'Get a mirrored customer by id',
      tag: 'customers',
      auth: 'admin',
      permission: 'customer:get',
      params: Type.Object({ id: IdString }),
      response: CustomerView,
      handle: async ({ params }, ctx) =>
        presentCustomerWithCount(await getCustomer(deps.db, corpViewerOf(ctx, deps), params.id)),
    }),
  ];
}
