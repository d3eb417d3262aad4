import type { Executor } from '../knex';

export type MenuType = 'directory' | 'menu' | 'button';

export interface MenuRow {
  id: string;
  parent_id: string | null;
  menu_type: MenuType;
  name: string;
  order_num: number;
  path: string | null;
  icon: string | null;
  visible: boolean;
  permission: string | null;
  code: string | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

export interface MenuWrite {
  parent_id: string | null;
  menu_type: MenuType;
  name: string;
  order_num: number;
  path: string | null;
  icon: string | null;
  visible: boolean;
  permission: string | null;
}

/** Every live node, parents before their children's siblings in display order. */
export async function listMenus(db: Executor): Promise<MenuRow[]> {
  return db<MenuRow>('sys_menu')
    .where({ is_del: 0 })
    .orderBy([{ column: 'order_num' }, { column: 'id' }]);
}

export async function findMenu(
  db: Executor,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<MenuRow | undefined> {
  const query = db<MenuRow>('sys_menu').where({ id, is_del: 0 }).first();
  return options.forUpdate ? query.forUpdate() : query;
}

export async function insertMenu(db: Executor, menu: MenuWrite, actor: string): Promise<MenuRow> {
  const [row] = await db<MenuRow>('sys_menu')
    .insert({ ...menu, cuser: actor, muser: actor } as never)
    .returning('*');
  return row as MenuRow;
}

export async function updateMenu(db: Executor, id: string, menu: MenuWrite, actor: string): Promise<MenuRow> {
  const [row] = await db<MenuRow>('sys_menu')
    .where({ id, is_del: 0 })
    .update({ ...menu, muser: actor, mtime: db.fn.now() } as never)
    .returning('*');
  return row as MenuRow;
}

/** The node and all live nodes below it. */
export async function findMenuSubtree(db: Executor, id: string): Promise<MenuRow[]> {
  const result = await db.raw<{ rows: MenuRow[] }>(
    `WITH RECURSIVE subtree AS (
       SELECT * FROM sys_menu WHERE id = ? AND is_del = 0
       UNION ALL
       SELECT m.* FROM sys_menu m JOIN subtree s ON m.parent_id = s.id WHERE m.is_del = 0
     ) SELECT * FROM subtree`,
    [id],
  );
  return result.rows;
}

/** Roles (live ones) that are granted any of these nodes. */
export async function findRolesGranted(db: Executor, menuIds: string[]): Promise<Array<{ id: string; name: string }>> {
  return db('sys_role_menu as rm')
    .join('sys_role as r', 'r.id', 'rm.role_id')
    .where('r.is_del', 0)
    .whereIn('rm.menu_id', menuIds)
    .distinct('r.id', 'r.name')
    .orderBy('r.id');
}

export async function softDeleteMenus(db: Executor, ids: string[], actor: string): Promise<void> {
  await db('sys_role_menu').whereIn('menu_id', ids).delete();
  await db('sys_menu').whereIn('id', ids).update({ is_del: 1, muser: actor, mtime: db.fn.now() });
}

/** Ids of live nodes among `ids`. */
export async function existingMenuIds(db: Executor, ids: string[]): Promise<Set<string>> {
  const rows = await db<MenuRow>('sys_menu').where({ is_del: 0 }).whereIn('id', ids).select('id');
  return new Set(rows.map((row) => row.id));
}

/** Nodes granted to the user's active roles. */
export async function findGrantedMenuIds(db: Executor, userId: string): Promise<Set<string>> {
  const rows = await db('sys_user_role as ur')
    .join('sys_role as r', function activeRole() {
      this.on('r.id', 'ur.role_id').andOnVal('r.is_del', '=', 0).andOnVal('r.status', '=', 0);
    })
    .join('sys_role_menu as rm', 'rm.role_id', 'r.id')
    .where('ur.user_id', userId)
    .distinct('rm.menu_id');
  return new Set(rows.map((row: { menu_id: string }) => row.menu_id));
}
