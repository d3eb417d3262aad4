import type { AppDeps } from '../../src/api/app';
import { routePermission } from '../../src/api/permission-tree';
import { allRoutes } from '../../src/api/routes';
import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';

/**
 * Generated from the route table: every admin route refuses a user whose roles lack its
 * permission, and lets through a user whose role holds only that permission. A route whose
 * permission has no node in the menu tree fails here.
 */
const routes = allRoutes({} as AppDeps);
const guarded = routes.filter((route) => route.auth === 'admin' && !route.selfService);
const selfService = routes.filter((route) => route.auth === 'admin' && route.selfService);

/** A concrete URL for a route: path parameters get a syntactically valid value. */
function urlOf(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_whole, name: string) => (name === 'kind' ? 'customer' : '1'));
}

describe('permission check on every admin route', () => {
  let db: Db;
  let superAdmin: Awaited<ReturnType<typeof createAdmin>>;
  let limited: Awaited<ReturnType<typeof createAdmin>>;
  let roleId: string;
  const nodeOf = new Map<string, string>();

  beforeAll(async () => {
    db = testDb();
    superAdmin = await createAdmin(db, sharedApiUrl);
    const roleKey = uid('matrix_');
    const role = await call<{ id: string }>(sharedApiUrl, 'POST', '/admin/role/save', {
      token: superAdmin.token,
      body: { name: '权限矩阵', roleKey, dataScope: 5 },
    });
    expect(role.status).toBe(200);
    roleId = role.body.data.id;
    // A corp that does not exist: routes that reach WeCom stop at "not configured", touching nothing shared.
    limited = await createAdmin(db, sharedApiUrl, { corpId: uid('wwmatrix'), roleKeys: [roleKey] });
    const rows = await db('sys_menu').where({ is_del: 0 }).whereNotNull('permission').select('id', 'permission');
    for (const row of rows as Array<{ id: string; permission: string }>) nodeOf.set(row.permission, row.id);
  });
  afterAll(async () => db.destroy());

  const grant = async (menuIds: string[]) => {
    const response = await call(sharedApiUrl, 'POST', '/admin/role/updatePermissions', {
      token: superAdmin.token,
      body: { roleId, menuIds },
    });
    expect(response.status).toBe(200);
  };

  it('covers the route table', () => {
    expect(guarded.length).toBeGreaterThan(80);
    expect(selfService.map((route) => route.operationId)).toEqual(expect.arrayContaining(['menuTreeForCurrentUser']));
  });

  it('has a menu node for the permission of every guarded route', () => {
    const missing = guarded.map((route) => routePermission(route)!).filter((permission) => !nodeOf.has(permission));
    expect(missing).toEqual([]);
  });

  it.each(guarded.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s: 403 without its permission, past the check with only it',
    async (_name, route) => {
      const permission = routePermission(route)!;
      const url = urlOf(route.path);
      const body = route.method === 'POST' ? {} : undefined;
      await grant([]);
      const refused = await call(sharedApiUrl, route.method, url, { token: limited.token, body });
      expect(refused.status).toBe(403);
      expect(refused.body.msg).toContain(permission);

      await grant([nodeOf.get(permission)!]);
      // Status only: a route that gets past the check may answer a spreadsheet.
      const passed = await fetch(`${sharedApiUrl}${url}`, {
        method: route.method,
        headers: { token: limited.token, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const answer = await passed.text();
      expect({ status: passed.status, answer: answer.slice(0, 200) }).not.toMatchObject({ status: 403 });
    },
  );

  it('lets a user without any role reach the self-service routes only', async () => {
    const nobody = await createAdmin(db, sharedApiUrl, { roleKeys: [] });
    for (const route of selfService.filter((r) => r.method === 'GET')) {
      const response = await call(sharedApiUrl, 'GET', urlOf(route.path), { token: nobody.token });
      expect(response.status).toBe(200);
    }
    const guardedCall = await call(sharedApiUrl, 'POST', '/admin/role/page', {
      token: nobody.token,
      body: {},
      headers: { 'accept-language': 'zh-CN' },
    });
    expect(guardedCall.status).toBe(403);
    expect(guardedCall.body.msg).toBe('没有此操作的权限（需要 role:page）');
  });
});
