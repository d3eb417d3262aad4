import type { Db, Executor } from '../../db/knex';
import { bumpGrantVersion } from '../../db/queries/access';
import { existingMenuIds, listMenus } from '../../db/queries/menus';
import {
  countRoleUsers,
  existingDeptIds,
  findRoleMenuIds,
  findRolesForUpdate,
  insertRole,
  replaceRoleDepts,
  replaceRoleMenus,
  softDeleteRoles,
  updateRole,
  type RoleRow,
} from '../../db/queries/roles';
import { DATA_SCOPE } from '../access/user-access';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { conflictOnUniqueViolation } from '../refuse-duplicates';

export interface SaveRoleInput {
  id?: string;
  name: string;
  roleKey: string;
  order?: number;
  status?: number;
  dataScope: number;
  deptIds?: string[];
  remark?: string | null;
}

const roleNotFound = (id: string) => new NotFoundError('role', id, 'ROLE_NOT_FOUND');

async function lockRole(db: Executor, id: string): Promise<RoleRow> {
  const [role] = await findRolesForUpdate(db, [id]);
  if (!role) throw roleNotFound(id);
  return role;
}

/** The built-in role holds everything; it may be renamed and reordered, never narrowed or switched off. */
function refuseNarrowingSuperAdmin(role: RoleRow, input: SaveRoleInput): void {
  const narrowed =
    input.roleKey.toLowerCase() !== role.role_key.toLowerCase() ||
    (input.status ?? 0) !== 0 ||
    input.dataScope !== DATA_SCOPE.ALL;
  if (narrowed) {
    throw new ConflictError('the super-admin role keeps its key, stays enabled and sees all data', 'ROLE_BUILT_IN');
  }
}

async function checkedDeptIds(trx: Executor, input: SaveRoleInput): Promise<string[]> {
  const deptIds = [...new Set(input.deptIds ?? [])];
  if (input.dataScope === DATA_SCOPE.CUSTOM_DEPTS && deptIds.length === 0) {
    throw ValidationError.field('deptIds', 'is required for data scope 2 (custom departments)', 'rule.deptIdsRequired');
  }
  if (input.dataScope !== DATA_SCOPE.CUSTOM_DEPTS && deptIds.length > 0) {
    throw ValidationError.field('deptIds', 'only data scope 2 takes departments', 'rule.deptIdsOnlyForCustom');
  }
  const existing = await existingDeptIds(trx, deptIds);
  const missing = (input.deptIds ?? []).findIndex((id) => !existing.has(id));
  if (missing >= 0) throw ValidationError.field(`deptIds[${missing}]`, 'no such department', 'rule.noSuchSystemDept');
  return deptIds;
}

/** Adds a role, or modifies it when `id` is given; its departments are replaced by those sent. */
export async function saveRole(db: Db, input: SaveRoleInput, actor: string): Promise<string> {
  return db.transaction(async (trx) => {
    const existing = input.id ? await lockRole(trx, input.id) : undefined;
    if (existing?.built_in) refuseNarrowingSuperAdmin(existing, input);
    const deptIds = await checkedDeptIds(trx, input);
    const write = {
      name: input.name,
      role_key: input.roleKey,
      order_num: input.order ?? existing?.order_num ?? 0,
      status: input.status ?? existing?.status ?? 0,
      data_scope: input.dataScope,
      remark: input.remark ?? null,
    };
    const id = await conflictOnUniqueViolation(
      async () => {
        if (existing) {
          await updateRole(trx, existing.id, write, actor);
          return existing.id;
        }
        return (await insertRole(trx, write, actor)).id;
      },
      {
        sys_role_key_uq: () =>
          new ConflictError(`role key ${input.roleKey} is taken`, 'ROLE_KEY_TAKEN', { roleKey: input.roleKey }),
      },
    );
    await replaceRoleDepts(trx, id, deptIds);
    await bumpGrantVersion(trx);
    return id;
  });
}

/**
 * Deletes roles (soft), all or none. The super-admin role is never deleted; a role that users hold
 * is refused unless `detach` takes it from them.
 */
export async function deleteRoles(
  db: Db,
  input: { ids: string[]; detach?: boolean },
  actor: string,
): Promise<{ deleted: number; detachedUsers: number }> {
  return db.transaction(async (trx) => {
    const ids = [...new Set(input.ids)];
    const roles = await findRolesForUpdate(trx, ids);
    const missing = ids.find((id) => !roles.some((role) => role.id === id));
    if (missing) throw roleNotFound(missing);
    const builtIn = roles.find((role) => role.built_in);
    if (builtIn) throw new ConflictError('the super-admin role cannot be deleted', 'ROLE_BUILT_IN_DELETE');
    const users = await countRoleUsers(trx, ids);
    const inUse = roles.filter((role) => (users.get(role.id) ?? 0) > 0);
    if (inUse.length > 0 && !input.detach) {
      const names = inUse.map((role) => `${role.name} (${users.get(role.id)})`).join(', ');
      throw new ConflictError(`roles still held by users: ${names}; ask to detach them`, 'ROLE_IN_USE', {
        roles: names,
      });
    }
    await softDeleteRoles(trx, ids, actor);
    await bumpGrantVersion(trx);
    return { deleted: ids.length, detachedUsers: [...users.values()].reduce((sum, n) => sum + n, 0) };
  });
}

/** The menu ids a role is granted; the super-admin role holds every node. */
export async function roleMenuIds(db: Db, roleId: string): Promise<{ menuIds: string[]; all: boolean }> {
  const [role] = await db<RoleRow>('sys_role').where({ id: roleId, is_del: 0 });
  if (!role) throw roleNotFound(roleId);
  if (role.built_in) return { menuIds: (await listMenus(db)).map((menu) => menu.id), all: true };
  return { menuIds: await findRoleMenuIds(db, roleId), all: false };
}

/** Replaces a role's grants; users of the role see the change on their next request. */
export async function updateRolePermissions(
  db: Db,
  input: { roleId: string; menuIds: string[] },
  actor: string,
): Promise<{ menuIds: string[] }> {
  return db.transaction(async (trx) => {
    const role = await lockRole(trx, input.roleId);
    if (role.built_in) {
      throw new ConflictError(
        'the super-admin role holds every permission; its grants cannot be edited',
        'ROLE_BUILT_IN',
      );
    }
    const menuIds = [...new Set(input.menuIds)];
    const existing = await existingMenuIds(trx, menuIds);
    const missing = input.menuIds.findIndex((id) => !existing.has(id));
    if (missing >= 0) throw ValidationError.field(`menuIds[${missing}]`, 'no such menu', 'rule.noSuchMenu');
    await replaceRoleMenus(trx, role.id, menuIds);
    await trx('sys_role').where({ id: role.id }).update({ muser: actor, mtime: trx.fn.now() });
    await bumpGrantVersion(trx);
    return { menuIds: menuIds.sort((a, b) => Number(a) - Number(b)) };
  });
}
