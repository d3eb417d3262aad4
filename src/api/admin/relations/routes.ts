import { Type } from '@sinclair/typebox';
import { openRelationExport } from '../../../domain/customers/relation-export';
import { XLSX_CONTENT_TYPE } from '../../../domain/spreadsheet-export';
import {
  getRelation,
  pageRelations,
  pageRelationsByCustomer,
  relationStats,
  saveRelationNotes,
  validRelationsOfEmployee,
} from '../../../domain/customers/relations';
import { openWecom } from '../../../domain/customers/wecom-errors';
import type { AppDeps } from '../../app';
import { PageOf } from '../../paging';
import { sendSpreadsheet } from '../../spreadsheet-download';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { corpViewerOf } from '../viewer';
import { WecomUserid } from '../employees/schemas';
import {
  CustomerRelationsView,
  ExportRelationsBody,
  PageRelationsBody,
  PageRelationsByCustomerBody,
  presentCustomerRelations,
  presentRelation,
  RelationStatsView,
  RelationView,
  SaveRelationBody,
  StatsBody,
} from './schemas';

const actor = (ctx: RequestContext) => ctx.user?.username ?? 'system';

// GET /admin/relation/{id} comes last: the fixed GET paths must match before it.
export function relationRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/admin/relation/validByEmployee',
      operationId: 'listValidRelationsOfEmployee',
      errors: [404],
      seedOp: 'relation.validByEmployee',
      summary: 'All customers an employee follows now (valid relations), most recently added first',
      tag: 'relations',
      auth: 'admin',
      permission: 'relation:validByEmployee',
      query: Type.Object({ userid: WecomUserid }),
      response: Type.Object({ userid: Type.String(), total: Type.Integer(), list: Type.Array(RelationView) }),
      handle: async ({ query }, ctx) => {
        const result = await validRelationsOfEmployee(deps.db, corpViewerOf(ctx, deps), query.userid);
        return { userid: result.userid, total: result.relations.length, list: result.relations.map(presentRelation) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/relation/page',
      operationId: 'pageRelations',
      seedOp: 'relation.page',
      summary: 'Page through customer–employee relations, one row per (customer, employee) pair',
      description: 'Ended relations are listed too (see `status`); filter with `status: [0]` for valid ones only.',
      tag: 'relations',
      auth: 'admin',
      permission: 'relation:page',
      body: PageRelationsBody,
      response: PageOf(RelationView),
      handle: async ({ body }, ctx) => {
        const page = await pageRelations(deps.db, corpViewerOf(ctx, deps), body);
        return {
          list: page.rows.map(presentRelation),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/relation/pageByCustomer',
      operationId: 'pageRelationsByCustomer',
      seedOp: 'relation.page2',
      summary: 'Page through relations grouped per customer: one row per customer with its follow users',
      description:
        'Unlike /admin/relation/page (one row per relation), this pages over customers: a customer appears once ' +
        'when at least one of its relations matches the filter, and `followUsers` lists those matching relations; ' +
        '`total` counts customers.',
      tag: 'relations',
      auth: 'admin',
      permission: 'relation:page2',
      body: PageRelationsByCustomerBody,
      response: PageOf(CustomerRelationsView),
      handle: async ({ body }, ctx) => {
        const page = await pageRelationsByCustomer(deps.db, corpViewerOf(ctx, deps), body);
        return {
          list: page.list.map(presentCustomerRelations),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/relation/export',
      operationId: 'exportRelations',
      seedOp: 'relation.export',
      summary: 'Export the relations matching the page filters as an .xlsx spreadsheet (streamed)',
      description:
        'Same filters as /admin/relation/page, every matching row ordered by id. The workbook is written while rows ' +
        'are read from PostgreSQL in chunks, so large exports start at once and use little memory.',
      tag: 'relations',
      auth: 'admin',
      permission: 'relation:export',
      body: ExportRelationsBody,
      rawResponse: { contentType: XLSX_CONTENT_TYPE, description: 'the spreadsheet, as an attachment' },
      response: Type.Null(),
      handle: async ({ body }, ctx) => {
        const viewer = corpViewerOf(ctx, deps);
        const exporter = await openRelationExport(deps.db, viewer, body);
        sendSpreadsheet(ctx, deps.logger, `relations-${new Date().toISOString().slice(0, 10)}.xlsx`, exporter, {
          corpId: viewer.corpId,
        });
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/relation/save',
      operationId: 'saveRelation',
      errors: [404, 409],
      seedOp: 'relation.save',
      summary: 'Edit the remark and/or description of a relation; pushed to WeCom (externalcontact/remark) first',
      description:
        'Relations come from WeCom, so only existing ones can be edited. While the relation exists in WeCom the ' +
        'change is sent through externalcontact/remark and stored here only after WeCom accepted it; when WeCom ' +
        'refuses (409), limits (429) or is unreachable (503) nothing changes here. An ended relation is edited ' +
        'locally only. `pushedToWecom` says which happened. Give remark and/or description; they cannot both end ' +
        'up empty (WeCom refuses that call).',
      tag: 'relations',
      auth: 'admin',
      permission: 'relation:save',
      body: SaveRelationBody,
      response: Type.Object({ relation: RelationView, pushedToWecom: Type.Boolean() }),
      handle: async ({ body }, ctx) => {
        const viewer = corpViewerOf(ctx, deps);
        const saved = await saveRelationNotes(
          deps.db,
          () => openWecom(deps.wecom, viewer.corpId),
          viewer,
          body,
          actor(ctx),
        );
        return { relation: presentRelation(saved.relation), pushedToWecom: saved.pushedToWecom };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/relation/stats',
      operationId: 'relationStats',
      seedOp: 'relation.stats',
      summary: 'Customer statistics per employee: customers followed now, added and lost between from and to',
      description:
        'Days are calendar days of `timeZone` (default Asia/Shanghai), `to` inclusive. `lost` counts relations the ' +
        'employee or the customer ended (or that vanished from WeCom); transfers away are reported apart. `to` must ' +
        'not be before `from`, and the range covers at most 366 days.',
      tag: 'relations',
      auth: 'admin',
      permission: 'relation:stats',
      body: StatsBody,
      response: RelationStatsView,
      handle: async ({ body }, ctx) => relationStats(deps.db, corpViewerOf(ctx, deps), body),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/relation/{id}',
      operationId: 'getRelation',
      errors: [404],
      seedOp: 'relation.get',
      summary: 'Get a customer–employee relation by id',
      tag: 'relations',
      auth: 'admin',
      permission: 'relation:get',
      params: Type.Object({ id: IdString }),
      response: RelationView,
      handle: async ({ params }, ctx) =>
        presentRelation(await getRelation(deps.db, corpViewerOf(ctx, deps), params.id)),
    }),
  ];
}
