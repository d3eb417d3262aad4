import { Type } from '@sinclair/typebox';
import { listSelfTagGroups, listSelfTags } from '../../../db/queries/self-tags';
import {
  deleteSelfTagGroups,
  deleteSelfTags,
  listSelfTagsGrouped,
  loadSelfTagGroup,
  saveSelfTagGroup,
  updateSelfTagFields,
  updateSelfTagGroupFields,
} from '../../../domain/tags/self-tags';
import type { AppDeps } from '../../app';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { corpOf } from '../corp';
import {
  DeletedSelfTagsView,
  NewSelfTag,
  presentSelfTag,
  presentSelfTagGroup,
  presentSelfTagGroupWithTags,
  SelfTagGroupView,
  SelfTagGroupWithTagsView,
  SelfTagName,
  SelfTagOrder,
  SelfTagView,
} from './schemas';

const TAG = 'self-built tags';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';
const IdList = Type.Array(IdString, { minItems: 1, maxItems: 100, uniqueItems: true });

export function selfTagRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/admin/selfTag/listAll',
      seedOp: 'selfTag.listAll',
      operationId: 'listSelfTags',
      summary: 'List every self-built tag (kept in the SCRM only, never sent to WeCom)',
      tag: TAG,
      auth: 'admin',
      permission: 'selfTag:listAll',
      response: Type.Array(SelfTagView),
      handle: async (_input, ctx) => (await listSelfTags(deps.db, corpOf(ctx, deps))).map(presentSelfTag),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/selfTag/groupedAll',
      seedOp: 'selfTag.groupedAll',
      operationId: 'listSelfTagsGrouped',
      summary: 'Every self-built tag group with its tags (larger order first)',
      tag: TAG,
      auth: 'admin',
      permission: 'selfTag:groupedAll',
      response: Type.Array(SelfTagGroupWithTagsView),
      handle: async (_input, ctx) =>
        (await listSelfTagsGrouped(deps.db, corpOf(ctx, deps))).map(presentSelfTagGroupWithTags),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/selfTag/byGroup',
      seedOp: 'selfTag.byGroup',
      operationId: 'listSelfTagsOfGroup',
      errors: [404],
      summary: 'The tags of one self-built tag group (404 for an unknown group)',
      tag: TAG,
      auth: 'admin',
      permission: 'selfTag:byGroup',
      query: Type.Object({ groupId: IdString }),
      response: Type.Array(SelfTagView),
      handle: async ({ query }, ctx) =>
        (await loadSelfTagGroup(deps.db, corpOf(ctx, deps), query.groupId)).tags.map(presentSelfTag),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/selfTag/updateTag',
      seedOp: 'selfTag.updateTag',
      operationId: 'updateSelfTag',
      errors: [404, 409],
      summary: 'Rename or reorder a self-built tag (409 when the group already has the name)',
      description: 'Give name and/or order.',
      tag: TAG,
      auth: 'admin',
      permission: 'selfTag:updateTag',
      body: Type.Object(
        { tagId: IdString, name: Type.Optional(SelfTagName), order: Type.Optional(SelfTagOrder) },
        { additionalProperties: false },
      ),
      response: SelfTagView,
      handle: async ({ body }, ctx) =>
        presentSelfTag(await updateSelfTagFields(deps.db, corpOf(ctx, deps), body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/selfTag/deleteTag',
      seedOp: 'selfTag.deleteTag',
      operationId: 'deleteSelfTags',
      errors: [404, 409],
      summary: 'Delete self-built tags; customers lose them and a group left without tags is deleted too',
      tag: TAG,
      auth: 'admin',
      permission: 'selfTag:deleteTag',
      body: Type.Object({ tagIds: IdList }, { additionalProperties: false }),
      response: DeletedSelfTagsView,
      handle: async ({ body }, ctx) => deleteSelfTags(deps.db, corpOf(ctx, deps), body.tagIds, actorOf(ctx)),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/selfTag/groupsAll',
      seedOp: 'selfTag.groupsAll',
      operationId: 'listSelfTagGroups',
      summary: 'List every self-built tag group (larger order first)',
      tag: TAG,
      auth: 'admin',
      permission: 'selfTag:groupsAll',
      response: Type.Array(SelfTagGroupView),
      handle: async (_input, ctx) => (await listSelfTagGroups(deps.db, corpOf(ctx, deps))).map(presentSelfTagGroup),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/selfTag/saveGroup',
      seedOp: 'selfTag.saveGroup',
      operationId: 'saveSelfTagGroup',
      errors: [404, 409],
      summary: 'Add a self-built tag group with its tags, or rename/reorder a group and add tags to it',
      description:
        'Without groupId a group is created; it needs groupName and at least one tag (an empty group is refused ' +
        'with 400). Group names are unique in the corp and tag names in their group (409 otherwise).',
      tag: TAG,
      auth: 'admin',
      permission: 'selfTag:saveGroup',
      body: Type.Object(
        {
          groupId: Type.Optional(IdString),
          groupName: Type.Optional(SelfTagName),
          order: Type.Optional(SelfTagOrder),
          tags: Type.Optional(Type.Array(NewSelfTag, { maxItems: 100 })),
        },
        { additionalProperties: false },
      ),
      response: SelfTagGroupWithTagsView,
      handle: async ({ body }, ctx) =>
        presentSelfTagGroupWithTags(await saveSelfTagGroup(deps.db, corpOf(ctx, deps), body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/selfTag/updateGroup',
      seedOp: 'selfTag.updateGroup',
      operationId: 'updateSelfTagGroup',
      errors: [404, 409],
      summary: 'Rename or reorder a self-built tag group (409 when the name is taken)',
      description: 'Give name and/or order.',
      tag: TAG,
      auth: 'admin',
      permission: 'selfTag:updateGroup',
      body: Type.Object(
        { groupId: IdString, name: Type.Optional(SelfTagName), order: Type.Optional(SelfTagOrder) },
        { additionalProperties: false },
      ),
      response: SelfTagGroupWithTagsView,
      handle: async ({ body }, ctx) =>
        presentSelfTagGroupWithTags(await updateSelfTagGroupFields(deps.db, corpOf(ctx, deps), body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/selfTag/deleteGroup',
      seedOp: 'selfTag.deleteGroup',
      operationId: 'deleteSelfTagGroups',
      errors: [404, 409],
      summary: 'Delete self-built tag groups with all their tags; customers lose those tags',
      tag: TAG,
      auth: 'admin',
      permission: 'selfTag:deleteGroup',
      body: Type.Object({ groupIds: IdList }, { additionalProperties: false }),
      response: DeletedSelfTagsView,
      handle: async ({ body }, ctx) => deleteSelfTagGroups(deps.db, corpOf(ctx, deps), body.groupIds, actorOf(ctx)),
    }),
  ];
}
