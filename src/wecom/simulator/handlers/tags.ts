import { WecomError } from '../errors';
import { presentLiveTagGroup, presentTagGroup } from '../present';
import type { SimCorp, SimTag, SimTagGroup } from '../state';
import { requireRelation } from './contacts';
import type { HandlerTable } from './types';

export const MAX_CORP_TAGS = 3000;

export interface CreateTagsInput {
  groupId?: string;
  groupName?: string;
  groupOrder?: number;
  tags: ReadonlyArray<{ name: string; order?: number }>;
}

/** add_corp_tag semantics (shared with the console action): a known group_name adds to that group. */
export function createTags(corp: SimCorp, input: CreateTagsInput) {
  let group: SimTagGroup | undefined;
  if (input.groupId !== undefined && input.groupId !== '') {
    group = corp.tagGroupById.get(input.groupId);
    if (!group || group.deleted) throw new WecomError(40068);
  } else if (input.groupName !== undefined && input.groupName !== '') {
    group = corp.tagGroups.find((g) => !g.deleted && g.name === input.groupName);
  } else {
    throw new WecomError(40058, 'group_id or group_name is required');
  }
  const names = input.tags.map((t) => t.name);
  if (new Set(names).size !== names.length) throw new WecomError(40071);
  if (group && group.tags.some((t) => !t.deleted && names.includes(t.name))) throw new WecomError(40071);
  if (corp.liveTagCount() + names.length > MAX_CORP_TAGS) throw new WecomError(40126);
  const groupCreated = group === undefined;
  const target = group ?? corp.addTagGroup(input.groupName as string, input.groupOrder ?? 0);
  const created = input.tags.map((t) => corp.addTag(target, t.name, t.order ?? 0));
  return { group: target, created, groupCreated };
}

/** Renames or reorders a tag or a tag group; reports which kind the id named. */
export function editTagOrGroup(corp: SimCorp, id: string, name?: string, order?: number): 'tag' | 'tag_group' {
  const group = corp.tagGroupById.get(id);
  if (group && !group.deleted) {
    if (name !== undefined && name !== group.name) {
      if (corp.tagGroups.some((g) => !g.deleted && g !== group && g.name === name)) throw new WecomError(40071);
      group.name = name;
    }
    if (order !== undefined) group.order = order;
    return 'tag_group';
  }
  const tag = corp.tagById.get(id);
  if (!tag || tag.deleted) throw new WecomError(40068);
  if (name !== undefined && name !== tag.name) {
    const siblings = corp.tagGroupById.get(tag.groupId)?.tags ?? [];
    if (siblings.some((t) => !t.deleted && t !== tag && t.name === name)) throw new WecomError(40071);
    tag.name = name;
  }
  if (order !== undefined) tag.order = order;
  return 'tag';
}

/** Deletes tags and groups; a group left without tags goes too. All ids are checked before anything changes. */
export function deleteTagsAndGroups(corp: SimCorp, tagIds: readonly string[], groupIds: readonly string[]) {
  const tags = tagIds.map((id) => corp.tagById.get(id));
  const groups = groupIds.map((id) => corp.tagGroupById.get(id));
  if (tags.some((t) => !t || t.deleted) || groups.some((g) => !g || g.deleted)) throw new WecomError(40068);
  const deletedTags: SimTag[] = [];
  const deletedGroups: SimTagGroup[] = [];
  for (const group of groups as SimTagGroup[]) {
    if (group.deleted) continue;
    group.deleted = true;
    deletedGroups.push(group);
    for (const tag of group.tags) {
      if (!tag.deleted) {
        tag.deleted = true;
        deletedTags.push(tag);
      }
    }
  }
  for (const tag of tags as SimTag[]) {
    if (tag.deleted) continue;
    tag.deleted = true;
    deletedTags.push(tag);
    const group = corp.tagGroupById.get(tag.groupId);
    if (group && !group.deleted && group.tags.every((t) => t.deleted)) {
      group.deleted = true;
      deletedGroups.push(group);
    }
  }
  return { deletedTags, deletedGroups };
}

export const tagHandlers = {
  getCorpTagList: ({ corp }, { body }) => {
    const groupIds = body.group_id ?? [];
    const tagIds = body.tag_id ?? [];
    if (groupIds.length > 0) {
      // Filtering by group wins over tag_id; deleted objects are reported with `deleted: true`.
      const tag_group = [...new Set(groupIds)]
        .map((id) => corp.tagGroupById.get(id))
        .filter((g): g is SimTagGroup => g !== undefined)
        .map((g) => presentTagGroup(g, g.tags, true));
      return { tag_group };
    }
    if (tagIds.length > 0) {
      const wanted = new Set(tagIds);
      const tag_group = corp.tagGroups
        .map((g) => ({ g, tags: g.tags.filter((t) => wanted.has(t.id)) }))
        .filter(({ tags }) => tags.length > 0)
        .map(({ g, tags }) => presentTagGroup(g, tags, true));
      return { tag_group };
    }
    const tag_group = corp.tagGroups.filter((g) => !g.deleted).map(presentLiveTagGroup);
    return { tag_group };
  },

  addCorpTag: ({ corp }, { body }) => {
    const { group, created } = createTags(corp, {
      groupId: body.group_id,
      groupName: body.group_name,
      groupOrder: body.order,
      tags: body.tag,
    });
    return { tag_group: presentTagGroup(group, created, false) };
  },

  editCorpTag: ({ corp }, { body }) => {
    editTagOrGroup(corp, body.id, body.name, body.order);
    return {};
  },

  delCorpTag: ({ corp }, { body }) => {
    const tagIds = body.tag_id ?? [];
    const groupIds = body.group_id ?? [];
    if (tagIds.length === 0 && groupIds.length === 0) throw new WecomError(40068, 'tag_id and group_id are both empty');
    deleteTagsAndGroups(corp, tagIds, groupIds);
    return {};
  },

  markTag: ({ corp }, { body }) => {
    const relation = requireRelation(corp, body.userid, body.external_userid);
    const add = body.add_tag ?? [];
    const remove = body.remove_tag ?? [];
    if (add.length === 0 && remove.length === 0) throw new WecomError(40058, 'add_tag and remove_tag are both empty');
    for (const id of [...add, ...remove]) {
      const tag = corp.tagById.get(id);
      if (!tag || tag.deleted) throw new WecomError(40068);
    }
    const removed = new Set(remove);
    const next = relation.tagIds.filter((id) => !removed.has(id));
    for (const id of add) if (!next.includes(id) && !removed.has(id)) next.push(id);
    relation.tagIds = next;
    return {};
  },
} satisfies Partial<HandlerTable>;
