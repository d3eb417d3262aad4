import type { Knex } from 'knex';
import type { Executor } from '../knex';
import { readPage } from './paging';
import { containsPattern, updateCorpRow } from './corp-rows';
import { whereOwnerInScope, type CorpViewer } from './data-scope';

export interface WecomCustomerRow {
  id: string;
  corp_id: string;
  external_userid: string;
  name: string;
  /** 1 WeChat user, 2 WeCom user. */
  type: number | null;
  gender: number | null;
  avatar: string | null;
  corp_name: string | null;
  corp_full_name: string | null;
  position: string | null;
  unionid: string | null;
  external_profile: unknown;
  local_remark: string | null;
  phone: string | null;
  clue_id: string | null;
  first_add_time: Date | null;
  del_time: Date | null;
  seen_sync_run: string | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

/** A customer with the number of employees that currently follow it. */
export interface CustomerListRow extends WecomCustomerRow {
  valid_relation_count: number;
}

/** The fields the SCRM keeps itself; syncs never touch them. */
export interface CustomerLocalValues {
  local_remark?: string | null;
  phone?: string | null;
  clue_id?: string | null;
}

export const CUSTOMER_SORT_FIELDS = ['id', 'name', 'firstAddTime', 'mtime'] as const;
type CustomerSortField = (typeof CUSTOMER_SORT_FIELDS)[number];
const SORT_COLUMNS: Record<string, string> = {
  id: 'c.id',
  name: 'c.name',
  firstAddTime: 'c.first_add_time',
  mtime: 'c.mtime',
} satisfies Record<CustomerSortField, string>;

export interface CustomerFilter {
  pageNum: number;
  pageSize: number;
  name?: string;
  externalUserid?: string;
  type?: number;
  gender?: number;
  /** Digits of the local phone number; other characters are ignored. */
  phone?: string;
  /** Customers this employee currently follows (a valid relation). */
  followUserid?: string;
  addTimeFrom?: string;
  addTimeTo?: string;
  includeDeleted?: boolean;
  /** Live tags, corp tags (on any relation) and self tags alike; `tagMatch` says whether one or all are needed. */
  corpTagIds?: string[];
  selfTagIds?: string[];
  tagMatch?: 'any' | 'all';
  /** One of CUSTOMER_SORT_FIELDS (validated by the API); anything else falls back to id. */
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

export async function findCustomerByExternalUserid(
  db: Executor,
  corpId: string,
  externalUserid: string,
): Promise<WecomCustomerRow | undefined> {
  return db<WecomCustomerRow>('wecom_customer').where({ corp_id: corpId, external_userid: externalUserid }).first();
}

/**
 * Keeps the customers (alias `alias`) of which any relation, valid or ended, has a follow user in
 * the viewer's data scope; scope all adds nothing.
 */
export function whereCustomerInScope(
  db: Executor,
  q: Knex.QueryBuilder,
  viewer: CorpViewer,
  alias: string,
): Knex.QueryBuilder {
  if (viewer.scope.all) return q;
  const relations = db('wecom_relation as sr')
    .select(db.raw('1'))
    .whereRaw('sr.corp_id = ??', [`${alias}.corp_id`])
    .andWhereRaw('sr.external_userid = ??', [`${alias}.external_userid`]);
  return q.whereExists(whereOwnerInScope(relations, viewer, 'sr.userid'));
}

/** A customer of the viewer's corp by id or external userid, when it is in the viewer's data scope. */
export async function findCustomerInScope(
  db: Executor,
  viewer: CorpViewer,
  key: { id: string } | { externalUserid: string },
  options: { forUpdate?: boolean } = {},
): Promise<WecomCustomerRow | undefined> {
  const q = db('wecom_customer as c').where('c.corp_id', viewer.corpId);
  if ('id' in key) q.andWhere('c.id', key.id);
  else q.andWhere('c.external_userid', key.externalUserid);
  whereCustomerInScope(db, q, viewer, 'c');
  // FOR UPDATE OF c: the rows the EXISTS reads are not locked.
  if (options.forUpdate) q.forUpdate('c');
  return (await q.first('c.*')) as WecomCustomerRow | undefined;
}

/** The corp's customers among `externalUserids`, keyed by external userid. */
export async function customersByExternalUserid(
  db: Executor,
  corpId: string,
  externalUserids: readonly string[],
): Promise<Map<string, WecomCustomerRow>> {
  if (externalUserids.length === 0) return new Map();
  const rows = await db<WecomCustomerRow>('wecom_customer')
    .where({ corp_id: corpId })
    .whereIn('external_userid', [...new Set(externalUserids)]);
  return new Map(rows.map((r) => [r.external_userid, r]));
}

/** The customers in the viewer's data scope that match the filter. */
export async function pageCustomers(
  db: Executor,
  viewer: CorpViewer,
  f: CustomerFilter,
): Promise<{ rows: CustomerListRow[]; total: number }> {
  const q = whereCustomerInScope(db, db('wecom_customer as c').where('c.corp_id', viewer.corpId), viewer, 'c');
  if (!f.includeDeleted) q.andWhere('c.is_del', 0);
  if (f.name) q.andWhereILike('c.name', containsPattern(f.name));
  if (f.externalUserid) q.andWhere('c.external_userid', f.externalUserid);
  if (f.type !== undefined) q.andWhere('c.type', f.type);
  if (f.gender !== undefined) q.andWhere('c.gender', f.gender);
  const phoneDigits = f.phone?.replace(/\D/g, '');
  if (phoneDigits) q.andWhere('c.phone', 'like', containsPattern(phoneDigits));
  if (f.followUserid) {
    q.whereExists(
      db('wecom_relation as r')
        .whereRaw('r.corp_id = c.corp_id AND r.external_userid = c.external_userid')
        .andWhere({ 'r.userid': f.followUserid, 'r.status': 0, 'r.is_del': 0 }),
    );
  }
  if (f.addTimeFrom) q.andWhere('c.first_add_time', '>=', f.addTimeFrom);
  if (f.addTimeTo) q.andWhere('c.first_add_time', '<', f.addTimeTo);
  for (const [source, tagIds] of [
    ['corp', f.corpTagIds],
    ['self', f.selfTagIds],
  ] as const) {
    if (tagIds && tagIds.length > 0) whereTagged(db, q, source, tagIds, f.tagMatch ?? 'any');
  }
  return readPage<CustomerListRow>(q, f, (page) =>
    page
      .select(
        'c.*',
        db.raw(
          `(SELECT count(*)::int FROM wecom_relation r
           WHERE r.corp_id = c.corp_id AND r.external_userid = c.external_userid
             AND r.status = 0 AND r.is_del = 0) AS valid_relation_count`,
        ),
      )
      .orderByRaw(`${SORT_COLUMNS[f.sortField ?? 'id'] ?? 'c.id'} ${f.sortOrder === 'asc' ? 'ASC' : 'DESC'} NULLS LAST`)
      .orderBy('c.id', 'desc'),
  );
}

/** Keeps customers carrying one (any) or every (all) of the tags; tag ids are distinct per source. */
function whereTagged(
  db: Executor,
  q: Knex.QueryBuilder,
  source: 'corp' | 'self',
  tagIds: string[],
  match: 'any' | 'all',
): void {
  const tags = db('customer_tag as ct')
    .whereRaw('ct.corp_id = c.corp_id AND ct.external_userid = c.external_userid')
    .andWhere({ 'ct.tag_source': source, 'ct.is_del': 0 })
    .whereIn('ct.tag_id', tagIds);
  if (match === 'any') {
    q.whereExists(tags.select(db.raw('1')));
  } else {
    q.whereRaw('(?) = ?', [tags.countDistinct('ct.tag_id'), new Set(tagIds).size]);
  }
}

export async function updateCustomerLocal(
  db: Executor,
  corpId: string,
  id: string,
  values: CustomerLocalValues,
  actor: string,
): Promise<WecomCustomerRow | undefined> {
  return updateCorpRow<WecomCustomerRow>(db, 'wecom_customer', corpId, id, values, actor);
}

export async function countValidRelations(db: Executor, corpId: string, externalUserid: string): Promise<number> {
  const [{ count }] = (await db('wecom_relation')
    .where({ corp_id: corpId, external_userid: externalUserid, status: 0, is_del: 0 })
    .count({ count: '*' })) as unknown as [{ count: string }];
  return Number(count);
}
