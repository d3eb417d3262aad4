import type { Executor } from '../knex';
import { softDeleteCorpRows } from './corp-rows';

/** A tag group that exists only in the SCRM. */
export interface SelfTagGroupRow {
  id: string;
  corp_id: string;
  name: string;
  group_order: string;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

/** A self-built tag with its group's name. */
export interface SelfTagRow {
  id: string;
  corp_id: string;
  group_id: string;
  group_name: string;
  name: string;
  tag_order: string;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

/** Unique indexes a caller may translate into a conflict answer. */
export const SELF_TAG_GROUP_NAME_INDEX = 'self_tag_group_name_uq';
export const SELF_TAG_NAME_INDEX = 'self_tag_name_uq';

function tagsQuery(db: Executor, corpId: string) {
  return db('self_tag as t')
    .join('self_tag_group as g', 'g.id', 't.group_id')
    .where({ 't.corp_id': corpId, 't.is_del': 0 })
    .select('t.*', 'g.name as group_name');
}

export async function listSelfTagGroups(db: Executor, corpId: string): Promise<SelfTagGroupRow[]> {
  return db<SelfTagGroupRow>('self_tag_group')
    .where({ corp_id: corpId, is_del: 0 })
    .orderBy([
      { column: 'group_order', order: 'desc' },
      { column: 'id', order: 'asc' },
    ]);
}

/** Live tags (optionally of some groups), ordered by group order then tag order, larger first. */
export async function listSelfTags(db: Executor, corpId: string, groupIds?: string[]): Promise<SelfTagRow[]> {
  const q = tagsQuery(db, corpId);
  if (groupIds) q.whereIn('t.group_id', groupIds);
  return q.orderByRaw('g.group_order DESC, g.id, t.tag_order DESC, t.id');
}

export async function findSelfTagGroup(db: Executor, corpId: string, id: string): Promise<SelfTagGroupRow | undefined> {
  return db<SelfTagGroupRow>('self_tag_group').where({ corp_id: corpId, id, is_del: 0 }).first();
}

export async function findSelfTagGroups(db: Executor, corpId: string, ids: string[]): Promise<SelfTagGroupRow[]> {
  if (ids.length === 0) return [];
  return db<SelfTagGroupRow>('self_tag_group').where({ corp_id: corpId, is_del: 0 }).whereIn('id', ids);
}

/** Live tags among the given ids. */
export async function findSelfTags(db: Executor, corpId: string, ids: string[]): Promise<SelfTagRow[]> {
  if (ids.length === 0) return [];
  return tagsQuery(db, corpId).whereIn('t.id', ids);
}

export async function insertSelfTagGroup(
  db: Executor,
  corpId: string,
  group: { name: string; order: number },
  actor: string,
): Promise<string> {
  const [row] = (await db('self_tag_group')
    .insert({ corp_id: corpId, name: group.name, group_order: group.order, cuser: actor, muser: actor })
    .returning('id')) as Array<{ id: string }>;
  if (!row) throw new Error('self tag group insert returned no row');
  return row.id;
}

export async function insertSelfTags(
  db: Executor,
  corpId: string,
  groupId: string,
  tags: Array<{ name: string; order: number }>,
  actor: string,
): Promise<void> {
  if (tags.length === 0) return;
  await db('self_tag').insert(
    tags.map((t) => ({
      corp_id: corpId,
      group_id: groupId,
      name: t.name,
      tag_order: t.order,
      cuser: actor,
      muser: actor,
    })),
  );
}

export async function updateSelfTagGroup(
  db: Executor,
  corpId: string,
  id: string,
  patch: { name?: string; order?: number },
  actor: string,
): Promise<void> {
  await db('self_tag_group')
    .where({ corp_id: corpId, id, is_del: 0 })
    .update({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.order !== undefined ? { group_order: patch.order } : {}),
      mtime: db.fn.now(),
      muser: actor,
    });
}

export async function updateSelfTag(
  db: Executor,
  corpId: string,
  id: string,
  patch: { name?: string; order?: number },
  actor: string,
): Promise<void> {
  await db('self_tag')
    .where({ corp_id: corpId, id, is_del: 0 })
    .update({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.order !== undefined ? { tag_order: patch.order } : {}),
      mtime: db.fn.now(),
      muser: actor,
    });
}

/** Soft-deletes live tags; returns the ids it deleted. */
export const softDeleteSelfTags = (db: Executor, corpId: string, ids: string[], actor: string): Promise<string[]> =>
  softDeleteCorpRows(db, 'self_tag', corpId, 'id', ids, actor);

/** Soft-deletes the live tags of the given groups; returns the tag ids it deleted. */
export const softDeleteSelfTagsOfGroups = (
  db: Executor,
  corpId: string,
  groupIds: string[],
  actor: string,
): Promise<string[]> => softDeleteCorpRows(db, 'self_tag', corpId, 'group_id', groupIds, actor);

export const softDeleteSelfTagGroups = (
  db: Executor,
  corpId: string,
  ids: string[],
  actor: string,
): Promise<string[]> => softDeleteCorpRows(db, 'self_tag_group', corpId, 'id', ids, actor);

/** Of the given live groups, those without any live tag left. */
export async function findEmptySelfTagGroups(db: Executor, corpId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows: Array<{ id: string }> = await db('self_tag_group as g')
    .where({ 'g.corp_id': corpId, 'g.is_del': 0 })
    .whereIn('g.id', ids)
    .whereNotExists(function liveTag() {
      this.select(db.raw('1')).from('self_tag as t').whereRaw('t.group_id = g.id AND t.is_del = 0');
    })
    .select('g.id');
  return rows.map((r) => r.id);
}
