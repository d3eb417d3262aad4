import type { Db, Executor } from '../../db/knex';
import {
  findCorpTagGroup,
  findCorpTagGroupByName,
  findCorpTagGroups,
  findCorpTags,
  findEmptyCorpTagGroups,
  listCorpTagGroups,
  listCorpTags,
  updateCorpTag,
  updateCorpTagGroup,
  type CorpTagGroupRow,
  type CorpTagRow,
} from '../../db/queries/corp-tags';
import type { EndpointResponse } from '../../wecom/endpoints';
import type { WecomApiFactory } from '../../wecom/api';
import { openWecom } from '../customers/wecom-errors';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { withKeyLocks, type UniqueKey } from '../refuse-duplicates';
import { markCorpTagGroupsDeleted, markCorpTagsDeleted, upsertCorpTagGroups } from '../wecom-mirror/corp-tags';
import { checkNewTagNames, type NewTag } from './tag-names';
import { callWecom } from './wecom-errors';

/**
 * Corp tags are two-way: every change goes to WeCom first, and the mirror takes WeCom's answer in
 * the same request (WeCom sends no callback for changes made through the API). When WeCom
 * refuses, nothing changes locally.
 */
export interface CorpTagDeps {
  db: Db;
  wecom: WecomApiFactory;
}

export interface CorpTagGroupWithTags {
  group: CorpTagGroupRow;
  tags: CorpTagRow[];
}

export interface DeletedCorpTags {
  deletedTagIds: string[];
  deletedGroupIds: string[];
}

export async function listCorpTagsGrouped(db: Executor, corpId: string): Promise<CorpTagGroupWithTags[]> {
  const [groups, tags] = await Promise.all([listCorpTagGroups(db, corpId), listCorpTags(db, corpId)]);
  return groups.map((group) => ({ group, tags: tags.filter((t) => t.group_id === group.group_id) }));
}

async function requireGroup(db: Executor, corpId: string, groupId: string): Promise<CorpTagGroupRow> {
  const group = await findCorpTagGroup(db, corpId, groupId);
  if (!group) throw new NotFoundError('corp tag group', groupId, 'TAG_GROUP_NOT_FOUND');
  return group;
}

export async function loadCorpTagGroup(db: Executor, corpId: string, groupId: string): Promise<CorpTagGroupWithTags> {
  const group = await requireGroup(db, corpId, groupId);
  return { group, tags: await listCorpTags(db, corpId, [groupId]) };
}

export async function listCorpTagsOfGroup(db: Executor, corpId: string, groupId: string): Promise<CorpTagRow[]> {
  return (await loadCorpTagGroup(db, corpId, groupId)).tags;
}

async function ensureGroupNameFree(db: Executor, corpId: string, name: string, exceptGroupId?: string): Promise<void> {
  const other = await findCorpTagGroupByName(db, corpId, name);
  if (other && other.group_id !== exceptGroupId) {
    throw new ConflictError(`a corp tag group named "${name}" already exists`, 'TAG_GROUP_NAME_TAKEN');
  }
}

/** Group names are unique per corp. */
const groupNameKey = (corpId: string, name: string): UniqueKey => ['corp-tag-group-name', corpId, name];
/** Tag names are unique per group. */
const tagNamesKey = (corpId: string, groupId: string): UniqueKey => ['corp-tag-names', corpId, groupId];

/** Mirrors add_corp_tag's answer (the group and the tags WeCom created) the way a sync mirrors it. */
async function mirrorAddedTags(
  trx: Executor,
  corpId: string,
  added: EndpointResponse<'addCorpTag'>['tag_group'],
  actor: string,
): Promise<void> {
  await upsertCorpTagGroups(trx, corpId, [added], { actor, touch: true });
}

export interface SaveCorpTagGroupInput {
  groupId?: string;
  groupName?: string;
  order?: number;
  tags?: NewTag[];
}

/**
 * Without groupId: creates a group with its tags (a group without tags is refused, as in WeCom).
 * With groupId: renames or reorders the group and adds the given tags to it.
 */
