import { Type } from '@sinclair/typebox';
import { getDept, pageDepts, saveDept } from '../../../domain/wecom-org/departments';
import { startWecomSync } from '../../../domain/wecom-org/sync';
import type { AppDeps } from '../../app';
import { PageOf } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { corpOf } from '../corp';
import { SyncStartedView } from '../syncs/schemas';
import { DeptView, PageDeptsBody, presentDept, SaveDeptBody } from './schemas';

const actor = (ctx: RequestContext) => ctx.user?.username ?? 'system';

export function wecomDeptRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/wecom/dept/page',
      operationId: 'pageWecomDepts',
      seedOp: 'wecomDept.page',
      summary: 'Page through the WeCom departments mirrored for the corp',
      description: 'Default order: WeCom `order`, larger first.',
      tag: 'wecom-org',
      auth: 'admin',
      permission: 'wecomDept:page',
      body: PageDeptsBody,
      response: PageOf(DeptView),
      handle: async ({ body }, ctx) => {
        const page = await pageDepts(deps.db, corpOf(ctx, deps), body);
        return { list: page.rows.map(presentDept), total: page.total, pageNum: body.pageNum, pageSize: body.pageSize };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/wecom/dept/save',
      operationId: 'saveWecomDept',
      errors: [404, 409, 429, 503],
      seedOp: 'wecomDept.save',
      summary: 'Edit the local record of a WeCom department (by id), or add one (with its WeCom deptId)',
      description:
        'Local only: nothing is written to WeCom. WeCom’s own fields (name, nameEn, parentId, order, leaders) are ' +
        'overwritten by the next department sync, and a department WeCom does not know is then marked deleted. ' +
        'Without id a new department needs deptId and name; deptId cannot be changed afterwards. parentId must ' +
        'be a mirrored department that is neither the department itself nor one of its descendants.',
      tag: 'wecom-org',
      auth: 'admin',
      permission: 'wecomDept:save',
      body: SaveDeptBody,
      response: DeptView,
      handle: async ({ body }, ctx) => presentDept(await saveDept(deps.db, corpOf(ctx, deps), body, actor(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/wecom/dept/sync',
      operationId: 'syncWecomDepts',
      errors: [409, 503],
      seedOp: 'wecomDept.sync',
      summary: 'Start a full department sync from WeCom (a Temporal workflow; a running one is joined)',
      tag: 'wecom-org',
      auth: 'admin',
      permission: 'wecomDept:sync',
      response: SyncStartedView,
      handle: async (_input, ctx) => startWecomSync(deps.wecomSync, corpOf(ctx, deps), 'departments', actor(ctx)),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/wecom/dept/{id}',
      operationId: 'getWecomDept',
      errors: [404],
      seedOp: 'wecomDept.get',
      summary: 'Get a mirrored WeCom department by id',
      tag: 'wecom-org',
      auth: 'admin',
      permission: 'wecomDept:get',
      params: Type.Object({ id: IdString }),
      response: DeptView,
      handle: async ({ params }, ctx) => presentDept(await getDept(deps.db, corpOf(ctx, deps), params.id)),
    }),
  ];
}
