import { Type } from '@sinclair/typebox';
import { listCorpTagGroups, listCorpTags } from '../../../db/queries/corp-tags';
import {
  deleteCorpTagGroups,
  deleteCorpTags,
  listCorpTagsGrouped,
  listCorpTagsOfGroup,
  saveCorpTagGroup,
  updateCorpTagFields,
  updateCorpTagGroupFields,
} from '../../../domain/tags/corp-tags';
import { startWecomSync } from '../../../domain/wecom-org/sync';
import type { AppDeps } from '../../app';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { corpOf } from '../corp';
import { SyncStartedView } from '../syncs/schemas';
import {
  CorpTagGroupView,
  CorpTagGroupWithTagsView,
  CorpTagName,
  CorpTagView,
  DeletedView,
  NewCorpTag,
  presentCorpTag,
  presentCorpTagGroup,
  presentCorpTagGroupWithTags,
  TagOrder,
  WecomId,
} from './schemas';

const TAG = 'corp tags';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';
const IdList = Type.Array(WecomId, { minItems: 1, maxItems: 100, uniqueItems: true });

export function corpTagRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/admin/corpTag/listAll',
      seedOp: 'corpTag.listAll',
      operationId: 'listCorpTags',
      summary: 'List every live corp tag (WeCom enterprise customer tag) of the corp',
      tag: TAG,
      auth: 'admin',
      permission: 'corpTag:listAll',
      response: Type.Array(CorpTagView),
      handle: async (_input, ctx) => (await listCorpTags(deps.db, corpOf(ctx, deps))).map(presentCorpTag),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/corpTag/groupedAll',
      seedOp: 'corpTag.groupedAll',
      operationId: 'listCorpTagsGrouped',
      summary: 'Every corp tag group with its tags, in WeCom order (larger order first)',
      tag: TAG,
      auth: 'admin',
      permission: 'corpTag:groupedAll',
      response: Type.Array(CorpTagGroupWithTagsView),
      handle: async (_input, ctx) =>
        (await listCorpTagsGrouped(deps.db, corpOf(ctx, deps))).map(presentCorpTagGroupWithTags),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/corpTag/groupsAll',
      seedOp: 'corpTag.groupsAll',
      operationId: 'listCorpTagGroups',
      summary: 'List every corp tag group, in WeCom order',
      tag: TAG,
      auth: 'admin',
      permission: 'corpTag:groupsAll',
      response: Type.Array(CorpTagGroupView),
      handle: async (_input, ctx) => (await listCorpTagGroups(deps.db, corpOf(ctx, deps))).map(presentCorpTagGroup),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/corpTag/byGroup',
      seedOp: 'corpTag.byGroup',
      operationId: 'listCorpTagsOfGroup',
      errors: [404],
      summary: 'The tags of one corp tag group (404 for an unknown group)',
      tag: TAG,
      auth: 'admin',
      permission: 'corpTag:byGroup',
      query: Type.Object({ groupId: WecomId }),
      response: Type.Array(CorpTagView),
      handle: async ({ query }, ctx) =>
        (await listCorpTagsOfGroup(deps.db, corpOf(ctx, deps), query.groupId)).map(presentCorpTag),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/corpTag/updateTag',
      seedOp: 'corpTag.updateTag',
      operationId: 'updateCorpTag',
      errors: [404, 409, 429, 503],
      summary: 'Rename or reorder a corp tag in WeCom (edit_corp_tag), then in the mirror',
      tag: TAG,
      auth: 'admin',
      permission: 'corpTag:updateTag',
      body: Type.Object(
        { tagId: WecomId, name: Type.Optional(CorpTagName), order: Type.Optional(TagOrder) },
        { additionalProperties: false },
      ),
      response: CorpTagView,
      handle: async ({ body }, ctx) =>
        presentCorpTag(await updateCorpTagFields(deps, corpOf(ctx, deps), body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/corpTag/deleteTag',
      seedOp: 'corpTag.deleteTag',
      operationId: 'deleteCorpTags',
      errors: [404, 409, 429, 503],
      summary: 'Delete corp tags in WeCom (del_corp_tag), then in the mirror',
      description:
        'Customers lose the deleted tags; a group left without tags is deleted too, as WeCom does. ' +
        'Every id must be a live tag of the corp (404 names the unknown ones).',
      tag: TAG,
      auth: 'admin',
      permission: 'corpTag:deleteTag',
      body: Type.Object({ tagIds: IdList }, { additionalProperties: false }),
      response: DeletedView,
      handle: async ({ body }, ctx) => deleteCorpTags(deps, corpOf(ctx, deps), body.tagIds, actorOf(ctx)),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/corpTag/saveGroup',
      seedOp: 'corpTag.saveGroup',
      operationId: 'saveCorpTagGroup',
      errors: [404, 409, 429, 503],
      summary: 'Add a corp tag group with its tags, or rename/reorder a group and add tags to it (pushed to WeCom)',
      description:
        'Without groupId a new group is created with add_corp_tag; it needs groupName and at least one tag ' +
        '(an empty group is refused with 400). With groupId the group is renamed/reordered (edit_corp_tag) and ' +
        'the given tags are added to it.',
      tag: TAG,
      auth: 'admin',
      permission: 'corpTag:saveGroup',
      body: Type.Object(
        {
          groupId: Type.Optional(WecomId),
          groupName: Type.Optional(CorpTagName),
          order: Type.Optional(TagOrder),
          tags: Type.Optional(Type.Array(NewCorpTag, { maxItems: 100 })),
        },
        { additionalProperties: false },
      ),
      response: CorpTagGroupWithTagsView,
      handle: async ({ body }, ctx) =>
        presentCorpTagGroupWithTags(await saveCorpTagGroup(deps, corpOf(ctx, deps), body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/corpTag/updateGroup',
      seedOp: 'corpTag.updateGroup',
      operationId: 'updateCorpTagGroup',
      errors: [404, 409, 429, 503],
      summary: 'Rename or reorder a corp tag group in WeCom (edit_corp_tag), then in the mirror',
      tag: TAG,
      auth: 'admin',
      permission: 'corpTag:updateGroup',
      body: Type.Object(
        { groupId: WecomId, name: Type.Optional(CorpTagName), order: Type.Optional(TagOrder) },
        { additionalProperties: false },
      ),
      response: CorpTagGroupWithTagsView,
      handle: async ({ body }, ctx) =>
        presentCorpTagGroupWithTags(await updateCorpTagGroupFields(deps, corpOf(ctx, deps), body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/corpTag/deleteGroup',
      seedOp: 'corpTag.deleteGroup',
      operationId: 'deleteCorpTagGroups',
      errors: [404, 409, 429, 503],
      summary: 'Delete corp tag groups with all their tags in WeCom (del_corp_tag), then in the mirror',
      tag: TAG,
      auth: 'admin',
      permission: 'corpTag:deleteGroup',
      body: Type.Object({ groupIds: IdList }, { additionalProperties: false }),
      response: DeletedView,
      handle: async ({ body }, ctx) => deleteCorpTagGroups(deps, corpOf(ctx, deps), body.groupIds, actorOf(ctx)),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/corpTag/sync',
      seedOp: 'corpTag.sync',
      operationId: 'syncCorpTags',
      errors: [409, 503],
      summary: 'Start a full sync of the corp tags from WeCom (a workflow); answers its workflow id',
      description: 'A second request while a sync runs joins the running one.',
      tag: TAG,
      auth: 'admin',
      permission: 'corpTag:sync',
      response: SyncStartedView,
      handle: async (_input, ctx) => startWecomSync(deps.wecomSync, corpOf(ctx, deps), 'corpTags', actorOf(ctx)),
    }),
  ];
}
