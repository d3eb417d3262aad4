import { Type } from '@sinclair/typebox';
import { findGrantedMenuIds, findMenu, listMenus } from '../../../db/queries/menus';
import { NotFoundError } from '../../../domain/errors';
import { deleteMenu, saveMenu } from '../../../domain/menus/manage-menus';
import { nestMenus, visibleMenus } from '../../../domain/menus/menu-tree';
import type { AppDeps } from '../../app';
import { defineRoute, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { MenuTreeView, MenuView, presentMenu, presentMenuTree, SaveMenuBody } from './schemas';

const actorOf = (ctx: { user?: { username: string } | undefined }) => ctx.user?.username ?? 'system';

export function menuRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/menu/save',
      seedOp: 'menu.save',
      operationId: 'saveMenu',
      errors: [404, 409],
      summary: 'Add a menu, page or button node, or modify it when id is given',
      description:
        'Nodes created from the route table (builtIn) keep their type and permission; their name, order, icon, ' +
        'path, parent and visibility can change and are never overwritten by later upgrades. A permission belongs ' +
        'to one node (409 otherwise). Grants take effect on the next request of every user.',
      tag: 'system menus',
      auth: 'admin',
      permission: 'menu:save',
      body: SaveMenuBody,
      response: MenuView,
      handle: async ({ body }, ctx) => presentMenu(await saveMenu(deps.db, body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/menu/delete',
      seedOp: 'menu.delete',
      operationId: 'deleteMenu',
      errors: [404, 409],
      summary: 'Delete a menu node (soft)',
      description:
        'The original API has this as GET; it changes state, so it is POST here. A node with nodes below it or granted ' +
        'to a role is refused with 409 unless `cascade` is true, which deletes the subtree and revokes its grants. ' +
        'Nodes of the route table cannot be deleted (hide them with visible: false).',
      tag: 'system menus',
      auth: 'admin',
      permission: 'menu:delete',
      body: Type.Object(
        { id: IdString, cascade: Type.Optional(Type.Boolean({ default: false })) },
        { additionalProperties: false },
      ),
      response: Type.Object({
        deleted: Type.Integer({ description: 'nodes deleted, the node itself included' }),
        revokedFromRoles: Type.Integer({ description: 'roles that lost a grant' }),
      }),
      handle: ({ body }, ctx) => deleteMenu(deps.db, body, actorOf(ctx)),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/menu/treeAll',
      seedOp: 'menu.treeAll',
      operationId: 'menuTreeAll',
      summary: 'The whole menu tree, hidden nodes included',
      tag: 'system menus',
      auth: 'admin',
      permission: 'menu:treeAll',
      response: Type.Array(MenuTreeView),
      handle: async () => presentMenuTree(nestMenus(await listMenus(deps.db))),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/menu/treeForCurrentUser',
      seedOp: 'menu.treeForCurrentUser',
      operationId: 'menuTreeForCurrentUser',
      summary: "The menu the signed-in user sees: visible nodes granted to the user's active roles, with their parents",
      description: 'Any signed-in user may ask for their own menu. The super admin sees every visible node.',
      tag: 'system menus',
      auth: 'admin',
      selfService: true,
      response: Type.Array(MenuTreeView),
      handle: async (_input, ctx) => {
        const user = ctx.user!;
        const rows = await listMenus(deps.db);
        const granted = user.access.superAdmin ? undefined : await findGrantedMenuIds(deps.db, user.id);
        return presentMenuTree(visibleMenus(nestMenus(rows), (row) => !granted || granted.has(row.id)));
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/menu/{id}',
      seedOp: 'menu.get',
      operationId: 'getMenu',
      errors: [404],
      summary: 'Get a menu node by id',
      tag: 'system menus',
      auth: 'admin',
      permission: 'menu:get',
      params: Type.Object({ id: IdString }),
      response: MenuView,
      handle: async ({ params }) => {
        const row = await findMenu(deps.db, params.id);
        if (!row) throw new NotFoundError('menu', params.id, 'MENU_NOT_FOUND');
        return presentMenu(row);
      },
    }),
  ];
}
