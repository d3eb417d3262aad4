import type { Db } from '../../db/knex';
import { bumpGrantVersion, findDeptSubtree } from '../../db/queries/access';
import {
  insertDept,
  lockDeptByCode,
  lockUsersOfDepts,
  softDeleteDepts,
  softDeleteUsers,
  updateDept,
} from '../../db/queries/nexus';
import { ConflictError, ValidationError } from '../errors';
import { withKeyLocks } from '../refuse-duplicates';
import type { SaveResult } from './users';
import { lockSuperAdminRole } from '../users/super-admins';
import { keepASuperAdmin } from './users';
import type { SysDeptRow } from '../../db/queries/depts';

/** A department as the HR system describes it; a field left out keeps its current value. */
export interface NexusDeptInput {
  code: string;
  name: string;
  /** The parent's code; null (or left out, for a new department) makes it a root. */
  parentCode?: string | null;
  order?: number;
  leaderEmpNo?: string | null;
}

// Department writes take turns: a move checks the tree for cycles, which two concurrent moves could each miss.
const TREE_KEY = ['nexus-dept-tree'] as const;

/**
 * Creates or updates the department of a code. Writes nothing when nothing differs; any change
 * moves the grant version (data scopes of "own department and below" follow the tree).
 */
export async function saveNexusDept(db: Db, input: NexusDeptInput): Promise<{ code: string; result: SaveResult }> {
  return withKeyLocks(db, [TREE_KEY], async (trx) => {
    if (input.parentCode === input.code) {
      throw ValidationError.field('parentCode', 'a department cannot be its own parent', 'rule.ownParent');
    }
    let parentId: string | null | undefined = input.parentCode === null ? null : undefined;
    if (typeof input.parentCode === 'string') {
      const parent = await lockDeptByCode(trx, input.parentCode, 'share');
      if (!parent) {
        const code = input.parentCode;
        throw ValidationError.field('parentCode', `no department with code ${code}`, 'rule.nexusUnknownDept', { code });
      }
      parentId = parent.id;
    }
    const existing = await lockDeptByCode(trx, input.code, 'update');
    if (!existing) {
      await insertDept(trx, {
        code: input.code,
        name: input.name,
        parentId: parentId ?? null,
        orderNum: input.order ?? 0,
        leaderEmpNo: input.leaderEmpNo ?? null,
      });
      await bumpGrantVersion(trx);
      return { code: input.code, result: 'created' };
    }
    if (parentId && (await findDeptSubtree(trx, existing.id)).includes(parentId)) {
      throw ValidationError.field('parentCode', 'would make the department its own ancestor', 'rule.ownAncestor');
    }
    const wanted: Partial<Pick<SysDeptRow, 'name' | 'parent_id' | 'order_num' | 'leader_emp_no'>> = {
      name: input.name,
      parent_id: parentId,
      order_num: input.order,
      leader_emp_no: input.leaderEmpNo,
    };
    const changes = Object.fromEntries(
      Object.entries(wanted).filter(
        ([column, value]) => value !== undefined && existing[column as keyof SysDeptRow] !== value,
      ),
    );
    if (Object.keys(changes).length === 0) return { code: input.code, result: 'unchanged' };
    await updateDept(trx, existing.id, changes);
    await bumpGrantVersion(trx);
    return { code: input.code, result: 'updated' };
  });
}

/**
 * Soft-deletes a department and every user in it, in one transaction; users' tokens stop at once.
 * A department with live sub-departments is refused (409) unless `includeSubDepts`, which deletes
 * the whole subtree and its users. An unknown code answers deleted: false.
 */
export async function deleteNexusDeptWithUsers(
  db: Db,
  code: string,
  includeSubDepts: boolean,
): Promise<{
  code: string;
  deleted: boolean;
  deptCodes: string[];
  users: Array<{ empNo: string | null; username: string }>;
}> {
  return withKeyLocks(db, [TREE_KEY], async (trx) => {
    await lockSuperAdminRole(trx);
    const dept = await lockDeptByCode(trx, code, 'update');
    if (!dept) return { code, deleted: false, deptCodes: [], users: [] };
    const subtree = await findDeptSubtree(trx, dept.id);
    if (subtree.length > 1 && !includeSubDepts) {
      throw new ConflictError(
        `department ${code} has sub-departments; set includeSubDepts to delete them too`,
        'NEXUS_DEPT_HAS_CHILDREN',
        { code },
      );
    }
    // Departments first: a user being put into one of them holds it FOR SHARE, so this waits for
    // that user's commit, and the next statement sees the user.
    const deptCodes = await softDeleteDepts(trx, subtree);
    const users = await lockUsersOfDepts(trx, subtree);
    await keepASuperAdmin(
      trx,
      users.map((user) => user.id),
    );
    const deleted = await softDeleteUsers(
      trx,
      users.map((user) => user.id),
    );
    await bumpGrantVersion(trx);
    return {
      code,
      deleted: true,
      deptCodes: deptCodes.sort(),
      users: deleted.map((user) => ({ empNo: user.emp_no, username: user.username })),
    };
  });
}
