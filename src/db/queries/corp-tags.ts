import type { Executor } from '../knex';

/** A corp tag group mirrored from WeCom (group_id is WeCom's id). */
export interface CorpTagGroupRow {
  id: string;
  corp_id: string;
  group_id: string;
  group_name: string;
  group_order: string;
  create_time: Date | null;
  del_time: Date | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

/** A corp tag mirrored from WeCom, with its group's name (null when the group row is missing). */
export interface CorpTagRow {
  id: string;
  corp_id: string;
  tag_id: string;
  group_id: string;
  group_name: string | null;
  name: string;
  tag_order: string;
  create_time: Date | null;
  del_time: Date | null;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

function tagsQuery(db: Executor, corpId: string) {
  return db('wecom_corp_tag as t')
    .leftJoin('wecom_corp_tag_group as g', function joinGroup() {
      this.on('g.corp_id', 't.corp_id').andOn('g.group_id', 't.group_id');
    })
    .where({ 't.corp_id': corpId, 't.is_del': 0 })
    .select('t.*', 'g.group_name');
}

/** Live groups, WeCom order: larger `order` first. */
export async function listCorpTagGroups(db: Executor, corpId: string): Promise<CorpTagGroupRow[]> {
  return db<CorpTagGroupRow>('wecom_corp_tag_group')
    .where({ corp_id: corpId, is_del: 0 })
    .orderBy([
      { column: 'group_order', order: 'desc' },
      { column: 'id', order: 'asc' },
    ]);
}

/** Live tags (optionally of some groups), ordered by group order then tag order, larger first. */
export async function listCorpTags(db: Executor, corpId: string, groupIds?: string[]): Promise<CorpTagRow[]> {
  const q = tagsQuery(db, corpId);
  if (groupIds) q.whereIn('t.group_id', groupIds);
  return q.orderByRaw('g.group_order DESC NULLS LAST, t.group_id, t.tag_order DESC, t.id');
}

export async function findCorpTagGroup(
  db: Executor,
  corpId: string,
  groupId: string,
): Promise<CorpTagGroupRow | undefined> {
  return db<CorpTagGroupRow>('wecom_corp_tag_group').where({ corp_id: corpId, group_id: groupId, is_del: 0 }).first();
}

export async function findCorpTagGroupByName(
  db: Executor,
  corpId: string,
  name: string,
): Promise<CorpTagGroupRow | undefined> {
  return db<CorpTagGroupRow>('wecom_corp_tag_group').where({ corp_id: corpId, group_name: name, is_del: 0 }).first();
}

export async function findCorpTagGroups(db: Executor, corpId: string, groupIds: string[]): Promise<CorpTagGroupRow[]> {
  if (groupIds.length === 0) return [];
  return db<CorpTagGroupRow>('wecom_corp_tag_group')
    .where({ corp_id: corpId, is_del: 0 })
    .whereIn('group_id', groupIds);
}

/** Live tags among the given WeCom tag ids. */
export async function findCorpTags(db: Executor, corpId: string, tagIds: string[]): Promise<CorpTagRow[]> {
  if (tagIds.length === 0) return [];
  return tagsQuery(db, corpId).whereIn('t.tag_id', tagIds);
}

export async function updateCorpTag(
  db: Executor,
  corpId: string,
  tagId: string,
  patch: { name?: string; order?: number },
  actor: string,
): Promise<void> {
  await db('wecom_corp_tag')
    .where({ corp_id: corpId, tag_id: tagId, is_del: 0 })
    .update({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.order !== undefined ? { tag_order: patch.order } : {}),
      mtime: db.fn.now(),
      muser: actor,
    });
}

export async function updateCorpTagGroup(
  db: Executor,
  corpId: string,
  groupId: string,
  patch: { name?: string; order?: number },
  actor: string,
): Promise<void> {
  await db('wecom_corp_tag_group')
    .where({ corp_id: corpId, group_id: groupId, is_del: 0 })
    .update({
      ...(patch.name !== undefined ? { group_name: patch.name } : {}),
      ...(patch.order !== undefined ? { group_order: patch.order } : {}),
      mtime: db.fn.now(),
      muser: actor,
    });
}

/** Of the given live groups, those without any live tag left. */
export async function findEmptyCorpTagGroups(db: Executor, corpId: string, groupIds: string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const rows: Array<{ group_id: string }> = await db('wecom_corp_tag_group as g')
    .where({ 'g.corp_id': corpId, 'g.is_del': 0 })
    .whereIn('g.group_id', groupIds)
    .whereNotExists(function liveTag() {
      this.select(db.raw('1'))
        .from('wecom_corp_tag as t')
        .whereRaw('t.corp_id = g.corp_id AND t.group_id = g.group_id AND t.is_del = 0');
    })
    .select('g.group_id');
  return rows.map((r) => r.group_id);
}
