import type { Knex } from 'knex';
import type { Executor } from '../knex';
import type { ClueRow } from './clues';
import { whereOwnerInScope, type CorpViewer } from './data-scope';
import { whereCustomerInScope, type WecomCustomerRow } from './wecom-customers';

/** Where a system tag sits: on a clue (clue_self_tag) or on a WeCom customer (customer_tag, source 'self'). */
export type SystemTagPlace = 'clue' | 'customer';

/** One system tag on one clue or customer, with names and who put it there. */
export interface SystemTagOnRow {
  place: SystemTagPlace;
  /** The clue carrying it, or the clue the carrying customer is linked to. */
  clue_id: string | null;
  customer_id: string | null;
  external_userid: string | null;
  customer_name: string | null;
  tag_id: string;
  tag_name: string;
  group_id: string;
  group_name: string;
  ctime: Date;
  cuser: string | null;
}

export interface SystemTagFilter {
  tagIds?: string[];
  groupId?: string;
}

function filterTags(q: Knex.QueryBuilder, f: SystemTagFilter): void {
  if (f.tagIds) q.whereIn('t.id', f.tagIds);
  if (f.groupId) q.where('t.group_id', f.groupId);
}

/** Live self tags of the corp on the given clues, oldest first. */
export async function listClueSystemTags(
  db: Executor,
  corpId: string,
  clueIds: string[],
  f: SystemTagFilter = {},
): Promise<SystemTagOnRow[]> {
  if (clueIds.length === 0) return [];
  const q = db('clue_self_tag as ct')
    .join('self_tag as t', 't.id', 'ct.tag_id')
    .join('self_tag_group as g', 'g.id', 't.group_id')
    .where({ 't.corp_id': corpId, 't.is_del': 0 })
    .whereIn('ct.clue_id', clueIds);
  filterTags(q, f);
  return q
    .select(
      db.raw("'clue' as place"),
      db.raw('ct.clue_id::text as clue_id'),
      db.raw('null as customer_id'),
      db.raw('null as external_userid'),
      db.raw('null as customer_name'),
      db.raw('t.id::text as tag_id'),
      't.name as tag_name',
      db.raw('t.group_id::text as group_id'),
      'g.name as group_name',
      'ct.ctime',
      'ct.cuser',
    )
    .orderBy('ct.id') as Promise<SystemTagOnRow[]>;
}

/** Live self tags on the given customers of the corp (by wecom_customer id), oldest first. */
export async function listCustomerSystemTags(
  db: Executor,
  corpId: string,
  customerIds: string[],
  f: SystemTagFilter = {},
): Promise<SystemTagOnRow[]> {
  if (customerIds.length === 0) return [];
  const q = db('customer_tag as ct')
    .join('wecom_customer as c', function joinCustomer() {
      this.on('c.corp_id', 'ct.corp_id').andOn('c.external_userid', 'ct.external_userid');
    })
    .join('self_tag as t', function joinTag() {
      this.on(db.raw('t.id::text = ct.tag_id')).andOn('t.corp_id', 'ct.corp_id');
    })
    .join('self_tag_group as g', 'g.id', 't.group_id')
    .where({ 'ct.corp_id': corpId, 'ct.tag_source': 'self', 'ct.userid': '', 'ct.is_del': 0, 't.is_del': 0 })
    .whereIn('c.id', customerIds);
  filterTags(q, f);
  return q
    .select(
      db.raw("'customer' as place"),
      db.raw('c.clue_id::text as clue_id'),
      db.raw('c.id::text as customer_id'),
      'c.external_userid',
      'c.name as customer_name',
      db.raw('t.id::text as tag_id'),
      't.name as tag_name',
      db.raw('t.group_id::text as group_id'),
      'g.name as group_name',
      'ct.ctime',
      'ct.cuser',
    )
    .orderBy('ct.id') as Promise<SystemTagOnRow[]>;
}

/** Puts the tags on the clue; returns the tag ids it added (those already there are left alone). */
export async function insertClueSystemTags(
  db: Executor,
  clueId: string,
  tagIds: string[],
  actor: string,
): Promise<string[]> {
  if (tagIds.length === 0) return [];
  const rows: Array<{ tag_id: string }> = await db('clue_self_tag')
    .insert(tagIds.map((tagId) => ({ clue_id: clueId, tag_id: tagId, cuser: actor })))
    .onConflict(['clue_id', 'tag_id'])
    .ignore()
    .returning(db.raw('tag_id::text as tag_id') as unknown as string);
  return rows.map((r) => r.tag_id);
}

/** Takes the tags off the clue; returns the tag ids it carried. */
export async function deleteClueSystemTags(db: Executor, clueId: string, tagIds: string[]): Promise<string[]> {
  if (tagIds.length === 0) return [];
  const rows: Array<{ tag_id: string }> = await db('clue_self_tag')
    .where({ clue_id: clueId })
    .whereIn('tag_id', tagIds)
    .delete()
    .returning(db.raw('tag_id::text as tag_id') as unknown as string);
  return rows.map((r) => r.tag_id);
}

/** Takes the (deleted) tags off every clue; returns what it took off. */
export async function deleteSystemTagsFromAllClues(
  db: Executor,
  tagIds: string[],
): Promise<Array<{ clue_id: string; tag_id: string }>> {
  if (tagIds.length === 0) return [];
  return db('clue_self_tag')
    .whereIn('tag_id', tagIds)
    .delete()
    .returning([db.raw('clue_id::text as clue_id'), db.raw('tag_id::text as tag_id')] as unknown as string[]);
}

/** The live clues among `ids` in the viewer's data scope; `forUpdate` locks them, in id order. */
export async function findCluesInScope(
  db: Executor,
  viewer: CorpViewer,
  ids: string[],
  options: { forUpdate?: boolean } = {},
): Promise<ClueRow[]> {
  if (ids.length === 0) return [];
  const q = whereOwnerInScope(db('clue').where({ is_del: 0 }).whereIn('id', ids), viewer, 'owner_userid').orderBy('id');
  if (options.forUpdate) q.forUpdate();
  return (await q.select('*')) as ClueRow[];
}

/** The live customers of the viewer's corp among `ids` in its data scope; `forUpdate` locks them, in id order. */
export async function findCustomersInScopeByIds(
  db: Executor,
  viewer: CorpViewer,
  ids: string[],
  options: { forUpdate?: boolean } = {},
): Promise<WecomCustomerRow[]> {
  if (ids.length === 0) return [];
  const q = db('wecom_customer as c').where({ 'c.corp_id': viewer.corpId, 'c.is_del': 0 }).whereIn('c.id', ids);
  whereCustomerInScope(db, q, viewer, 'c');
  q.orderBy('c.id');
  if (options.forUpdate) q.forUpdate('c');
  return (await q.select('c.*')) as WecomCustomerRow[];
}

/** The live customers of the corp linked to the clue, in the viewer's data scope. */
export async function findLinkedCustomersInScope(
  db: Executor,
  viewer: CorpViewer,
  clueId: string,
): Promise<WecomCustomerRow[]> {
  const q = db('wecom_customer as c').where({ 'c.corp_id': viewer.corpId, 'c.is_del': 0, 'c.clue_id': clueId });
  whereCustomerInScope(db, q, viewer, 'c');
  return (await q.orderBy('c.id').select('c.*')) as WecomCustomerRow[];
}
