import { Type } from '@sinclair/typebox';
import {
  addSystemTags,
  querySystemTags,
  removeSystemTags,
  replaceSystemTags,
  targetsOf,
} from '../../../domain/tags/clue-system-tags';
import type { AppDeps } from '../../app';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { OneRecord, oneRecordOf } from '../one-record';
import { corpViewerOf } from '../viewer';
import { presentSystemTagOn, SystemTagChangesView, SystemTagOnView, TagIds, TargetLists } from './schemas';

const TAG = 'clue and customer system tags';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';
const SCOPE =
  'Clues and customers must be in the caller’s corp and data scope (404 naming the others); tag ids must be live ' +
  'self-built tags of the corp (one 400 naming the unknown ones). Nothing is stored unless everything is valid. ' +
  'Each change is recorded in a clue’s timeline (system_tags_added / system_tags_removed: who, which tags, and ' +
  'where they sit): the clue’s own, or that of the clue a customer is linked to.';
const targetLists = (body: { clueIds?: string[]; customerIds?: string[] }) => ({
  clueIds: body.clueIds ?? [],
  customerIds: body.customerIds ?? [],
});

/**
 * System tags (the corp's self-built tags) on clues and WeCom customers. A clue's tags and those of
 * the customers linked to it show on both: clueTag/query answers each tag with where it sits.
 */
export function clueTagRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/clueTag/query',
      seedOp: 'clueTag.query',
      operationId: 'queryClueSystemTags',
      errors: [404],
      summary: 'The system tags of a clue or a customer, with those of the records linked to it',
      description:
        'Give exactly one of clueId and customerId. For a clue: its own tags (place clue) and those of the WeCom ' +
        'customers linked to it (place customer); for a customer: its own and those of its linked clue. A tag on ' +
        'both appears once per place. Linked records outside the caller’s data scope add nothing. Optional filters: ' +
        'tagIds, groupId.',
      tag: TAG,
      auth: 'admin',
      permission: 'clueTag:query',
      body: Type.Object(
        { ...OneRecord, tagIds: Type.Optional(TagIds(1)), groupId: Type.Optional(IdString) },
        { additionalProperties: false },
      ),
      response: Type.Object({ list: Type.Array(SystemTagOnView) }),
      handle: async ({ body }, ctx) => {
        const rows = await querySystemTags(deps.db, corpViewerOf(ctx, deps), oneRecordOf(body), {
          tagIds: body.tagIds,
          groupId: body.groupId,
        });
        return { list: rows.map(presentSystemTagOn) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/clueTag/batchAdd',
      seedOp: 'clueTag.batchAdd',
      operationId: 'batchAddClueSystemTags',
      errors: [404],
      summary: 'Put system tags on many clues and/or customers at once (idempotent)',
      description: `${SCOPE} Tags a target already carries stay as they are: adding twice is adding once. Answers, per target, the tags this call added.`,
      tag: TAG,
      auth: 'admin',
      permission: 'clueTag:batchAdd',
      body: Type.Object({ ...TargetLists, tagIds: TagIds(1) }, { additionalProperties: false }),
      response: SystemTagChangesView,
      handle: async ({ body }, ctx) =>
        addSystemTags(deps.db, corpViewerOf(ctx, deps), targetLists(body), body.tagIds, actorOf(ctx)),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/clueTag/delete',
      seedOp: 'clueTag.delete',
      operationId: 'deleteClueSystemTag',
      errors: [404],
      summary: 'Take one system tag off one clue or customer',
      description: `Give exactly one of clueId and customerId. ${SCOPE} Removing a tag the target does not carry changes nothing (removed false).`,
      tag: TAG,
      auth: 'admin',
      permission: 'clueTag:delete',
      body: Type.Object({ ...OneRecord, tagId: IdString }, { additionalProperties: false }),
      response: Type.Object({ removed: Type.Boolean({ description: 'the target carried the tag until now' }) }),
      handle: async ({ body }, ctx) => {
        const changes = await removeSystemTags(
          deps.db,
          corpViewerOf(ctx, deps),
          targetsOf(oneRecordOf(body)),
          [body.tagId],
          actorOf(ctx),
        );
        const removed = [...changes.clues, ...changes.customers].some((t) => t.tagIds.length > 0);
        return { removed };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/clueTag/batchDelete',
      seedOp: 'clueTag.delete2',
      operationId: 'batchDeleteClueSystemTags',
      errors: [404],
      summary: 'Take system tags off many clues and/or customers at once',
      description: `${SCOPE} A tag a target does not carry is skipped. Answers, per target, the tags this call took off.`,
      tag: TAG,
      auth: 'admin',
      permission: 'clueTag:delete2',
      body: Type.Object({ ...TargetLists, tagIds: TagIds(1) }, { additionalProperties: false }),
      response: SystemTagChangesView,
      handle: async ({ body }, ctx) =>
        removeSystemTags(deps.db, corpViewerOf(ctx, deps), targetLists(body), body.tagIds, actorOf(ctx)),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/clue/updateSystemTags',
      seedOp: 'clueDetail.updateSystemTags',
      operationId: 'updateClueSystemTags',
      errors: [404],
      summary: 'Replace the system tags of a clue or of a WeCom customer',
      description: `Give exactly one of clueId and customerId; afterwards it carries exactly tagIds (an empty list takes every system tag off). Only the target’s own tags change, not those of linked records. ${SCOPE} Answers what was added and removed, and the target’s tags as clueTag/query shows them.`,
      tag: TAG,
      auth: 'admin',
      permission: 'clueDetail:updateSystemTags',
      body: Type.Object({ ...OneRecord, tagIds: TagIds(0) }, { additionalProperties: false }),
      response: Type.Object({
        added: Type.Array(Type.String()),
        removed: Type.Array(Type.String()),
        list: Type.Array(SystemTagOnView),
      }),
      handle: async ({ body }, ctx) => {
        const viewer = corpViewerOf(ctx, deps);
        const target = oneRecordOf(body);
        const change = await replaceSystemTags(deps.db, viewer, target, body.tagIds, actorOf(ctx));
        const rows = await querySystemTags(deps.db, viewer, target, {});
        return { ...change, list: rows.map(presentSystemTagOn) };
      },
    }),
  ];
}
