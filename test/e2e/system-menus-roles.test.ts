import type { AppDeps } from '../../src/api/app';
import { permissionTree } from '../../src/api/permission-tree';
import { allRoutes } from '../../src/api/routes';
import type { Db } from '../../src/db/knex';
import { seedPermissionNodes } from '../../src/domain/menus/seed-permission-nodes';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';

interface MenuTree {
  id: string;
  parentId: string | null;
  type: string;
  name: string;
  permission: string | null;
  builtIn: boolean;
  visible: boolean;
  children: MenuTree[];
}
interface Role {
  id: string;
  name: string;
  roleKey: string;
  status: number;
  dataScope: number;
  deptIds: string[];
  builtIn: boolean;
  userCount: number;
}

function flatten(nodes: MenuTree[]): MenuTree[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children)]);
}

describe('menus and roles', () => {
  let db: Db;
  let admin: Awaited<ReturnType<typeof createAdmin>>;
  const post = <T>(path: string, body: unknown, token = admin.token) =>
    call<T>(sharedApiUrl, 'POST', path, { token, body });
  const get = <T>(path: string, token = admin.token) => call<T>(sharedApiUrl, 'GET', path, { token });
  const menuCount = async () => Number((await db('sys_menu').where({ is_del: 0 }).count({ n: '*' }))[0]!.n);
  const dept = async (name: string, parentId: string | null = null) => {
    const [row] = await db('sys_dept')
      .insert({ name, parent_id: parentId, code: uid('d') })
      .returning('id');
    return (row as { id: string }).id;
  };
  const newRole = async (extra: Record<string, unknown> = {}) => {
    const response = await post<Role>('/admin/role/save', {
      name: uid('角色'),
      roleKey: uid('r_'),
      dataScope: 5,
      ...extra,
    });
    expect(response.status).toBe(200);
    return response.body.data;
  };
  const nodeId = async (permission: string) =>
    ((await db('sys_menu').where({ permission, is_del: 0 }).first('id')) as { id: string }).id;

  beforeAll(async () => {
    db = testDb();
    admin = await createAdmin(db, sharedApiUrl);
  });
  afterAll(async () => db.destroy());

  describe('the tree from the route table', () => {
    it('places every permission under its page and module, named in Chinese', async () => {
      const tree = await get<MenuTree[]>('/admin/menu/treeAll');
      expect(tree.status).toBe(200);
      const clue = tree.body.data.find((node) => node.name === '线索管理');
      expect(clue).toMatchObject({ type: 'directory', builtIn: true, parentId: null });
      const pool = clue!.children.find((node) => node.name === '线索公海');
      expect(pool).toMatchObject({ type: 'menu' });
      expect(pool!.children.find((node) => node.permission === 'clue:page')).toMatchObject({
        type: 'button',
        name: '分页查询线索列表',
      });
      const permissions = flatten(tree.body.data).map((node) => node.permission);
      expect(permissions).toEqual(
        expect.arrayContaining(['role:updatePermissions', 'corpTag:saveGroup', 'sync:status']),
      );
    });

    it('is seeded idempotently: a second boot adds nothing and keeps an admin’s renaming', async () => {
      const id = await nodeId('clue:page');
      const original = (await db('sys_menu').where({ id }).first('parent_id', 'name', 'order_num')) as {
        parent_id: string;
        name: string;
        order_num: number;
      };
      const rename = (name: string, order: number) =>
        post<MenuTree>('/admin/menu/save', {
          id,
          type: 'button',
          permission: 'clue:page',
          parentId: original.parent_id,
          name,
          order,
        });
      try {
        expect((await rename('线索列表', 7)).status).toBe(200);
        const before = await menuCount();
        expect(await seedPermissionNodes(db, permissionTree(allRoutes({} as AppDeps)))).toBe(0);
        expect(await menuCount()).toBe(before);
        expect(await db('sys_menu').where({ id }).first('name', 'order_num')).toEqual({
          name: '线索列表',
          order_num: 7,
        });
      } finally {
        // The shared database outlives this run: the node gets its name back for the next one.
        await rename(original.name, original.order_num);
      }
    });

    it('keeps the type and permission of route nodes and refuses deleting them', async () => {
      const id = await nodeId('clue:page');
      const changed = await post('/admin/menu/save', { id, type: 'button', permission: 'clue:other', name: 'x' });
      expect(changed.status).toBe(409);
      expect((await db('sys_menu').where({ id }).first('permission')).permission).toBe('clue:page');
      const deleted = await post('/admin/menu/delete', { id, cascade: true });
      expect(deleted.status).toBe(409);
      expect((await db('sys_menu').where({ id }).first('is_del')).is_del).toBe(0);
    });
  });

  describe('menu.save, get and delete', () => {
    it('adds a directory, a page and a button, and gets them back', async () => {
      const directory = await post<MenuTree>('/admin/menu/save', { type: 'directory', name: '报表', path: '/report' });
      expect(directory.status).toBe(200);
      const page = await post<MenuTree>('/admin/menu/save', {
        type: 'menu',
        name: '日报',
        parentId: directory.body.data.id,
      });
      const permission = `${uid('report')}:daily`;
      const button = await post<MenuTree>('/admin/menu/save', {
        type: 'button',
        name: '导出',
        parentId: page.body.data.id,
        permission,
      });
      expect(button.status).toBe(200);
      const read = await get<MenuTree>(`/admin/menu/${button.body.data.id}`);
      expect(read.body.data).toMatchObject({ permission, parentId: page.body.data.id, builtIn: false, visible: true });
    });

    it('refuses a button without permission, a child of a button, a cycle and a taken permission, changing nothing', async () => {
      const top = await post<MenuTree>('/admin/menu/save', { type: 'directory', name: uid('顶级') });
      const child = await post<MenuTree>('/admin/menu/save', { type: 'menu', name: '子', parentId: top.body.data.id });
      const permission = `${uid('p')}:x`;
      const button = await post<MenuTree>('/admin/menu/save', {
        type: 'button',
        name: '按钮',
        parentId: child.body.data.id,
        permission,
      });
      const before = await menuCount();
      const cases: Array<[unknown, number, string]> = [
        [{ type: 'button', name: 'b' }, 400, 'permission'],
        [{ type: 'menu', name: 'm', parentId: button.body.data.id }, 400, 'parentId'],
        [{ id: top.body.data.id, type: 'directory', name: 't', parentId: child.body.data.id }, 400, 'parentId'],
        [{ type: 'button', name: 'dup', parentId: child.body.data.id, permission }, 409, ''],
        [{ type: 'menu', name: 'm', parentId: '999999999' }, 400, 'parentId'],
        [{ type: 'button', name: 'b', permission: 'no colon' }, 400, 'permission'],
        [{ id: '999999999', type: 'menu', name: 'm' }, 404, ''],
      ];
      for (const [body, status, field] of cases) {
        const response = await post<{ errors?: Array<{ field: string }> }>('/admin/menu/save', body);
        expect({ body, status: response.status }).toEqual({ body, status });
        if (field) expect(response.body.data.errors?.[0]?.field).toBe(field);
      }
      expect(await menuCount()).toBe(before);
      expect((await db('sys_menu').where({ id: top.body.data.id }).first('parent_id')).parent_id).toBeNull();
    });

    it('refuses deleting a node with children or grants unless asked to cascade, then revokes the grants', async () => {
      const top = await post<MenuTree>('/admin/menu/save', { type: 'directory', name: uid('待删') });
      const button = await post<MenuTree>('/admin/menu/save', {
        type: 'button',
        name: '按钮',
        parentId: top.body.data.id,
        permission: `${uid('del')}:x`,
      });
      const role = await newRole();
      await post('/admin/role/updatePermissions', { roleId: role.id, menuIds: [button.body.data.id] });

      const withChildren = await call(sharedApiUrl, 'POST', '/admin/menu/delete', {
        token: admin.token,
        body: { id: top.body.data.id },
        headers: { 'accept-language': 'zh' },
      });
      expect(withChildren.status).toBe(409);
      expect(withChildren.body.msg).toBe('该菜单下还有 1 个节点，请先删除或选择级联删除');
      const granted = await post<null>('/admin/menu/delete', { id: button.body.data.id });
      expect(granted.status).toBe(409);
      expect(granted.body.msg).toContain(role.name);
      expect(await db('sys_role_menu').where({ role_id: role.id }).count({ n: '*' })).toEqual([{ n: '1' }]);

      const cascaded = await post<{ deleted: number; revokedFromRoles: number }>('/admin/menu/delete', {
        id: top.body.data.id,
        cascade: true,
      });
      expect(cascaded.body.data).toEqual({ deleted: 2, revokedFromRoles: 1 });
      expect(await db('sys_role_menu').where({ role_id: role.id }).count({ n: '*' })).toEqual([{ n: '0' }]);
      expect((await get(`/admin/menu/${top.body.data.id}`)).status).toBe(404);
    });
  });

  describe('roles', () => {
    it('saves, reads, pages and lists roles with their data scope and departments', async () => {
      const sales = await dept(uid('销售部'));
      const role = await newRole({ dataScope: 2, deptIds: [sales], remark: '华东' });
      expect(role).toMatchObject({ dataScope: 2, deptIds: [sales], builtIn: false, userCount: 0, status: 0 });
      const changed = await post<Role>('/admin/role/save', {
        id: role.id,
        name: role.name,
        roleKey: role.roleKey,
        dataScope: 4,
        status: 1,
      });
      expect(changed.body.data).toMatchObject({ dataScope: 4, deptIds: [], status: 1 });
      expect((await get<Role>(`/admin/role/${role.id}`)).body.data.roleKey).toBe(role.roleKey);
      const page = await post<{ list: Role[]; total: number }>('/admin/role/page', { roleKey: role.roleKey });
      expect(page.body.data.total).toBe(1);
      expect(page.body.data.list[0]!.id).toBe(role.id);
      const all = await get<Role[]>('/admin/role/listAll');
      expect(all.body.data.find((r) => r.builtIn)).toMatchObject({ roleKey: 'super_admin', dataScope: 1 });
      expect(all.body.data.some((r) => r.id === role.id)).toBe(true);
    });

    it('refuses bad departments for the scope and a taken key, changing nothing', async () => {
      const role = await newRole();
      const before = await db('sys_role').where({ id: role.id }).first();
      const cases: Array<[Record<string, unknown>, number, string]> = [
        [{ dataScope: 2 }, 400, 'deptIds'],
        [{ dataScope: 3, deptIds: [await dept('x')] }, 400, 'deptIds'],
        [{ dataScope: 2, deptIds: ['999999999'] }, 400, 'deptIds[0]'],
        [{ dataScope: 6 }, 400, 'dataScope'],
        [{ roleKey: 'SUPER_ADMIN' }, 409, ''],
      ];
      for (const [change, status, field] of cases) {
        const response = await post<{ errors?: Array<{ field: string }> }>('/admin/role/save', {
          id: role.id,
          name: role.name,
          roleKey: role.roleKey,
          dataScope: 5,
          ...change,
        });
        expect({ change, status: response.status }).toEqual({ change, status });
        if (field) expect(response.body.data.errors?.[0]?.field).toBe(field);
      }
      expect(await db('sys_role').where({ id: role.id }).first()).toEqual(before);
    });

    it('never narrows, disables or deletes the super-admin role, but lets it be renamed', async () => {
      const superRole = (await db('sys_role').where({ role_key: 'super_admin' }).first()) as {
        id: string;
        name: string;
      };
      for (const change of [{ dataScope: 4 }, { status: 1 }, { roleKey: 'boss' }]) {
        const response = await post('/admin/role/save', {
          id: superRole.id,
          name: superRole.name,
          roleKey: 'super_admin',
          dataScope: 1,
          ...change,
        });
        expect(response.status).toBe(409);
      }
      expect((await post('/admin/role/updatePermissions', { roleId: superRole.id, menuIds: [] })).status).toBe(409);
      expect((await post('/admin/role/delete', { ids: [superRole.id], detach: true })).status).toBe(409);
      const menuIds = await get<{ all: boolean; menuIds: string[] }>(`/admin/role/${superRole.id}/menuIds`);
      expect(menuIds.body.data.all).toBe(true);
      expect(menuIds.body.data.menuIds.length).toBe(await menuCount());
      const renamed = await post<Role>('/admin/role/save', {
        id: superRole.id,
        name: superRole.name,
        roleKey: 'super_admin',
        dataScope: 1,
        order: 0,
      });
      expect(renamed.status).toBe(200);
    });

    it('refuses deleting a role in use unless asked to detach it, all or none', async () => {
      const used = await newRole();
      const unused = await newRole();
      const holder = await createAdmin(db, sharedApiUrl, { roleKeys: [used.roleKey] });
      const refused = await post('/admin/role/delete', { ids: [unused.id, used.id] });
      expect(refused.status).toBe(409);
      expect(refused.body.msg).toContain(used.name);
      expect(await db('sys_role').whereIn('id', [used.id, unused.id]).where({ is_del: 0 }).count({ n: '*' })).toEqual([
        { n: '2' },
      ]);
      expect((await post('/admin/role/delete', { ids: [unused.id, '999999999'] })).status).toBe(404);
      const detached = await post<{ deleted: number; detachedUsers: number }>('/admin/role/delete', {
        ids: [unused.id, used.id],
        detach: true,
      });
      expect(detached.body.data).toEqual({ deleted: 2, detachedUsers: 1 });
      expect(await db('sys_user_role').where({ user_id: holder.id }).count({ n: '*' })).toEqual([{ n: '0' }]);
      expect((await get(`/admin/role/${used.id}`)).status).toBe(404);
    });
  });

  describe('grants take effect on the very next request', () => {
    it('grant, revoke, disable the role: the holder is let through, then refused', async () => {
      const role = await newRole();
      const holder = await createAdmin(db, sharedApiUrl, { roleKeys: [role.roleKey] });
      const listRoles = () => post('/admin/role/page', {}, holder.token);
      expect((await listRoles()).status).toBe(403);

      const granted = await post<{ menuIds: string[] }>('/admin/role/updatePermissions', {
        roleId: role.id,
        menuIds: [await nodeId('role:page')],
      });
      expect(granted.status).toBe(200);
      expect((await listRoles()).status).toBe(200);
      expect((await get<{ menuIds: string[] }>(`/admin/role/${role.id}/menuIds`)).body.data.menuIds).toEqual(
        granted.body.data.menuIds,
      );

      await post('/admin/role/save', { id: role.id, name: role.name, roleKey: role.roleKey, dataScope: 5, status: 1 });
      expect((await listRoles()).status).toBe(403);
      await post('/admin/role/save', { id: role.id, name: role.name, roleKey: role.roleKey, dataScope: 5, status: 0 });
      expect((await listRoles()).status).toBe(200);
      await post('/admin/role/updatePermissions', { roleId: role.id, menuIds: [] });
      expect((await listRoles()).status).toBe(403);
    });

    it('refuses granting unknown menu ids, changing nothing', async () => {
      const role = await newRole();
      const menuId = await nodeId('clue:page');
      await post('/admin/role/updatePermissions', { roleId: role.id, menuIds: [menuId] });
      const refused = await post<{ errors: Array<{ field: string }> }>('/admin/role/updatePermissions', {
        roleId: role.id,
        menuIds: [menuId, '999999999'],
      });
      expect(refused.status).toBe(400);
      expect(refused.body.data.errors[0]!.field).toBe('menuIds[1]');
      expect(await db('sys_role_menu').where({ role_id: role.id }).pluck('menu_id')).toEqual([menuId]);
    });
  });

  describe('the menu of the signed-in user', () => {
    it('shows the granted nodes with their parents, without hidden ones', async () => {
      const role = await newRole();
      const holder = await createAdmin(db, sharedApiUrl, { roleKeys: [role.roleKey] });
      const hiddenPage = await post<MenuTree>('/admin/menu/save', {
        type: 'menu',
        name: uid('隐藏页'),
        visible: false,
      });
      await post('/admin/role/updatePermissions', {
        roleId: role.id,
        menuIds: [await nodeId('role:page'), await nodeId('role:get'), hiddenPage.body.data.id],
      });
      const tree = await get<MenuTree[]>('/admin/menu/treeForCurrentUser', holder.token);
      expect(tree.status).toBe(200);
      expect(tree.body.data.map((node) => node.name)).toEqual(['系统管理']);
      const pages = tree.body.data[0]!.children;
      expect(pages.map((node) => node.name)).toEqual(['角色管理']);
      expect(pages[0]!.children.map((node) => node.permission).sort()).toEqual(['role:get', 'role:page']);

      const full = await get<MenuTree[]>('/admin/menu/treeForCurrentUser');
      expect(flatten(full.body.data).length).toBeGreaterThan(80);
      expect(flatten(full.body.data).some((node) => node.id === hiddenPage.body.data.id)).toBe(false);
    });
  });
});
