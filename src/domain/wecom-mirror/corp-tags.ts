import type { Static } from '@sinclair/typebox';
import type { Executor } from '../../db/knex';
import {
  addCounts,
  upsertMirrorRows,
  type MirrorUpsertOptions,
  type UpsertCounts,
} from '../../db/queries/mirror-upsert';
import type { CorpTagGroupSchema } from '../../wecom/endpoints';

type CorpTagGroup = Static<typeof CorpTagGroupSchema>;

const seconds = (unix: number) => new Date(unix * 1000);

/** Mirrors tag groups with their tags as get_corp_tag_list / add_corp_tag return them (entries flagged deleted are skipped). */
export async function upsertCorpTagGroups(
  db: Executor,
  corpId: string,
  groups: readonly CorpTagGroup[],
  options: MirrorUpsertOptions = {},
): Promise<UpsertCounts> {
  const live = groups.filter((g) => !g.deleted);
  const groupCounts = await upsertMirrorRows(
    db,
    'wecom_corp_tag_group',
    ['corp_id', 'group_id'],
    live.map((g) => ({
      corp_id: corpId,
      group_id: g.group_id,
      group_name: g.group_name,
      group_order: String(g.order),
      create_time: seconds(g.create_time),
    })),
    options,
  );
  const tagCounts = await upsertMirrorRows(
    db,
    'wecom_corp_tag',
    ['corp_id', 'tag_id'],
    live.flatMap((g) =>
      g.tag
        .filter((t) => !t.deleted)
        .map((t) => ({
          corp_id: corpId,
          tag_id: t.id,
          group_id: g.group_id,
          name: t.name,
          tag_order: String(t.order),
          create_time: seconds(t.create_time),
        })),
    ),
    options,
  );
  return addCounts(groupCounts, tagCounts);
}

/** Tags gone from WeCom: soft-deleted, and taken off every customer. Returns the tag ids deleted now. */
export async function markCorpTagsDeleted(
  db: Executor,
  corpId: string,
  tagIds: readonly string[],
  at: Date,
  actor = 'wecom-callback',
): Promise<string[]> {
  if (tagIds.length === 0) return [];
  await db('customer_tag')
    .where({ corp_id: corpId, tag_source: 'corp', is_del: 0 })
    .whereIn('tag_id', tagIds)
    .update({ is_del: 1, del_time: at, mtime: db.fn.now(), muser: actor });
  const rows: Array<{ tag_id: string }> = await db('wecom_corp_tag')
    .where({ corp_id: corpId, is_del: 0 })
    .whereIn('tag_id', tagIds)
    .update({ is_del: 1, del_time: at, mtime: db.fn.now(), muser: actor })
    .returning('tag_id');
  return rows.map((r) => r.tag_id);
}

/** Groups gone from WeCom take their tags with them. Returns what was deleted now. */
export async function markCorpTagGroupsDeleted(
  db: Executor,
  corpId: string,
  groupIds: readonly string[],
  at: Date,
  actor = 'wecom-callback',
): Promise<{ tagIds: string[]; groupIds: string[] }> {
  if (groupIds.length === 0) return { tagIds: [], groupIds: [] };
  const liveTagIds = await db('wecom_corp_tag')
    .where({ corp_id: corpId, is_del: 0 })
    .whereIn('group_id', groupIds)
    .pluck<string[]>('tag_id');
  const tagIds = await markCorpTagsDeleted(db, corpId, liveTagIds, at, actor);
  const rows: Array<{ group_id: string }> = await db('wecom_corp_tag_group')
    .where({ corp_id: corpId, is_del: 0 })
    .whereIn('group_id', groupIds)
    .update({ is_del: 1, del_time: at, mtime: db.fn.now(), muser: actor })
    .returning('group_id');
  return { tagIds, groupIds: rows.map((r) => r.group_id) };
}
