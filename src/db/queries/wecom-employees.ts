import type { Executor } from '../knex';
import { readPage } from './paging';
import { containsPattern, updateCorpRow } from './corp-rows';

export interface WecomEmployeeRow {
  id: string;
  corp_id: string;
  userid: string;
  name: string;
  alias: string | null;
  position: string | null;
  mobile: string | null;
  email: string | null;
  gender: number | null;
  avatar: string | null;
  /** WeCom: 1 activated, 2 disabled, 4 not activated, 5 left the corp. */
  status: number | null;
  main_department: string | null;
  departments: string[];
  is_leader_in_dept: number[];
  open_userid: string | null;
  has_contact_feature: boolean;
  del_time: Date | null;
  seen_sync_run: string | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

/** Columns a local edit may set (WeCom's own fields: the next sync overwrites them). */
export interface WecomEmployeeValues {
  name?: string;
  alias?: string | null;
  position?: string | null;
  mobile?: string | null;
  email?: string | null;
  gender?: number | null;
  status?: number | null;
  main_department?: string | null;
  departments?: string[];
  has_contact_feature?: boolean;
}

export const EMPLOYEE_SORT_FIELDS = ['id', 'userid', 'name', 'status', 'mtime'] as const;
type EmployeeSortField = (typeof EMPLOYEE_SORT_FIELDS)[number];
const SORT_COLUMNS: Record<string, string> = {
  id: 'id',
  userid: 'userid',
  name: 'name',
  status: 'status',
  mtime: 'mtime',
} satisfies Record<EmployeeSortField, string>;

export interface EmployeeFilter {
  pageNum: number;
  pageSize: number;
  name?: string;
  /** WeCom department id: employees listed in that department. */
  departmentId?: string;
  status?: number[];
  hasContactFeature?: boolean;
  includeDeleted?: boolean;
  /** One of EMPLOYEE_SORT_FIELDS (validated by the API); anything else falls back to id. */
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

export async function findEmployeeById(
  db: Executor,
  corpId: string,
  id: string,
): Promise<WecomEmployeeRow | undefined> {
  return db<WecomEmployeeRow>('wecom_employee').where({ corp_id: corpId, id }).first();
}

/** WeCom userids are case-insensitive; a live row wins over a deleted one with the same userid. */
export async function findEmployeeByUserid(
  db: Executor,
  corpId: string,
  userid: string,
): Promise<WecomEmployeeRow | undefined> {
  return db<WecomEmployeeRow>('wecom_employee')
    .where({ corp_id: corpId })
    .andWhereRaw('lower(userid) = lower(?)', [userid])
    .orderBy([
      { column: 'is_del', order: 'asc' },
      { column: 'id', order: 'asc' },
    ])
    .first();
}

/** Live employees whose name contains `name` (case-insensitive), at most `limit`. */
export async function searchEmployeesByName(
  db: Executor,
  corpId: string,
  name: string,
  limit: number,
): Promise<WecomEmployeeRow[]> {
  return db<WecomEmployeeRow>('wecom_employee')
    .where({ corp_id: corpId, is_del: 0 })
    .andWhereILike('name', containsPattern(name))
    .orderBy([
      { column: 'name', order: 'asc' },
      { column: 'id', order: 'asc' },
    ])
    .limit(limit);
}

export async function pageEmployees(
  db: Executor,
  corpId: string,
  f: EmployeeFilter,
): Promise<{ rows: WecomEmployeeRow[]; total: number }> {
  const q = db<WecomEmployeeRow>('wecom_employee').where({ corp_id: corpId });
  if (!f.includeDeleted) q.andWhere({ is_del: 0 });
  if (f.name) q.andWhereILike('name', containsPattern(f.name));
  if (f.departmentId !== undefined) q.andWhereRaw('?::bigint = ANY (departments)', [f.departmentId]);
  if (f.status?.length) q.whereIn('status', f.status);
  if (f.hasContactFeature !== undefined) q.andWhere({ has_contact_feature: f.hasContactFeature });
  return readPage<WecomEmployeeRow>(q, f, (page) =>
    page
      .select('*')
      .orderBy(SORT_COLUMNS[f.sortField ?? 'id'] ?? 'id', f.sortOrder ?? 'asc')
      .orderBy('id', 'asc'),
  );
}

export async function insertEmployee(
  db: Executor,
  corpId: string,
  userid: string,
  values: WecomEmployeeValues & { name: string },
  actor: string,
): Promise<WecomEmployeeRow> {
  const [row] = (await db('wecom_employee')
    .insert({ ...values, corp_id: corpId, userid, cuser: actor, muser: actor })
    .returning('*')) as WecomEmployeeRow[];
  return row as WecomEmployeeRow;
}

export async function updateEmployee(
  db: Executor,
  corpId: string,
  id: string,
  values: WecomEmployeeValues,
  actor: string,
): Promise<WecomEmployeeRow | undefined> {
  return updateCorpRow<WecomEmployeeRow>(db, 'wecom_employee', corpId, id, values, actor);
}

/** Names of the corp's employees among `userids` (deleted ones included: history still shows who it was). */
export async function employeeNames(
  db: Executor,
  corpId: string,
  userids: readonly string[],
): Promise<Map<string, string>> {
  if (userids.length === 0) return new Map();
  const rows = (await db('wecom_employee')
    .where({ corp_id: corpId })
    .whereIn('userid', [...new Set(userids)])
    .orderBy('is_del', 'desc')
    .select('userid', 'name')) as Array<{ userid: string; name: string }>;
  return new Map(rows.map((r) => [r.userid, r.name]));
}

/** The lower-cased userids among `userids` that name a live employee of the corp. */
export async function liveEmployeeUserids(
  db: Executor,
  corpId: string,
  userids: readonly string[],
): Promise<Set<string>> {
  if (userids.length === 0) return new Set();
  const rows = (await db('wecom_employee')
    .where({ corp_id: corpId, is_del: 0 })
    .whereRaw('lower(userid) = ANY (?::text[])', [[...new Set(userids.map((u) => u.toLowerCase()))]])
    .select(db.raw('lower(userid) AS userid'))) as Array<{ userid: string }>;
  return new Set(rows.map((r) => r.userid));
}
