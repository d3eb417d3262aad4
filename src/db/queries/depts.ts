import type { Executor } from '../knex';

/** A row of sys_dept: the system's own department tree, written by the HR-system sync. */
export interface SysDeptRow {
  id: string;
  parent_id: string | null;
  code: string | null;
  name: string;
  order_num: number;
  leader_emp_no: string | null;
  is_del: number;
  ctime: Date;
  mtime: Date;
}

/** A live department with its leader's user (the live user holding the leader's employee number), when known. */
export interface DeptWithLeaderRow extends SysDeptRow {
  leader_user_id: string | null;
  leader_real_name: string | null;
}

/** Every live department, in tree order among siblings (order, then id). */
export async function listDeptsWithLeaders(db: Executor): Promise<DeptWithLeaderRow[]> {
  return db('sys_dept as d')
    .leftJoin('sys_user as u', function joinLeader() {
      this.on('u.emp_no', 'd.leader_emp_no').andOn('u.is_del', db.raw('0'));
    })
    .where('d.is_del', 0)
    .orderBy([{ column: 'd.order_num' }, { column: 'd.id' }])
    .select('d.*', 'u.id as leader_user_id', 'u.real_name as leader_real_name');
}

export async function findDeptById(db: Executor, id: string): Promise<SysDeptRow | undefined> {
  return db<SysDeptRow>('sys_dept').where({ id, is_del: 0 }).first();
}

/** Names of live departments by id. */
export async function findDeptNames(db: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = (await db('sys_dept').whereIn('id', unique).andWhere({ is_del: 0 }).select('id', 'name')) as Array<{
    id: string;
    name: string;
  }>;
  return new Map(rows.map((row) => [row.id, row.name]));
}
