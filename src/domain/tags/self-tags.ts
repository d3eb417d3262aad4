import type { Db, Executor } from '../../db/knex';
import { deleteSystemTagsFromAllClues } from '../../db/queries/clue-self-tags';
import { insertClueEvent } from '../../db/queries/clues';
import { removeTagsFromAllCustomers } from '../../db/queries/customer-tags';
import {
  findEmptySelfTagGroups,
  findSelfTagGroup,
  findSelfTagGroups,
  findSelfTags,
  insertSelfTagGroup,
  insertSelfTags,
  listSelfTagGroups,
  listSelfTags,
  SELF_TAG_GROUP_NAME_INDEX,
  SELF_TAG_NAME_INDEX,
  softDeleteSelfTagGroups,
  softDeleteSelfTags,
  softDeleteSelfTagsOfGroups,
  updateSelfTag,
  updateSelfTagGroup,
  type SelfTagGroupRow,
  type SelfTagRow,
} from '../../db/queries/self-tags';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { conflictOnUniqueViolation } from '../refuse-duplicates';
import { checkNewTagNames, type NewTag } from './tag-names';

/** Self-built tags live only in the SCRM; group names are unique per corp, tag names per group. */
export interface SelfTagGroupWithTags {
  group: SelfTagGroupRow;
  tags: SelfTagRow[];
}

export interface DeletedSelfTags {
  deletedTagIds: string[];
  deletedGroupIds: string[];
}

/** Runs a write; the unique indexes on names decide under concurrency, and their violation is a 409. */
function withNameConflicts<T>(write: () => Promise<T>): Promise<T> {
  return conflictOnUniqueViolation(write, {
    [SELF_TAG_GROUP_NAME_INDEX]: () =>
      new ConflictError('a self tag group with this name already exists', 'TAG_GROUP_NAME_TAKEN'),
    [SELF_TAG_NAME_INDEX]: () => new ConflictError('the group already has a tag with this name', 'TAG_NAME_TAKEN'),
  });
}

export async function listSelfTagsGrouped(db: Executor, corpId: string): Promise<SelfTagGroupWithTags[]> {
  const [groups, tags] = await Promise.all([listSelfTagGroups(db, corpId), listSelfTags(db, corpId)]);
  return groups.map((group) => ({ group, tags: tags.filter((t) => t.group_id === group.id) }));
}

export async function loadSelfTagGroup(db: Executor, corpId: string, groupId: string): Promise<SelfTagGroupWithTags> {
  const group = await findSelfTagGroup(db, corpId, groupId);
  if (!group) throw new NotFoundError('self tag group', groupId, 'TAG_GROUP_NOT_FOUND');
  return { group, tags: await listSelfTags(db, corpId, [groupId]) };
}

export interface SaveSelfTagGroupInput {
  groupId?: string;
  groupName?: string;
  order?: number;
  tags?: NewTag[];
}

/**
 * Without groupId: creates a group with its tags (a group without tags is refused).
 * With groupId: renames or reorders the group and adds the given tags to it.
 */
export async function saveSelfTagGroup(
  db: Db,
  corpId: string,
  input: SaveSelfTagGroupInput,
  actor: string,
): Promise<SelfTagGroupWithTags> {
  const tags = checkNewTagNames(input.tags ?? []).map((t) => ({ name: t.name, order: t.order ?? 0 }));
  const groupName = input.groupName?.trim();
  if (input.groupId === undefined) {
    if (!groupName) throw ValidationError.field('groupName', 'is required for a new group', 'rule.requiredForNewGroup');
    if (tags.length === 0)
      throw ValidationError.field('tags', 'a new tag group needs at least one tag', 'rule.newGroupNeedsTag');
    const groupId = await withNameConflicts(() =>
      db.transaction(async (trx) => {
        const id = await insertSelfTagGroup(trx, corpId, { name: groupName, order: input.order ?? 0 }, actor);
        await insertSelfTags(trx, corpId, id, tags, actor);
        return id;
      }),
    );
    return loadSelfTagGroup(db, corpId, groupId);
  }
  const groupId = input.groupId;
  await withNameConflicts(() =>
    db.transaction(async (trx) => {
      const group = await findSelfTagGroup(trx, corpId, groupId);
      if (!group) throw new NotFoundError('self tag group', groupId, 'TAG_GROUP_NOT_FOUND');
      if (groupName || input.order !== undefined) {
        await updateSelfTagGroup(trx, corpId, groupId, { name: groupName || undefined, order: input.order }, actor);
      }
      await insertSelfTags(trx, corpId, groupId, tags, actor);
    }),
  );
  return loadSelfTagGroup(db, corpId, groupId);
}

