import type { Knex } from 'knex';
import type { Executor } from '../knex';
import { whereOwnerInScope, type CorpViewer } from './data-scope';

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

/** The relations (alias r) of the viewer's corp whose follow user is in the viewer's data scope. */
function relationsInScope(db: Executor, viewer: CorpViewer): Knex.QueryBuilder {
  return whereOwnerInScope(db('wecom_relation as r').where('r.corp_id', viewer.corpId), viewer, 'r.userid');
}

/** relationsInScope with the customer (c) and employee (e) joined for their names. */
function relationsWithNames(db: Executor, viewer: CorpViewer): Knex.QueryBuilder {
  return relationsInScope(db, viewer)
    .leftJoin('wecom_customer as c', function joinCustomer() {
      this.on('c.corp_id', '=', 'r.corp_id').andOn('c.external_userid', '=', 'r.external_userid');
    })
    .leftJoin('wecom_employee as e', function joinEmployee() {
      this.on('e.corp_id', '=', 'r.corp_id').andOn('e.userid', '=', 'r.userid');
    });
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

export async function findRelationById(
  db: Executor,
  viewer: CorpViewer,
  id: string,
): Promise<RelationListRow | undefined> {
  return (await relationsWithNames(db, viewer).andWhere('r.id', id).first(LIST_COLUMNS)) as RelationListRow | undefined;
}

/** Every relation of one customer in the viewer's scope, valid ones first. */
export async function listRelationsOfCustomer(
  db: Executor,
  viewer: CorpViewer,
  externalUserid: string,
): Promise<RelationListRow[]> {
  return (await relationsWithNames(db, viewer)
    .andWhere('r.external_userid', externalUserid)
    .orderBy([
      { column: 'r.status', order: 'asc' },
      { column: 'r.add_time', order: 'asc' },
      { column: 'r.id', order: 'asc' },
    ])
    .select(LIST_COLUMNS)) as RelationListRow[];
}

/** The customers an employee currently follows, most recently added first (none outside the viewer's scope). */
export async function listValidRelationsOfEmployee(
  db: Executor,
  viewer: CorpViewer,
  userid: string,
): Promise<RelationListRow[]> {
  return (await relationsWithNames(db, viewer)
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
  viewer: CorpViewer,
  f: RelationFilter & Paging,
): Promise<{ rows: RelationListRow[]; total: number }> {
  const [{ count }] = (await applyFilter(relationsInScope(db, viewer), f).count({
    count: '*',
  })) as unknown as [{ count: string }];
  const rows = (await applyFilter(relationsWithNames(db, viewer), f)
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
  viewer: CorpViewer,
  f: RelationFilter & Paging,
): Promise<{ groups: CustomerGroupRow[]; relations: RelationListRow[]; total: number }> {
  const base = () => applyFilter(relationsInScope(db, viewer), f);
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
      : ((await applyFilter(relationsWithNames(db, viewer), f)
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
  viewer: CorpViewer,
  f: RelationFilter,
  afterId: string,
  limit: number,
): Promise<RelationListRow[]> {
  return (await applyFilter(relationsWithNames(db, viewer), f)
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

/** Relations in the viewer's scope added per local calendar day of `timeZone` in [from, to), with how many are still valid. */
export async function addedPerDay(
  db: Executor,
  viewer: CorpViewer,
  from: Date,
  to: Date,
  timeZone: string,
): Promise<DayAddedRow[]> {
  return (await relationsInScope(db, viewer)
    .andWhere('r.add_time', '>=', from)
    .andWhere('r.add_time', '<', to)
    .select(
      db.raw(`to_char((r.add_time AT TIME ZONE ?)::date, 'YYYY-MM-DD') AS day`, [timeZone]),
      db.raw('count(*)::int AS added'),
      db.raw('(count(*) FILTER (WHERE r.status = 0 AND r.is_del = 0))::int AS retained'),
    )
    .groupByRaw('1')) as DayAddedRow[];
}

export interface DayLostRow {
  day: string;
  by_employee: number;
  by_customer: number;
  other: number;
  transferred: number;
}

/** Relations in the viewer's scope that ended per local calendar day of `timeZone` in [from, to), by how they ended. */
export async function endedPerDay(
  db: Executor,
  viewer: CorpViewer,
  from: Date,
  to: Date,
  timeZone: string,
): Promise<DayLostRow[]> {
  const endedAs = (status: number, name: string) =>
    db.raw(`(count(*) FILTER (WHERE r.status = ${status}))::int AS ${name}`);
  return (await relationsInScope(db, viewer)
    .andWhere('r.status', '<>', 0)
    .andWhere('r.del_time', '>=', from)
    .andWhere('r.del_time', '<', to)
    .select(
      db.raw(`to_char((r.del_time AT TIME ZONE ?)::date, 'YYYY-MM-DD') AS day`, [timeZone]),
      endedAs(1, 'by_employee'),
      endedAs(2, 'by_customer'),
      endedAs(4, 'other'),
      endedAs(3, 'transferred'),
    )
    .groupByRaw('1')) as DayLostRow[];
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

/** Per employee in the viewer's scope: customers followed now, and relations added / ended in [from, to). */
export async function relationStatsPerEmployee(
  db: Executor,
  viewer: CorpViewer,
  from: Date,
  to: Date,
  userid?: string,
): Promise<EmployeeRelationStatsRow[]> {
  const ended = (status: number, name: string) =>
    db.raw(`(count(*) FILTER (WHERE r.status = ${status} AND r.del_time >= ? AND r.del_time < ?))::int AS ${name}`, [
      from,
      to,
    ]);
  const q = relationsInScope(db, viewer).leftJoin('wecom_employee as e', function joinEmployee() {
    this.on('e.corp_id', '=', 'r.corp_id').andOn('e.userid', '=', 'r.userid');
  });
  if (userid !== undefined) q.andWhere('r.userid', userid);
  return (await q
    .select(
      'r.userid',
      db.raw('max(e.name) AS employee_name'),
      db.raw('(count(*) FILTER (WHERE r.status = 0 AND r.is_del = 0))::int AS valid'),
      db.raw('(count(*) FILTER (WHERE r.add_time >= ? AND r.add_time < ?))::int AS added', [from, to]),
      ended(1, 'lost_by_employee'),
      ended(2, 'lost_by_customer'),
      ended(4, 'lost_other'),
      ended(3, 'transferred_out'),
    )
    .groupBy('r.userid')
    .havingRaw(
      `count(*) FILTER (WHERE (r.status = 0 AND r.is_del = 0)
                           OR (r.add_time >= ? AND r.add_time < ?)
                           OR (r.status <> 0 AND r.del_time >= ? AND r.del_time < ?)) > 0`,
      [from, to, from, to],
    )
    .orderBy([
      { column: 'valid', order: 'desc' },
      { column: 'r.userid', order: 'asc' },
    ])) as EmployeeRelationStatsRow[];
}

/**
 * Which of `userids` the customer (by external userid, or by unionid through the mirror) is an
 * active friend of, lower-cased.
 */
export async function friendsAmong(
  db: Executor,
  corpId: string,
  visitor: { externalUserid?: string; unionid?: string },
  userids: readonly string[],
): Promise<Set<string>> {
  const query = friendsAmongQuery(db, corpId, visitor, userids);
  if (!query) return new Set();
  const rows = (await query) as Array<{ userid: string }>;
  return new Set(rows.map((r) => r.userid));
}

/**
 * The query behind friendsAmong, for a caller that runs it on a connection of its own; undefined
 * when there is nothing to ask.
 */
export function friendsAmongQuery(
  db: Executor,
  corpId: string,
  visitor: { externalUserid?: string; unionid?: string },
  userids: readonly string[],
): Knex.QueryBuilder | undefined {
  if (userids.length === 0 || (!visitor.externalUserid && !visitor.unionid)) return undefined;
  const q = db('wecom_relation as r')
    .where({ 'r.corp_id': corpId, 'r.status': 0 })
    .whereRaw('lower(r.userid) = ANY (?::text[])', [[...new Set(userids.map((u) => u.toLowerCase()))]]);
  if (visitor.externalUserid) {
    q.andWhere('r.external_userid', visitor.externalUserid);
  } else {
    q.whereIn(
      'r.external_userid',
      db('wecom_customer').where({ corp_id: corpId, unionid: visitor.unionid }).select('external_userid'),
    );
  }
  return q.select(db.raw('lower(r.userid) AS userid'));
}
