import type { Knex } from 'knex';
import type { Executor } from '../knex';
import { readPage } from './paging';
import type { CorpViewer } from './data-scope';
import { whereCustomerInScope } from './wecom-customers';

export type TagSource = 'corp' | 'self';

/** A tag on a customer: corp tags sit on one follow-user relation (userid), self tags on the customer (userid ''). */
export interface CustomerTagRow {
  id: string;
  corp_id: string;
  external_userid: string;
  userid: string;
  tag_source: TagSource;
  tag_id: string;
  del_time: Date | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

/** A customer tag with the names around it; names are null when the customer, employee or tag is not mirrored. */
export interface CustomerTagDetailRow extends CustomerTagRow {
  customer_name: string | null;
  employee_name: string | null;
  tag_name: string | null;
  tag_group_id: string | null;
  group_name: string | null;
}

/** Which tags of one customer (and, for corp tags, one relation) an operation touches. */
export interface CustomerTagKey {
  externalUserid: string;
  userid: string;
  source: TagSource;
}

export interface CustomerTagFilter {
  externalUserid?: string;
  userid?: string;
  tagSource?: TagSource;
  tagId?: string;
  groupId?: string;
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
  pageNum: number;
  pageSize: number;
}

const SORT_COLUMNS: Record<string, string> = { id: 'ct.id', ctime: 'ct.ctime', mtime: 'ct.mtime' };

function detailQuery(db: Executor, corpId: string): Knex.QueryBuilder {
  return db('customer_tag as ct')
    .leftJoin('wecom_customer as c', function joinCustomer() {
      this.on('c.corp_id', 'ct.corp_id').andOn('c.external_userid', 'ct.external_userid');
    })
    .leftJoin('wecom_employee as e', function joinEmployee() {
      this.on('e.corp_id', 'ct.corp_id').andOn('e.userid', 'ct.userid');
    })
    .leftJoin('wecom_corp_tag as t', function joinCorpTag() {
      this.on('t.corp_id', 'ct.corp_id').andOn('t.tag_id', 'ct.tag_id').andOnVal('ct.tag_source', '=', 'corp');
    })
    .leftJoin('wecom_corp_tag_group as g', function joinCorpGroup() {
      this.on('g.corp_id', 't.corp_id').andOn('g.group_id', 't.group_id');
    })
    .leftJoin('self_tag as st', function joinSelfTag() {
      this.on(db.raw('st.id::text = ct.tag_id'))
        .andOn('st.corp_id', 'ct.corp_id')
        .andOnVal('ct.tag_source', '=', 'self');
    })
    .leftJoin('self_tag_group as sg', 'sg.id', 'st.group_id')
    .where({ 'ct.corp_id': corpId, 'ct.is_del': 0 });
}

function selectDetail(db: Executor, q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q.select(
    'ct.*',
    'c.name as customer_name',
    'e.name as employee_name',
    db.raw('coalesce(t.name, st.name) as tag_name'),
    db.raw('coalesce(t.group_id, st.group_id::text) as tag_group_id'),
    db.raw('coalesce(g.group_name, sg.name) as group_name'),
  );
}

/** Tag records of customers in the viewer's data scope (their relations' follow users). */
export async function pageCustomerTags(
  db: Executor,
  viewer: CorpViewer,
  f: CustomerTagFilter,
): Promise<{ list: CustomerTagDetailRow[]; total: number }> {
  const q = whereCustomerInScope(db, detailQuery(db, viewer.corpId), viewer, 'ct');
  if (f.externalUserid) q.andWhere('ct.external_userid', f.externalUserid);
  if (f.userid !== undefined) q.andWhere('ct.userid', f.userid);
  if (f.tagSource) q.andWhere('ct.tag_source', f.tagSource);
  if (f.tagId) q.andWhere('ct.tag_id', f.tagId);
  if (f.groupId) {
    const groupId = f.groupId;
    q.andWhere((w) =>
      w
        .where((c) => c.where('ct.tag_source', 'corp').andWhere('t.group_id', groupId))
        .orWhere((s) => s.where('ct.tag_source', 'self').andWhereRaw('st.group_id::text = ?', [groupId])),
    );
  }
  const { rows, total } = await readPage<CustomerTagDetailRow>(q, f, (page) =>
    selectDetail(db, page)
      .orderBy(SORT_COLUMNS[f.sortField ?? 'id'] ?? 'ct.id', f.sortOrder ?? 'desc')
      .orderBy('ct.id', 'desc'),
  );
  return { list: rows, total };
}

export async function findCustomerTagDetail(
  db: Executor,
  viewer: CorpViewer,
  id: string,
): Promise<CustomerTagDetailRow | undefined> {
  const q = whereCustomerInScope(db, detailQuery(db, viewer.corpId).andWhere('ct.id', id), viewer, 'ct');
  return (await selectDetail(db, q).first()) as CustomerTagDetailRow | undefined;
}

/** Live tags of one customer/relation (optionally only some tag ids), oldest first. */
export async function listCustomerTagDetails(
  db: Executor,
  corpId: string,
  key: CustomerTagKey,
  tagIds?: string[],
): Promise<CustomerTagDetailRow[]> {
  const q = detailQuery(db, corpId).andWhere({
    'ct.external_userid': key.externalUserid,
    'ct.userid': key.userid,
    'ct.tag_source': key.source,
  });
  if (tagIds) q.whereIn('ct.tag_id', tagIds);
  return (await selectDetail(db, q).orderBy('ct.id')) as CustomerTagDetailRow[];
}

export async function findCustomerTag(db: Executor, corpId: string, id: string): Promise<CustomerTagRow | undefined> {
  return db<CustomerTagRow>('customer_tag').where({ corp_id: corpId, id, is_del: 0 }).first();
}

/**
 * Puts the tags on the customer/relation; tags already there stay as they are, removed ones come
 * back. Returns the tag ids it put on (new or back), none of those already live.
 */
export async function addCustomerTags(
  db: Executor,
  corpId: string,
  key: CustomerTagKey,
  tagIds: string[],
  actor: string,
): Promise<string[]> {
  if (tagIds.length === 0) return [];
  const rows: Array<{ tag_id: string }> = await db('customer_tag')
    .insert(
      tagIds.map((tagId) => ({
        corp_id: corpId,
        external_userid: key.externalUserid,
        userid: key.userid,
        tag_source: key.source,
        tag_id: tagId,
        cuser: actor,
        muser: actor,
      })),
    )
    .onConflict(['corp_id', 'external_userid', 'userid', 'tag_source', 'tag_id'])
    .merge({ is_del: 0, del_time: null, mtime: db.fn.now(), muser: actor })
    .where('customer_tag.is_del', 1)
    .returning('tag_id');
  return rows.map((r) => r.tag_id);
}

/** Soft-deletes the given tags of one customer/relation; returns the tag ids that were live. */
export async function removeCustomerTags(
  db: Executor,
  corpId: string,
  key: CustomerTagKey,
  tagIds: string[],
  actor: string,
): Promise<string[]> {
  if (tagIds.length === 0) return [];
  const rows: Array<{ tag_id: string }> = await db('customer_tag')
    .where({
      corp_id: corpId,
      external_userid: key.externalUserid,
      userid: key.userid,
      tag_source: key.source,
      is_del: 0,
    })
    .whereIn('tag_id', tagIds)
    .update({ is_del: 1, del_time: db.fn.now(), mtime: db.fn.now(), muser: actor }, ['tag_id']);
  return rows.map((r) => r.tag_id);
}

/** Soft-deletes every customer's use of the given tags (the tags themselves are gone). */
export async function removeTagsFromAllCustomers(
  db: Executor,
  corpId: string,
  source: TagSource,
  tagIds: string[],
  actor: string,
): Promise<number> {
  if (tagIds.length === 0) return 0;
  return db('customer_tag')
    .where({ corp_id: corpId, tag_source: source, is_del: 0 })
    .whereIn('tag_id', tagIds)
    .update({ is_del: 1, del_time: db.fn.now(), mtime: db.fn.now(), muser: actor });
}

/**
 * Points one live record at another tag, keeping its id. A removed record of the same customer
 * and target tag is superseded by this one, so it is dropped first (the unique key allows one row).
 */
export async function retagCustomerTag(
  db: Executor,
  corpId: string,
  row: CustomerTagRow,
  tagId: string,
  actor: string,
): Promise<void> {
  await db('customer_tag')
    .where({
      corp_id: corpId,
      external_userid: row.external_userid,
      userid: row.userid,
      tag_source: row.tag_source,
      tag_id: tagId,
      is_del: 1,
    })
    .delete();
  await db('customer_tag')
    .where({ corp_id: corpId, id: row.id })
    .update({ tag_id: tagId, mtime: db.fn.now(), muser: actor });
}

/** The follow-user relation a corp tag is marked on; status 0 means the two are still connected. */
export async function findTaggableRelation(
  db: Executor,
  corpId: string,
  externalUserid: string,
  userid: string,
): Promise<{ id: string; status: number } | undefined> {
  return db('wecom_relation')
    .where({ corp_id: corpId, external_userid: externalUserid, userid, is_del: 0 })
    .first('id', 'status');
}

export async function customerExists(db: Executor, corpId: string, externalUserid: string): Promise<boolean> {
  const row: unknown = await db('wecom_customer')
    .where({ corp_id: corpId, external_userid: externalUserid, is_del: 0 })
    .first('id');
  return row !== undefined;
}

/** Live corp tags of the customers on every relation, with names, in WeCom's group and tag order. */
export async function listCorpTagDetailsOfCustomers(
  db: Executor,
  corpId: string,
  externalUserids: readonly string[],
): Promise<CustomerTagDetailRow[]> {
  if (externalUserids.length === 0) return [];
  const q = detailQuery(db, corpId)
    .andWhere('ct.tag_source', 'corp')
    .whereIn('ct.external_userid', [...externalUserids]);
  return (await selectDetail(db, q).orderByRaw(
    'g.group_order DESC NULLS LAST, t.tag_order DESC NULLS LAST, ct.tag_id, ct.id',
  )) as CustomerTagDetailRow[];
}
