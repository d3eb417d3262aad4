import { Type } from '@sinclair/typebox';
import {
  getEmployee,
  getEmployeeByUserid,
  NAME_SEARCH_LIMIT,
  pageEmployees,
  saveEmployee,
  searchEmployeesByName,
} from '../../../domain/wecom-org/employees';
import { startWecomSync } from '../../../domain/wecom-org/sync';
import type { AppDeps } from '../../app';
import { PageOf } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { corpOf } from '../corp';
import { SyncStartedView } from '../syncs/schemas';
import {
  ByUseridQuery,
  EmployeeView,
  PageEmployeesBody,
  presentEmployee,
  SaveEmployeeBody,
  SearchByNameQuery,
} from './schemas';

const actor = (ctx: RequestContext) => ctx.user?.username ?? 'system';

// GET /admin/wecom/employee/{id} comes last: the fixed GET paths must match before it.
export function employeeRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/admin/wecom/employee/searchByName',
      operationId: 'searchWecomEmployeesByName',
      seedOp: 'employee.searchByName',
      summary: 'WeCom employees whose name contains the text (case-insensitive)',
      description: `Live employees only, by name; at most ${NAME_SEARCH_LIMIT}.`,
      tag: 'wecom-org',
      auth: 'admin',
      permission: 'employee:searchByName',
      query: SearchByNameQuery,
      response: Type.Array(EmployeeView),
      handle: async ({ query }, ctx) =>
        (await searchEmployeesByName(deps.db, corpOf(ctx, deps), query.name)).map(presentEmployee),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/wecom/employee/byUserid',
      operationId: 'getWecomEmployeeByUserid',
      errors: [404],
      seedOp: 'employee.get2',
      summary: 'Get a mirrored WeCom employee by WeCom userid (case-insensitive, as WeCom treats userids)',
      tag: 'wecom-org',
      auth: 'admin',
      permission: 'employee:get2',
      query: ByUseridQuery,
      response: EmployeeView,
      handle: async ({ query }, ctx) =>
        presentEmployee(await getEmployeeByUserid(deps.db, corpOf(ctx, deps), query.userid)),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/wecom/employee/page',
      operationId: 'pageWecomEmployees',
      seedOp: 'employee.page',
      summary: 'Page through the WeCom employees mirrored for the corp',
      description: '`departmentId` lists the employees WeCom places in that department (not its sub-departments).',
      tag: 'wecom-org',
      auth: 'admin',
      permission: 'employee:page',
      body: PageEmployeesBody,
      response: PageOf(EmployeeView),
      handle: async ({ body }, ctx) => {
        const page = await pageEmployees(deps.db, corpOf(ctx, deps), body);
        return {
          list: page.rows.map(presentEmployee),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/wecom/employee/save',
      operationId: 'saveWecomEmployee',
      errors: [404, 409, 429, 503],
      seedOp: 'employee.save',
      summary: 'Edit the local record of a WeCom employee (by id), or add one (with its WeCom userid)',
      description:
        'Local only: nothing is written to WeCom. WeCom’s own fields are overwritten by the next employee sync, and ' +
        'an employee WeCom does not know is then marked deleted. Departments must be mirrored departments of the ' +
        'corp, and mainDepartment one of them. Without id a new employee needs userid and name; userid cannot ' +
        'be changed afterwards.',
      tag: 'wecom-org',
      auth: 'admin',
      permission: 'employee:save',
      body: SaveEmployeeBody,
      response: EmployeeView,
      handle: async ({ body }, ctx) =>
        presentEmployee(await saveEmployee(deps.db, corpOf(ctx, deps), body, actor(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/wecom/employee/sync',
      operationId: 'syncWecomEmployees',
      errors: [409, 503],
      seedOp: 'employee.sync',
      summary: 'Start a full employee sync from WeCom (a Temporal workflow; a running one is joined)',
      tag: 'wecom-org',
      auth: 'admin',
      permission: 'employee:sync',
      response: SyncStartedView,
      handle: async (_input, ctx) => startWecomSync(deps.wecomSync, corpOf(ctx, deps), 'employees', actor(ctx)),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/wecom/employee/{id}',
      operationId: 'getWecomEmployee',
      errors: [404],
      seedOp: 'employee.get',
      summary: 'Get a mirrored WeCom employee by id',
      tag: 'wecom-org',
      auth: 'admin',
      permission: 'employee:get',
      params: Type.Object({ id: IdString }),
      response: EmployeeView,
      handle: async ({ params }, ctx) => presentEmployee(await getEmployee(deps.db, corpOf(ctx, deps), params.id)),
    }),
  ];
}
