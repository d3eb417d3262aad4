import type { Executor } from '../../db/knex';
import { findActiveRoles, findDeptSubtree } from '../../db/queries/access';

/** Data scope values of a role (the seed token's `data_scope` claim). */
export const DATA_SCOPE = { ALL: 1, CUSTOM_DEPTS: 2, OWN_DEPT: 3, OWN_DEPT_AND_BELOW: 4, SELF: 5 } as const;
export type DataScopeValue = (typeof DATA_SCOPE)[keyof typeof DATA_SCOPE];

/**
 * Which rows of the corp a user may see: everything, or the rows owned by the users of some
 * departments plus the user's own. The union over all the user's active roles.
 */
export type DataScope = { all: true } | { all: false; deptIds: string[] };

export interface UserAccess {
  /** Holds the built-in super-admin role: every permission, scope all. */
  superAdmin: boolean;
  roles: Array<{ id: string; key: string; name: string; dataScope: number }>;
  permissions: ReadonlySet<string>;
  scope: DataScope;
}

export function mayDo(access: UserAccess, permission: string): boolean {
  return access.superAdmin || access.permissions.has(permission);
}

/** Reads what the user's active roles grant now. */
export async function resolveAccess(db: Executor, user: { id: string; deptId: string | null }): Promise<UserAccess> {
  const roles = await findActiveRoles(db, user.id);
  const superAdmin = roles.some((role) => role.built_in);
  const permissions = new Set(roles.flatMap((role) => role.permissions));
  const scopes = new Set(roles.map((role) => role.data_scope));
  let scope: DataScope;
  if (superAdmin || scopes.has(DATA_SCOPE.ALL)) {
    scope = { all: true };
  } else {
    const deptIds = new Set(roles.filter((r) => r.data_scope === DATA_SCOPE.CUSTOM_DEPTS).flatMap((r) => r.dept_ids));
    if (user.deptId && scopes.has(DATA_SCOPE.OWN_DEPT_AND_BELOW)) {
      for (const id of await findDeptSubtree(db, user.deptId)) deptIds.add(id);
    } else if (user.deptId && scopes.has(DATA_SCOPE.OWN_DEPT)) {
      deptIds.add(user.deptId);
    }
    scope = { all: false, deptIds: [...deptIds].sort() };
  }
  return {
    superAdmin,
    roles: roles.map((role) => ({ id: role.id, key: role.role_key, name: role.name, dataScope: role.data_scope })),
    permissions,
    scope,
  };
}

/**
 * Per-process cache of users' access, valid while sys_grant_version stays where it was when the
 * entry was read. The version comes with the user row every request already reads, so a grant
 * change on any process takes effect on the very next request everywhere.
 */
export class AccessCache {
  private readonly entries = new Map<string, { version: string; deptId: string | null; access: UserAccess }>();

  constructor(private readonly maxEntries = 10_000) {}

  async get(db: Executor, user: { id: string; deptId: string | null }, version: string): Promise<UserAccess> {
    const cached = this.entries.get(user.id);
    if (cached && cached.version === version && cached.deptId === user.deptId) return cached.access;
    const access = await resolveAccess(db, user);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(user.id, { version, deptId: user.deptId, access });
    return access;
  }
}
