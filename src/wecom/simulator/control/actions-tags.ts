import type Router from '@koa/router';
import { Type } from '@sinclair/typebox';
import type { EventFields } from '../callbacks';
import { createTags, deleteTagsAndGroups, editTagOrGroup } from '../handlers/tags';
import type { CorpRegistry } from '../runtime';
import { ActionOptions, defineAction } from './emit';
import { ControlError, notFound } from './http';

const Opt = Type.Optional;

const CreateBody = Type.Object({
  ...ActionOptions,
  groupId: Opt(Type.String()),
  groupName: Opt(Type.String({ minLength: 1, maxLength: 30 })),
  groupOrder: Opt(Type.Integer({ minimum: 0 })),
  tags: Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 30 }), order: Opt(Type.Integer()) }), {
    minItems: 1,
  }),
});

const UpdateBody = Type.Object({
  ...ActionOptions,
  id: Type.String({ minLength: 1 }),
  name: Opt(Type.String({ minLength: 1, maxLength: 30 })),
  order: Opt(Type.Integer({ minimum: 0 })),
});

const DeleteBody = Type.Object({
  ...ActionOptions,
  tagIds: Opt(Type.Array(Type.String())),
  groupIds: Opt(Type.Array(Type.String())),
});

const ShuffleBody = Type.Object({
  ...ActionOptions,
  /** Reorder the tags of this group; absent: reorder every group and the groups themselves. */
  groupId: Opt(Type.String()),
});

function tagEvent(changeType: string, id: string, tagType: 'tag' | 'tag_group'): EventFields {
  return { Event: 'change_external_tag', Id: id, TagType: tagType, ChangeType: changeType };
}

/** Tag edits made in the WeCom admin console: they change the state and push change_external_tag. */
export function registerTagActions(router: Router, registry: CorpRegistry): void {
  defineAction(router, registry, 'tags-created', CreateBody, ({ corp }, body) => {
    if (body.groupId === undefined && body.groupName === undefined) {
      throw new ControlError(400, 'INVALID_BODY', 'groupId or groupName is required');
    }
    const { group, created, groupCreated } = createTags(corp, body);
    // A new group arrives as one tag_group event; tags added to an existing group as one event each.
    const events = groupCreated
      ? [tagEvent('create', group.id, 'tag_group')]
      : created.map((tag) => tagEvent('create', tag.id, 'tag'));
    return {
      done: { groupId: group.id, groupCreated, tags: created.map((t) => ({ id: t.id, name: t.name })) },
      events,
    };
  });

  defineAction(router, registry, 'tag-updated', UpdateBody, ({ corp }, body) => {
    const kind = editTagOrGroup(corp, body.id, body.name, body.order);
    return { done: { id: body.id, tagType: kind }, events: [tagEvent('update', body.id, kind)] };
  });

  defineAction(router, registry, 'tags-deleted', DeleteBody, ({ corp }, body) => {
    const tagIds = body.tagIds ?? [];
    const groupIds = body.groupIds ?? [];
    if (tagIds.length + groupIds.length === 0)
      throw new ControlError(400, 'INVALID_BODY', 'tagIds or groupIds required');
    const { deletedTags, deletedGroups } = deleteTagsAndGroups(corp, tagIds, groupIds);
    const goneGroups = new Set(deletedGroups.map((g) => g.id));
    const events = [
      ...deletedTags.filter((t) => !goneGroups.has(t.groupId)).map((t) => tagEvent('delete', t.id, 'tag')),
      ...deletedGroups.map((g) => tagEvent('delete', g.id, 'tag_group')),
    ];
    return {
      done: { deletedTags: deletedTags.map((t) => t.id), deletedGroups: [...goneGroups] },
      events,
    };
  });

  defineAction(router, registry, 'tags-shuffled', ShuffleBody, ({ corp }, body) => {
    const groups = corp.tagGroups.filter((g) => !g.deleted && (body.groupId === undefined || g.id === body.groupId));
    if (body.groupId !== undefined && groups.length === 0) throw notFound(`tag group ${body.groupId}`);
    for (const group of groups) {
      const tags = group.tags.filter((t) => !t.deleted);
      const orders = corp.rng.shuffle(tags.map((_, i) => i + 1));
      tags.forEach((tag, i) => (tag.order = orders[i] as number));
    }
    if (body.groupId === undefined) {
      const orders = corp.rng.shuffle(groups.map((_, i) => i + 1));
      groups.forEach((group, i) => (group.order = orders[i] as number));
    }
    return {
      done: { groupId: body.groupId ?? null },
      events: [{ Event: 'change_external_tag', Id: body.groupId ?? '', ChangeType: 'shuffle' }],
    };
  });
}
