import type { AppDeps } from '../../src/api/app';
import {
  permissionOfSeedOp,
  permissionTree,
  routePermission,
  unplacedPermissions,
} from '../../src/api/permission-tree';
import type { RouteDefinition } from '../../src/api/route';
import { allRoutes } from '../../src/api/routes';

const routes = allRoutes({} as AppDeps);

describe('the permission tree of the route table', () => {
  it('places every admin permission on a page of the menu layout', () => {
    expect(unplacedPermissions(routes)).toEqual([]);
  });

  it('gives every admin route its own permission, seed operations theirs by key', () => {
    const guarded = routes.filter((route) => routePermission(route));
    const permissions = guarded.map((route) => routePermission(route));
    expect(new Set(permissions).size).toBe(permissions.length);
    const corpTagSave = routes.find((route) => route.seedOp === 'corpTag.saveGroup')!;
    expect(routePermission(corpTagSave)).toBe('corpTag:saveGroup');
    const offKey = routes
      .filter((route) => route.seedOp && routePermission(route))
      .filter((route) => routePermission(route) !== permissionOfSeedOp(route.seedOp!))
      .map((route) => route.operationId);
    expect(offKey).toEqual([]);
    expect(routes.filter((route) => route.auth === 'public').map(routePermission)).toEqual(
      routes.filter((route) => route.auth === 'public').map(() => undefined),
    );
  });

  it('names every node in Chinese and hangs every button under a page under a directory', () => {
    const nodes = permissionTree(routes);
    const byCode = new Map(nodes.map((node) => [node.code, node]));
    expect(nodes.filter((node) => !/[\u4e00-\u9fff]/.test(node.name)).map((node) => node.code)).toEqual([]);
    for (const node of nodes.filter((n) => n.type === 'button')) {
      const page = byCode.get(node.parentCode!);
      expect(page?.type).toBe('menu');
      expect(byCode.get(page!.parentCode!)?.type).toBe('directory');
    }
    // Parents come before their children, so the boot step can resolve each parent by code.
    const seen = new Set<string>();
    for (const node of nodes) {
      if (node.parentCode) expect(seen.has(node.parentCode)).toBe(true);
      seen.add(node.code);
    }
  });

  it('refuses an admin route that names no permission', () => {
    const route = { ...routes.find((r) => r.auth === 'admin' && !r.selfService)!, permission: undefined };
    expect(() => routePermission(route as RouteDefinition)).toThrow(/has no permission/);
  });
});
