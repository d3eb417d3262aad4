import { Type } from '@sinclair/typebox';
import { findRoleDetail, listRoles, pageRoles } from '../../../db/queries/roles';
import { NotFoundError } from '../../../domain/errors';
import { deleteRoles, roleMenuIds, saveRole, updateRolePermissions } from '../../../domain/roles/manage-roles';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { presentRole, RoleView, SaveRoleBody } from './schemas';

const actorOf = (ctx: { user?: { username: string } | undefined }) => ctx.user?.username ?? 'system';

export function roleRoutes(deps: AppDeps): RouteDefinition[] {
  const loadRole = async (id: string) => {
    const row = await findRoleDetail(deps.db, id);
    if (!row) throw new NotFoundError('role', id, 'ROLE_NOT_FOUND');
    return presentRole(row);
  };
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/role/save',
      seedOp: 'role.save',
      operationId: 'saveRole',
      errors: [404, 409],
      summary: 'Add a role, or modify it when id is given',
      description:
        'deptIds is required with data scope 2 and refused with any other. The super-admin role can be renamed ' +
        'and reordered, but keeps its key, stays enabled and keeps data scope 1 (409). Changes apply to the next ' +
        'request of every user holding the role.',
      tag: 'system roles',
      auth: 'admin',
      permission: 'role:save',
      body: SaveRoleBody,
      response: RoleView,
      handle: async ({ body }, ctx) => loadRole(await saveRole(deps.db, body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/role/page',
      seedOp: 'role.page',
      operationId: 'pageRoles',
      summary: 'Page through roles (name and key match by substring)',
      tag: 'system roles',
      auth: 'admin',
      permission: 'role:page',
      body: PageRequest(
        {
          name: Type.Optional(Type.String({ maxLength: 64 })),
          roleKey: Type.Optional(Type.String({ maxLength: 64 })),
          status: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 })),
        },
        ['id', 'order', 'name', 'ctime'],
      ),
      response: PageOf(RoleView),
      handle: async ({ body }) => {
        const page = await pageRoles(deps.db, body);
        return { list: page.rows.map(presentRole), total: page.total, pageNum: body.pageNum, pageSize: body.pageSize };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/role/listAll',
      seedOp: 'role.listAll',
      operationId: 'listAllRoles',
      summary: 'Every role, disabled ones included, in display order',
      tag: 'system roles',
      auth: 'admin',
      permission: 'role:listAll',
      response: Type.Array(RoleView),
      handle: async () => (await listRoles(deps.db)).map(presentRole),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/role/delete',
      seedOp: 'role.delete',
      operationId: 'deleteRoles',
      errors: [404, 409],
      summary: 'Delete roles (soft; all or none)',
      description:
        'The super-admin role cannot be deleted. A role some user holds is refused (409, naming the roles and ' +
        'how many users hold them) unless `detach` is true, which takes the roles from those users.',
      tag: 'system roles',
      auth: 'admin',
      permission: 'role:delete',
      body: Type.Object(
        {
          ids: Type.Array(IdString, { minItems: 1, maxItems: 100 }),
          detach: Type.Optional(Type.Boolean({ default: false })),
        },
        { additionalProperties: false },
      ),
      response: Type.Object({ deleted: Type.Integer(), detachedUsers: Type.Integer() }),
      handle: ({ body }, ctx) => deleteRoles(deps.db, body, actorOf(ctx)),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/role/updatePermissions',
      seedOp: 'role.updatePermissions',
      operationId: 'updateRolePermissions',
      errors: [404, 409],
      summary: "Replace a role's granted menu nodes",
      description:
        'The nodes granted are the ones sent (directories and pages included, as a tree control checks them); a ' +
        "button's permission string is what routes check. Users of the role see the change on their next request. " +
        'The super-admin role holds every node implicitly and cannot be edited (409).',
      tag: 'system roles',
      auth: 'admin',
      permission: 'role:updatePermissions',
      body: Type.Object(
        { roleId: IdString, menuIds: Type.Array(IdString, { maxItems: 5000 }) },
        { additionalProperties: false },
      ),
      response: Type.Object({ roleId: Type.String(), menuIds: Type.Array(Type.String()) }),
      handle: async ({ body }, ctx) => ({
        roleId: body.roleId,
        ...(await updateRolePermissions(deps.db, body, actorOf(ctx))),
      }),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/role/{id}/menuIds',
      seedOp: 'role.menuIds',
      operationId: 'roleMenuIds',
      errors: [404],
      summary: 'The menu node ids granted to a role',
      tag: 'system roles',
      auth: 'admin',
      permission: 'role:menuIds',
      params: Type.Object({ id: IdString }),
      response: Type.Object({
        roleId: Type.String(),
        menuIds: Type.Array(Type.String()),
        all: Type.Boolean({ description: 'the super-admin role: every node, listed in full' }),
      }),
      handle: async ({ params }) => ({ roleId: params.id, ...(await roleMenuIds(deps.db, params.id)) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/role/{id}',
      seedOp: 'role.get',
      operationId: 'getRole',
      errors: [404],
      summary: 'Get a role by id, with its departments and how many users hold it',
      tag: 'system roles',
      auth: 'admin',
      permission: 'role:get',
      params: Type.Object({ id: IdString }),
      response: RoleView,
      handle: ({ params }) => loadRole(params.id),
    }),
  ];
}