export async function saveCorpTagGroup(
  deps: CorpTagDeps,
  corpId: string,
  input: SaveCorpTagGroupInput,
  actor: string,
): Promise<CorpTagGroupWithTags> {
  const tags = checkNewTagNames(input.tags ?? []);
  const groupName = input.groupName?.trim();
  if (input.groupId === undefined) {
    if (!groupName) throw ValidationError.field('groupName', 'is required for a new group', 'rule.requiredForNewGroup');
    if (tags.length === 0)
      throw ValidationError.field('tags', 'a new tag group needs at least one tag', 'rule.newGroupNeedsTag');
    // WeCom merges an add under an existing group name into that group: the name stays locked
    // from the check until WeCom's answer is mirrored.
    const created = await withKeyLocks(deps.db, [groupNameKey(corpId, groupName)], async (trx) => {
      await ensureGroupNameFree(trx, corpId, groupName);
      const api = await openWecom(deps.wecom, corpId);
      const answer = await callWecom({ what: 'corp tag group', ids: [groupName] }, () =>
        api.call('addCorpTag', { body: { group_name: groupName, order: input.order, tag: tags } }),
      );
      await mirrorAddedTags(trx, corpId, answer.tag_group, actor);
      return answer.tag_group.group_id;
    });
    return loadCorpTagGroup(deps.db, corpId, created);
  }

  const groupId = input.groupId;
  const current = await requireGroup(deps.db, corpId, groupId);
  const renameTo =
    groupName !== undefined && groupName !== '' && groupName !== current.group_name ? groupName : undefined;
  const keys = [tagNamesKey(corpId, groupId), ...(renameTo ? [groupNameKey(corpId, renameTo)] : [])];
  await withKeyLocks(deps.db, keys, async (trx) => {
    const group = await requireGroup(trx, corpId, groupId);
    const rename = renameTo !== undefined && renameTo !== group.group_name ? renameTo : undefined;
    if (rename) await ensureGroupNameFree(trx, corpId, rename, groupId);
    if (tags.length > 0) {
      const existing = new Set((await listCorpTags(trx, corpId, [groupId])).map((t) => t.name));
      const taken = tags.find((t) => existing.has(t.name));
      if (taken) throw new ConflictError(`the group already has a tag named "${taken.name}"`, 'TAG_NAME_TAKEN');
    }
    const api = await openWecom(deps.wecom, corpId);
    if (tags.length > 0) {
      const answer = await callWecom({ what: 'corp tag group', ids: [groupId] }, () =>
        api.call('addCorpTag', { body: { group_id: groupId, tag: tags } }),
      );
      await mirrorAddedTags(trx, corpId, answer.tag_group, actor);
    }
    if (rename !== undefined || input.order !== undefined) {
      await callWecom({ what: 'corp tag group', ids: [groupId] }, () =>
        api.call('editCorpTag', { body: { id: groupId, name: rename, order: input.order } }),
      );
      await updateCorpTagGroup(trx, corpId, groupId, { name: rename, order: input.order }, actor);
    }
  });
  return loadCorpTagGroup(deps.db, corpId, groupId);
}

/** Renames and/or reorders a group. */
export async function updateCorpTagGroupFields(
  deps: CorpTagDeps,
  corpId: string,
  input: { groupId: string; name?: string; order?: number },
  actor: string,
): Promise<CorpTagGroupWithTags> {
  const name = input.name?.trim();
  if (name === undefined && input.order === undefined)
    throw ValidationError.field('name', 'give name and/or order', 'rule.nameOrOrder');
  await requireGroup(deps.db, corpId, input.groupId);
  await withKeyLocks(deps.db, name !== undefined ? [groupNameKey(corpId, name)] : [], async (trx) => {
    if (name !== undefined) await ensureGroupNameFree(trx, corpId, name, input.groupId);
    const api = await openWecom(deps.wecom, corpId);
    await callWecom({ what: 'corp tag group', ids: [input.groupId] }, () =>
      api.call('editCorpTag', { body: { id: input.groupId, name, order: input.order } }),
    );
    await updateCorpTagGroup(trx, corpId, input.groupId, { name, order: input.order }, actor);
  });
  return loadCorpTagGroup(deps.db, corpId, input.groupId);
}

