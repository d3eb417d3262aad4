import type { Knex } from 'knex';
import type { Executor } from '../knex';

export interface WecomRelationRow {
  id: string;
  corp_id: string;
  external_userid: string;
  userid: string;
  remark: string | null;
  description: string | null;
  add_time: Date | null;
  remark_corp_name: string | null;
  remark_mobiles: string[];
  oper_userid: string | null;
  add_way: number | null;
  state: string | null;
  wechat_channels_nickname: string | null;
  /** 0 valid; 1 deleted by the employee; 2 deleted by the customer; 3 transferred away; 4 gone from WeCom. */
  status: number;
  del_source: string | null;
  del_time: Date | null;
  seen_sync_run: string | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

/** A relation with the names of both sides, for lists and exports. */
export interface RelationListRow extends WecomRelationRow {
  customer_id: string | null;
  customer_name: string | null;
  customer_avatar: string | null;
  customer_type: number | null;
  employee_name: string | null;
}

export const RELATION_SORT_FIELDS = ['id', 'addTime', 'delTime', 'mtime'] as const;
type RelationSortField = (typeof RELATION_SORT_FIELDS)[number];
const SORT_COLUMNS: Record<string, string> = {
  id: 'r.id',
  addTime: 'r.add_time',
  delTime: 'r.del_time',
  mtime: 'r.mtime',
} satisfies Record<RelationSortField, string>;

export const CUSTOMER_GROUP_SORT_FIELDS = ['lastAddTime', 'firstAddTime', 'relationCount', 'externalUserid'] as const;
type CustomerGroupSortField = (typeof CUSTOMER_GROUP_SORT_FIELDS)[number];
const GROUP_SORT_EXPRESSIONS: Record<string, string> = {
  lastAddTime: 'max(r.add_time)',
  firstAddTime: 'min(r.add_time)',
  relationCount: 'count(*)',
  externalUserid: 'r.external_userid',
} satisfies Record<CustomerGroupSortField, string>;

export interface RelationFilter {
  userid?: string;
  externalUserid?: string;
  status?: number[];
  state?: string;
  addWay?: number[];
  addTimeFrom?: string;
  addTimeTo?: string;
}

export interface Paging {
  pageNum: number;
  pageSize: number;
  /** One of the query's sort whitelist (validated by the API); anything else falls back to the default. */
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

/** Relations of the corp (alias r) with the customer (c) and employee (e) joined for their names. */
function relationsWithNames(db: Executor, corpId: string): Knex.QueryBuilder {
  return db('wecom_relation as r')
    .leftJoin('wecom_customer as c', function joinCustomer() {
      this.on('c.corp_id', '=', 'r.corp_id').andOn('c.external_userid', '=', 'r.external_userid');
    })
    .leftJoin('wecom_employee as e', function joinEmployee() {
      this.on('e.corp_id', '=', 'r.corp_id').andOn('e.userid', '=', 'r.userid');
    })
    .where('r.corp_id', corpId);
}

const LIST_COLUMNS = [
  'r.*',
  'c.id as customer_id',
  'c.name as customer_name',
  'c.avatar as customer_avatar',
  'c.type as customer_type',
  'e.name as employee_name',
];

function applyFilter(q: Knex.QueryBuilder, f: RelationFilter): Knex.QueryBuilder {
  if (f.userid) q.andWhere('r.userid', f.userid);
  if (f.externalUserid) q.andWhere('r.external_userid', f.externalUserid);
  if (f.status?.length) q.whereIn('r.status', f.status);
  if (f.state !== undefined && f.state !== '') q.andWhere('r.state', f.state);
  if (f.addWay?.length) q.whereIn('r.add_way', f.addWay);
  if (f.addTimeFrom) q.andWhere('r.add_time', '>=', f.addTimeFrom);
  if (f.addTimeTo) q.andWhere('r.add_time', '<', f.addTimeTo);
  return q;
}

export async function findRelationById(db: Executor, corpId: string, id: string): Promise<RelationListRow | undefined> {
  return (await relationsWithNames(db, corpId).andWhere('r.id', id).first(LIST_COLUMNS)) as RelationListRow | undefined;
}

/** Every relation of one customer, valid ones first. */
export async function listRelationsOfCustomer(
  db: Executor,
  corpId: string,
  externalUserid: string,
): Promise<RelationListRow[]> {
  return (await relationsWithNames(db, corpId)
    .andWhere('r.external_userid', externalUserid)
    .orderBy([
      { column: 'r.status', order: 'asc' },
      { column: 'r.add_time', order: 'asc' },
      { column: 'r.id', order: 'asc' },
    ])
    .select(LIST_COLUMNS)) as RelationListRow[];
}

/** The customers an employee currently follows, most recently added first. */
export async function listValidRelationsOfEmployee(
  db: Executor,
  corpId: string,
  userid: string,
): Promise<RelationListRow[]> {
  return (await relationsWithNames(db, corpId)
    .andWhere({ 'r.userid': userid, 'r.status': 0, 'r.is_del': 0 })
    .orderBy([
      { column: 'r.add_time', order: 'desc' },
      { column: 'r.id', order: 'desc' },
    ])
    .select(LIST_COLUMNS)) as RelationListRow[];
}

export async function relationUseridExists(db: Executor, corpId: string, userid: string): Promise<boolean> {
  const row = (await db('wecom_relation').where({ corp_id: corpId, userid }).first('id')) as { id: string } | undefined;
  return row !== undefined;
}

export async function pageRelations(
  db: Executor,
  corpId: string,
  f: RelationFilter & Paging,
): Promise<{ rows: RelationListRow[]; total: number }> {
  const [{ count }] = (await applyFilter(db('wecom_relation as r').where('r.corp_id', corpId), f).count({
    count: '*',
  })) as unknown as [{ count: string }];
  const rows = (await applyFilter(relationsWithNames(db, corpId), f)
    .select(LIST_COLUMNS)
    .orderByRaw(`${SORT_COLUMNS[f.sortField ?? 'id'] ?? 'r.id'} ${f.sortOrder === 'asc' ? 'ASC' : 'DESC'} NULLS LAST`)
    .orderBy('r.id', 'desc')
    .limit(f.pageSize)
    .offset((f.pageNum - 1) * f.pageSize)) as RelationListRow[];
  return { rows, total: Number(count) };
}

export interface CustomerGroupRow {
  external_userid: string;
  first_add_time: Date | null;
  last_add_time: Date | null;
  relation_count: number;
}

/** One row per customer having at least one relation that matches, with the matching relations. */
export async function pageRelationsByCustomer(
  db: Executor,
  corpId: string,
  f: RelationFilter & Paging,
): Promise<{ groups: CustomerGroupRow[]; relations: RelationListRow[]; total: number }> {
  const base = () => applyFilter(db('wecom_relation as r').where('r.corp_id', corpId), f);
  const [{ count }] = (await base().countDistinct({ count: 'r.external_userid' })) as unknown as [{ count: string }];
  const direction = f.sortOrder === 'asc' ? 'ASC' : 'DESC';
  const groups = (await base()
    .groupBy('r.external_userid')
    .select(
      'r.external_userid',
      db.raw('min(r.add_time) AS first_add_time'),
      db.raw('max(r.add_time) AS last_add_time'),
      db.raw('count(*)::int AS relation_count'),
    )
    .orderByRaw(`${GROUP_SORT_EXPRESSIONS[f.sortField ?? 'lastAddTime'] ?? 'max(r.add_time)'} ${direction} NULLS LAST`)
    .orderBy('r.external_userid', 'asc')
    .limit(f.pageSize)
    .offset((f.pageNum - 1) * f.pageSize)) as CustomerGroupRow[];
  const relations =
    groups.length === 0
      ? []
      : ((await applyFilter(relationsWithNames(db, corpId), f)
          .whereIn(
            'r.external_userid',
            groups.map((g) => g.external_userid),
          )
          .orderBy([
            { column: 'r.add_time', order: 'asc' },
            { column: 'r.id', order: 'asc' },
          ])
          .select(LIST_COLUMNS)) as RelationListRow[]);
  return { groups, relations, total: Number(count) };
}

/** Keyset page for exports: the next `limit` matching relations after id `afterId`, by id. */
export async function relationsAfter(
  db: Executor,
  corpId: string,
  f: RelationFilter,
  afterId: string,
  limit: number,
): Promise<RelationListRow[]> {
  return (await applyFilter(relationsWithNames(db, corpId), f)
    .andWhere('r.id', '>', afterId)
    .orderBy('r.id', 'asc')
    .limit(limit)
    .select(LIST_COLUMNS)) as RelationListRow[];
}

export async function countRelations(db: Executor, corpId: string, f: RelationFilter): Promise<number> {
  const [{ count }] = (await applyFilter(db('wecom_relation as r').where('r.corp_id', corpId), f).count({
    count: '*',
  })) as unknown as [{ count: string }];
  return Number(count);
}

/** Locks one relation of the corp for an edit. */
export async function lockRelation(db: Executor, corpId: string, id: string): Promise<WecomRelationRow | undefined> {
  return (await db('wecom_relation').where({ corp_id: corpId, id }).forUpdate().first()) as
    WecomRelationRow | undefined;
}

export async function updateRelationNotes(
  db: Executor,
  corpId: string,
  id: string,
  values: { remark?: string | null; description?: string | null },
  actor: string,
): Promise<void> {
  await db('wecom_relation')
    .where({ corp_id: corpId, id })
    .update({ ...values, muser: actor, mtime: db.fn.now() });
}

export interface DayAddedRow {
  day: string;
  added: number;
  retained: number;
}

/** Relations added per local calendar day of `timeZone` in [from, to), with how many are still valid. */
export async function addedPerDay(
  db: Executor,
  corpId: string,
  from: Date,
  to: Date,
  timeZone: string,
): Promise<DayAddedRow[]> {
  const result = await db.raw<{ rows: DayAddedRow[] }>(
    `SELECT to_char((add_time AT TIME ZONE ?)::date, 'YYYY-MM-DD') AS day,
            count(*)::int AS added,
            (count(*) FILTER (WHERE status = 0 AND is_del = 0))::int AS retained
       FROM wecom_relation
      WHERE corp_id = ? AND add_time >= ? AND add_time < ?
      GROUP BY 1`,
    [timeZone, corpId, from, to],
  );
  return result.rows;
}

export interface DayLostRow {
  day: string;
  by_employee: number;
  by_customer: number;
  other: number;
  transferred: number;
}

/** Relations that ended per local calendar day of `timeZone` in [from, to), by how they ended. */
export async function endedPerDay(
  db: Executor,
  corpId: string,
  from: Date,
  to: Date,
  timeZone: string,
): Promise<DayLostRow[]> {
  const result = await db.raw<{ rows: DayLostRow[] }>(
    `SELECT to_char((del_time AT TIME ZONE ?)::date, 'YYYY-MM-DD') AS day,
            (count(*) FILTER (WHERE status = 1))::int AS by_employee,
            (count(*) FILTER (WHERE status = 2))::int AS by_customer,
            (count(*) FILTER (WHERE status = 4))::int AS other,
            (count(*) FILTER (WHERE status = 3))::int AS transferred
       FROM wecom_relation
      WHERE corp_id = ? AND status <> 0 AND del_time >= ? AND del_time < ?
      GROUP BY 1`,
    [timeZone, corpId, from, to],
  );
  return result.rows;
}

export interface EmployeeRelationStatsRow {
  userid: string;
  employee_name: string | null;
  valid: number;
  added: number;
  lost_by_employee: number;
  lost_by_customer: number;
  lost_other: number;
  transferred_out: number;
}

/** Per employee: customers followed now, and relations added / ended in [from, to). */
export async function relationStatsPerEmployee(
  db: Executor,
  corpId: string,
  from: Date,
  to: Date,
  userid?: string,
): Promise<EmployeeRelationStatsRow[]> {
  const ended = (status: number) =>
    `(count(*) FILTER (WHERE r.status = ${status} AND r.del_time >= :from AND r.del_time < :to))::int`;
  const result = await db.raw<{ rows: EmployeeRelationStatsRow[] }>(
    `SELECT r.userid,
            max(e.name) AS employee_name,
            (count(*) FILTER (WHERE r.status = 0 AND r.is_del = 0))::int AS valid,
            (count(*) FILTER (WHERE r.add_time >= :from AND r.add_time < :to))::int AS added,
            ${ended(1)} AS lost_by_employee,
            ${ended(2)} AS lost_by_customer,
            ${ended(4)} AS lost_other,
            ${ended(3)} AS transferred_out
       FROM wecom_relation r
       LEFT JOIN wecom_employee e ON e.corp_id = r.corp_id AND e.userid = r.userid
      WHERE r.corp_id = :corpId ${userid === undefined ? '' : 'AND r.userid = :userid'}
      GROUP BY r.userid
     HAVING count(*) FILTER (WHERE (r.status = 0 AND r.is_del = 0)
                                OR (r.add_time >= :from AND r.add_time < :to)
                                OR (r.status <> 0 AND r.del_time >= :from AND r.del_time < :to)) > 0
      ORDER BY valid DESC, r.userid ASC`,
    { corpId, from, to, ...(userid === undefined ? {} : { userid }) },
  );
  return result.rows;
}
