import type { Executor } from '../knex';
import { readPage } from './paging';
import { containsPattern, updateCorpRow } from './corp-rows';

export interface WecomDeptRow {
  id: string;
  corp_id: string;
  dept_id: string;
  name: string;
  name_en: string | null;
  parent_id: string | null;
  dept_order: string;
  leaders: string[];
  del_time: Date | null;
  seen_sync_run: string | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

/** Columns a local edit may set (WeCom's own fields: the next sync overwrites them). */
export interface WecomDeptValues {
  name?: string;
  name_en?: string | null;
  parent_id?: string | null;
  dept_order?: string;
  leaders?: string[];
}

export const DEPT_SORT_FIELDS = ['id', 'deptId', 'name', 'order', 'mtime'] as const;
type DeptSortField = (typeof DEPT_SORT_FIELDS)[number];
const SORT_COLUMNS: Record<string, string> = {
  id: 'id',
  deptId: 'dept_id',
  name: 'name',
  order: 'dept_order',
  mtime: 'mtime',
} satisfies Record<DeptSortField, string>;

export interface DeptFilter {
  pageNum: number;
  pageSize: number;
  name?: string;
  parentId?: string;
  includeDeleted?: boolean;
  /** One of DEPT_SORT_FIELDS (validated by the API); anything else falls back to the default. */
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

export async function findDeptById(db: Executor, corpId: string, id: string): Promise<WecomDeptRow | undefined> {
  return db<WecomDeptRow>('wecom_dept').where({ corp_id: corpId, id }).first();
}

export async function findDeptByDeptId(
  db: Executor,
  corpId: string,
  deptId: string,
): Promise<WecomDeptRow | undefined> {
  return db<WecomDeptRow>('wecom_dept').where({ corp_id: corpId, dept_id: deptId }).first();
}

/** The corp's live (not deleted) departments among `deptIds`. */
export async function listDeptsByDeptIds(
  db: Executor,
  corpId: string,
  deptIds: readonly string[],
): Promise<WecomDeptRow[]> {
  if (deptIds.length === 0) return [];
  return db<WecomDeptRow>('wecom_dept')
    .where({ corp_id: corpId, is_del: 0 })
    .whereIn('dept_id', [...deptIds]);
}

export async function pageDepts(
  db: Executor,
  corpId: string,
  f: DeptFilter,
): Promise<{ rows: WecomDeptRow[]; total: number }> {
  const q = db<WecomDeptRow>('wecom_dept').where({ corp_id: corpId });
  if (!f.includeDeleted) q.andWhere({ is_del: 0 });
  if (f.name) q.andWhereILike('name', containsPattern(f.name));
  if (f.parentId !== undefined) q.andWhere({ parent_id: f.parentId });
  return readPage<WecomDeptRow>(q, f, (page) =>
    page
      .select('*')
      .orderBy(SORT_COLUMNS[f.sortField ?? 'order'] ?? 'dept_order', f.sortOrder ?? (f.sortField ? 'asc' : 'desc'))
      .orderBy('id', 'asc'),
  );
}

export async function insertDept(
  db: Executor,
  corpId: string,
  deptId: string,
  values: WecomDeptValues & { name: string },
  actor: string,
): Promise<WecomDeptRow> {
  const [row] = (await db('wecom_dept')
    .insert({ ...values, corp_id: corpId, dept_id: deptId, cuser: actor, muser: actor })
    .returning('*')) as WecomDeptRow[];
  return row as WecomDeptRow;
}

export async function updateDept(
  db: Executor,
  corpId: string,
  id: string,
  values: WecomDeptValues,
  actor: string,
): Promise<WecomDeptRow | undefined> {
  return updateCorpRow<WecomDeptRow>(db, 'wecom_dept', corpId, id, values, actor);
}

/** Parent WeCom department ids, keyed by department id, for the corp's live departments. */
export async function listDeptParents(db: Executor, corpId: string): Promise<Map<string, string | null>> {
  const rows = (await db('wecom_dept').where({ corp_id: corpId, is_del: 0 }).select('dept_id', 'parent_id')) as Array<{
    dept_id: string;
    parent_id: string | null;
  }>;
  return new Map(rows.map((r) => [r.dept_id, r.parent_id]));
}