/** Renames and/or reorders a tag. */
export async function updateCorpTagFields(
  deps: CorpTagDeps,
  corpId: string,
  input: { tagId: string; name?: string; order?: number },
  actor: string,
): Promise<CorpTagRow> {
  const name = input.name?.trim();
  if (name === undefined && input.order === undefined)
    throw ValidationError.field('name', 'give name and/or order', 'rule.nameOrOrder');
  const [tag] = await findCorpTags(deps.db, corpId, [input.tagId]);
  if (!tag) throw new NotFoundError('corp tag', input.tagId, 'TAG_NOT_FOUND');
  await withKeyLocks(deps.db, name !== undefined ? [tagNamesKey(corpId, tag.group_id)] : [], async (trx) => {
    if (name !== undefined) {
      const siblings = await listCorpTags(trx, corpId, [tag.group_id]);
      if (siblings.some((t) => t.name === name && t.tag_id !== tag.tag_id)) {
        throw new ConflictError(`the group already has a tag named "${name}"`, 'TAG_NAME_TAKEN');
      }
    }
    const api = await openWecom(deps.wecom, corpId);
    await callWecom({ what: 'corp tag', ids: [input.tagId] }, () =>
      api.call('editCorpTag', { body: { id: input.tagId, name, order: input.order } }),
    );
    await updateCorpTag(trx, corpId, input.tagId, { name, order: input.order }, actor);
  });
  const [updated] = await findCorpTags(deps.db, corpId, [input.tagId]);
  if (!updated) throw new NotFoundError('corp tag', input.tagId, 'TAG_NOT_FOUND');
  return updated;
}

/** Deletes tags; their customers lose them, and a group left without tags goes too (as in WeCom). */
export async function deleteCorpTags(
  deps: CorpTagDeps,
  corpId: string,
  tagIds: string[],
  actor: string,
): Promise<DeletedCorpTags> {
  const found = await findCorpTags(deps.db, corpId, tagIds);
  const known = new Set(found.map((t) => t.tag_id));
  const missing = tagIds.filter((id) => !known.has(id));
  if (missing.length > 0) throw new NotFoundError('corp tag', missing.join(', '), 'TAG_NOT_FOUND');
  const api = await openWecom(deps.wecom, corpId);
  await callWecom({ what: 'corp tag', ids: tagIds }, () => api.call('delCorpTag', { body: { tag_id: tagIds } }));
  return deps.db.transaction(async (trx) => {
    const now = new Date();
    const deletedTagIds = await markCorpTagsDeleted(trx, corpId, tagIds, now, actor);
    const touchedGroups = [...new Set(found.map((t) => t.group_id))];
    const emptyGroups = await findEmptyCorpTagGroups(trx, corpId, touchedGroups);
    const deletedGroups = await markCorpTagGroupsDeleted(trx, corpId, emptyGroups, now, actor);
    return { deletedTagIds, deletedGroupIds: deletedGroups.groupIds };
  });
}

/** Deletes groups with all their tags; customers lose those tags. */
export async function deleteCorpTagGroups(
  deps: CorpTagDeps,
  corpId: string,
  groupIds: string[],
  actor: string,
): Promise<DeletedCorpTags> {
  const found = await findCorpTagGroups(deps.db, corpId, groupIds);
  const known = new Set(found.map((g) => g.group_id));
  const missing = groupIds.filter((id) => !known.has(id));
  if (missing.length > 0) throw new NotFoundError('corp tag group', missing.join(', '), 'TAG_GROUP_NOT_FOUND');
  const api = await openWecom(deps.wecom, corpId);
  await callWecom({ what: 'corp tag group', ids: groupIds }, () =>
    api.call('delCorpTag', { body: { group_id: groupIds } }),
  );
  return deps.db.transaction(async (trx) => {
    const deleted = await markCorpTagGroupsDeleted(trx, corpId, groupIds, new Date(), actor);
    return { deletedTagIds: deleted.tagIds, deletedGroupIds: deleted.groupIds };
  });
}