export async function updateSelfTagGroupFields(
  db: Db,
  corpId: string,
  input: { groupId: string; name?: string; order?: number },
  actor: string,
): Promise<SelfTagGroupWithTags> {
  const name = input.name?.trim();
  if (name === undefined && input.order === undefined)
    throw ValidationError.field('name', 'give name and/or order', 'rule.nameOrOrder');
  await withNameConflicts(() =>
    db.transaction(async (trx) => {
      if (!(await findSelfTagGroup(trx, corpId, input.groupId))) {
        throw new NotFoundError('self tag group', input.groupId, 'TAG_GROUP_NOT_FOUND');
      }
      await updateSelfTagGroup(trx, corpId, input.groupId, { name, order: input.order }, actor);
    }),
  );
  return loadSelfTagGroup(db, corpId, input.groupId);
}

export async function updateSelfTagFields(
  db: Db,
  corpId: string,
  input: { tagId: string; name?: string; order?: number },
  actor: string,
): Promise<SelfTagRow> {
  const name = input.name?.trim();
  if (name === undefined && input.order === undefined)
    throw ValidationError.field('name', 'give name and/or order', 'rule.nameOrOrder');
  await withNameConflicts(() =>
    db.transaction(async (trx) => {
      const [tag] = await findSelfTags(trx, corpId, [input.tagId]);
      if (!tag) throw new NotFoundError('self tag', input.tagId, 'TAG_NOT_FOUND');
      await updateSelfTag(trx, corpId, input.tagId, { name, order: input.order }, actor);
    }),
  );
  const [updated] = await findSelfTags(db, corpId, [input.tagId]);
  if (!updated) throw new NotFoundError('self tag', input.tagId, 'TAG_NOT_FOUND');
  return updated;
}

/** Clues lose deleted tags too; each clue's timeline records which, as a removal for that reason. */
async function removeTagsFromAllClues(
  trx: Executor,
  tags: SelfTagRow[],
  deletedTagIds: string[],
  actor: string,
): Promise<void> {
  const names = new Map(tags.map((t) => [String(t.id), t]));
  const byClue = new Map<string, string[]>();
  for (const row of await deleteSystemTagsFromAllClues(trx, deletedTagIds)) {
    byClue.set(row.clue_id, [...(byClue.get(row.clue_id) ?? []), row.tag_id]);
  }
  for (const [clueId, tagIds] of byClue) {
    const named = tagIds.map((id) => ({
      id,
      name: names.get(id)?.name ?? null,
      groupName: names.get(id)?.group_name ?? null,
    }));
    await insertClueEvent(
      trx,
      clueId,
      'system_tags_removed',
      { place: 'clue', reason: 'tag_deleted', tags: named },
      actor,
    );
  }
}

/** Deletes tags; their customers and clues lose them, and a group left without tags goes too (no empty groups). */
export async function deleteSelfTags(
  db: Db,
  corpId: string,
  tagIds: string[],
  actor: string,
): Promise<DeletedSelfTags> {
  return db.transaction(async (trx) => {
    const found = await findSelfTags(trx, corpId, tagIds);
    const known = new Set(found.map((t) => t.id));
    const missing = tagIds.filter((id) => !known.has(id));
    if (missing.length > 0) throw new NotFoundError('self tag', missing.join(', '), 'TAG_NOT_FOUND');
    const deletedTagIds = await softDeleteSelfTags(trx, corpId, tagIds, actor);
    await removeTagsFromAllCustomers(trx, corpId, 'self', deletedTagIds, actor);
    await removeTagsFromAllClues(trx, found, deletedTagIds, actor);
    const emptyGroups = await findEmptySelfTagGroups(trx, corpId, [...new Set(found.map((t) => t.group_id))]);
    const deletedGroupIds = await softDeleteSelfTagGroups(trx, corpId, emptyGroups, actor);
    return { deletedTagIds, deletedGroupIds };
  });
}

/** Deletes groups with all their tags; customers and clues lose those tags. */
export async function deleteSelfTagGroups(
  db: Db,
  corpId: string,
  groupIds: string[],
  actor: string,
): Promise<DeletedSelfTags> {
  return db.transaction(async (trx) => {
    const found = await findSelfTagGroups(trx, corpId, groupIds);
    const known = new Set(found.map((g) => g.id));
    const missing = groupIds.filter((id) => !known.has(id));
    if (missing.length > 0) throw new NotFoundError('self tag group', missing.join(', '), 'TAG_GROUP_NOT_FOUND');
    const tagsOfGroups = await listSelfTags(trx, corpId, groupIds);
    const deletedTagIds = await softDeleteSelfTagsOfGroups(trx, corpId, groupIds, actor);
    await removeTagsFromAllCustomers(trx, corpId, 'self', deletedTagIds, actor);
    await removeTagsFromAllClues(trx, tagsOfGroups, deletedTagIds, actor);
    const deletedGroupIds = await softDeleteSelfTagGroups(trx, corpId, groupIds, actor);
    return { deletedTagIds, deletedGroupIds };
  });
}
