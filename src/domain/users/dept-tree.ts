import type { Executor } from '../../db/knex';
import { listDeptsWithLeaders, type DeptWithLeaderRow } from '../../db/queries/depts';

export interface DeptNode {
  id: string;
  parentId: string | null;
  code: string | null;
  name: string;
  order: number;
  /** Null when the department has no leader; userId and realName null when no user holds the leader's employee number. */
  leader: { empNo: string; userId: string | null; realName: string | null } | null;
  children: DeptNode[];
}

/**
 * The live departments as a tree, siblings by order then id. A department whose parent is gone
 * (deleted, or never synced) is shown as a root rather than hidden.
 */
export function buildDeptTree(rows: readonly DeptWithLeaderRow[]): DeptNode[] {
  const nodes = new Map<string, DeptNode>();
  for (const row of rows) {
    nodes.set(row.id, {
      id: row.id,
      parentId: row.parent_id,
      code: row.code,
      name: row.name,
      order: row.order_num,
      leader: row.leader_emp_no
        ? { empNo: row.leader_emp_no, userId: row.leader_user_id, realName: row.leader_real_name }
        : null,
      children: [],
    });
  }
  const roots: DeptNode[] = [];
  for (const row of rows) {
    const node = nodes.get(row.id) as DeptNode;
    const parent = row.parent_id ? nodes.get(row.parent_id) : undefined;
    // A cycle written by hand into the table would lose its members; a parent chain always ends.
    if (parent && !isAncestor(node, parent, nodes)) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

function isAncestor(candidate: DeptNode, of: DeptNode, nodes: Map<string, DeptNode>): boolean {
  const seen = new Set<string>();
  for (
    let at: DeptNode | undefined = of;
    at && !seen.has(at.id);
    at = at.parentId ? nodes.get(at.parentId) : undefined
  ) {
    if (at.id === candidate.id) return true;
    seen.add(at.id);
  }
  return false;
}

export async function deptTree(db: Executor): Promise<DeptNode[]> {
  return buildDeptTree(await listDeptsWithLeaders(db));
}
