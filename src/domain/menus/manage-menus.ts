import type { Db } from '../../db/knex';
import { bumpGrantVersion } from '../../db/queries/access';
import {
  findMenu,
  findMenuSubtree,
  findRolesGranted,
  insertMenu,
  softDeleteMenus,
  updateMenu,
  type MenuRow,
  type MenuType,
} from '../../db/queries/menus';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { conflictOnUniqueViolation, withKeyLocks } from '../refuse-duplicates';

export interface SaveMenuInput {
  id?: string;
  parentId?: string | null;
  type: MenuType;
  name: string;
  order?: number;
  path?: string | null;
  icon?: string | null;
  visible?: boolean;
  permission?: string | null;
}

/** Changes to the tree's shape take turns, so two concurrent moves cannot make a cycle or orphan a node. */
const MENU_TREE_KEY = ['menu-tree'] as const;

const menuNotFound = (id: string) => new NotFoundError('menu', id, 'MENU_NOT_FOUND');

/**
 * Adds a node, or modifies it when `id` is given. A node the route table created keeps its type
 * and permission (routes check that string); its name, order, icon, path, place and visibility
 * are the admin's to change.
 */
export async function saveMenu(db: Db, input: SaveMenuInput, actor: string): Promise<MenuRow> {
  return withKeyLocks(db, [MENU_TREE_KEY], async (trx) => {
    const existing = input.id ? await findMenu(trx, input.id, { forUpdate: true }) : undefined;
    if (input.id && !existing) throw menuNotFound(input.id);
    const permission = input.permission ?? null;
    if (existing?.code && (existing.menu_type !== input.type || existing.permission !== permission)) {
      throw new ConflictError(
        `node ${existing.id} comes from the route table: its type and permission cannot change`,
        'MENU_BUILT_IN',
      );
    }
    if (input.type === 'button' && !permission) {
      throw ValidationError.field('permission', 'is required for a button', 'rule.buttonNeedsPermission');
    }
    const parentId = input.parentId ?? null;
    if (parentId) {
      const parent = await findMenu(trx, parentId);
      if (!parent) throw ValidationError.field('parentId', 'no such menu', 'rule.noSuchMenu');
      if (parent.menu_type === 'button') {
        throw ValidationError.field('parentId', 'a button cannot have children', 'rule.buttonHasNoChildren');
      }
      if (existing && (await findMenuSubtree(trx, existing.id)).some((node) => node.id === parentId)) {
        throw ValidationError.field('parentId', 'a menu cannot move under itself', 'rule.menuUnderItself');
      }
    }
    const write = {
      parent_id: parentId,
      menu_type: input.type,
      name: input.name,
      order_num: input.order ?? existing?.order_num ?? 0,
      path: input.path ?? null,
      icon: input.icon ?? null,
      visible: input.visible ?? existing?.visible ?? true,
      permission,
    };
    const saved = await conflictOnUniqueViolation(
      () => (existing ? updateMenu(trx, existing.id, write, actor) : insertMenu(trx, write, actor)),
      {
        sys_menu_permission_uq: () =>
          new ConflictError(`permission ${permission} already has a node`, 'MENU_PERMISSION_TAKEN', {
            permission: permission ?? '',
          }),
      },
    );
    await bumpGrantVersion(trx);
    return saved;
  });
}

/**
 * Deletes a node (soft). A node with children or granted to a role is kept unless `cascade`
 * asks to delete its subtree and revoke the grants; nodes of the route table are never deleted
 * (hide them with `visible: false`).
 */
export async function deleteMenu(
  db: Db,
  input: { id: string; cascade?: boolean },
  actor: string,
): Promise<{ deleted: number; revokedFromRoles: number }> {
  return withKeyLocks(db, [MENU_TREE_KEY], async (trx) => {
    const node = await findMenu(trx, input.id, { forUpdate: true });
    if (!node) throw menuNotFound(input.id);
    const subtree = await findMenuSubtree(trx, node.id);
    if (subtree.some((row) => row.code !== null)) {
      throw new ConflictError(
        'nodes of the route table cannot be deleted; hide them with visible: false',
        'MENU_BUILT_IN_DELETE',
      );
    }
    if (subtree.length > 1 && !input.cascade) {
      const count = String(subtree.length - 1);
      throw new ConflictError(`menu has ${count} nodes below it; delete them or ask to cascade`, 'MENU_HAS_CHILDREN', {
        count,
      });
    }
    const ids = subtree.map((row) => row.id);
    const roles = await findRolesGranted(trx, ids);
    if (roles.length > 0 && !input.cascade) {
      const names = roles.map((role) => role.name).join(', ');
      throw new ConflictError(`menu is granted to roles ${names}; revoke it or ask to cascade`, 'MENU_GRANTED', {
        roles: names,
      });
    }
    await softDeleteMenus(trx, ids, actor);
    await bumpGrantVersion(trx);
    return { deleted: ids.length, revokedFromRoles: roles.length };
  });
}
