import { Type } from '@sinclair/typebox';
import { portraitTags } from '../../../domain/tags/portrait-tags';
import { updateCustomerCorpTags } from '../../../domain/tags/update-corp-tags';
import { readTimeline } from '../../../domain/timeline/timeline';
import type { AppDeps } from '../../app';
import { PageOf, PagingFields } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { StringEnum } from '../../validation';
import { OneRecord, oneRecordOf } from '../one-record';
import { corpViewerOf } from '../viewer';
import { PortraitTagsView, presentPortraitTags, presentTimelineEntry, TimelineEntryView } from './schemas';

const TAG = 'clue and customer detail';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';
const ONE_RECORD =
  'Give exactly one of clueId and customerId (wecom_customer id). A clue shows with the WeCom customers linked to ' +
  'it, a customer with its linked clue; the asked-for record outside the caller’s data scope is 404, a linked one ' +
  'outside it is left out.';

/** The customer detail page's views: timeline (客户动态), portrait tags, and corp tags edited in place. */
export function clueDetailRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/admin/clue/timeline',
      operationId: 'clueTimeline',
      seedOp: 'clueDetail.timeline',
      errors: [404],
      summary: 'Everything that happened to a clue or customer, as one ordered, paged stream',
      description:
        `${ONE_RECORD} Entries: intake and each repeat, import, duplicates, waiting, assignments and recycles, ` +
        'follow-ups, edits, contact changes, links to customers, system and corp tag changes (who, which), WeCom ' +
        'adds, ends and remark edits, acquisition channel and welcome message, group joins and leaves, transfers ' +
        '(each outcome) and merges. Each has its time, its actor (actorType admin, partner, employee, customer or ' +
        'system, and the name to show) and a Chinese text. A survivor’s timeline includes the clues merged into it, ' +
        'their entries marked 原线索 #id. order: desc (newest first, the default) or asc.',
      tag: TAG,
      auth: 'admin',
      permission: 'clueDetail:timeline',
      query: Type.Object({
        ...OneRecord,
        ...PagingFields,
        order: Type.Optional(StringEnum(['asc', 'desc'] as const, 'newest first (desc, default) or oldest first')),
      }),
      response: PageOf(TimelineEntryView),
      handle: async ({ query }, ctx) => {
        const page = await readTimeline(deps.db, corpViewerOf(ctx, deps), oneRecordOf(query), {
          pageNum: query.pageNum,
          pageSize: query.pageSize,
          order: query.order ?? 'desc',
        });
        return {
          list: page.list.map(presentTimelineEntry),
          total: page.total,
          pageNum: query.pageNum,
          pageSize: query.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/clue/portraitTags',
      operationId: 'cluePortraitTags',
      seedOp: 'clueDetail.portraitTags',
      errors: [404],
      summary: 'The customer portrait: corp tags and system tags by group, with who applied each and when',
      description:
        `${ONE_RECORD} corpTags: the customers’ WeCom corp tags, each with the relations (employees) carrying ` +
        'it; systemTags: the self-built tags of the clue and its customers, each with where it sits. Groups and ' +
        'tags in WeCom’s order for corp tags.',
      tag: TAG,
      auth: 'admin',
      permission: 'clueDetail:portraitTags',
      query: Type.Object(OneRecord),
      response: PortraitTagsView,
      handle: async ({ query }, ctx) =>
        presentPortraitTags(await portraitTags(deps.db, corpViewerOf(ctx, deps), oneRecordOf(query))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/clue/updateCorpTags',
      operationId: 'updateCustomerCorpTags',
      seedOp: 'clueDetail.updateCorpTags',
      errors: [404],
      summary: 'Set a WeCom customer’s corp tags (by external userid), in WeCom and in the mirror',
      description:
        'The relation with userid — or, without it, every live relation of the customer in the caller’s data scope — ' +
        'carries exactly tagIds afterwards. Each relation whose tags differ gets one mark_tag with the difference; ' +
        'the mirror changes once WeCom accepted, and the timeline records who changed which tags. Unknown tags: one ' +
        '400 before anything is called. A WeCom refusal stops at that relation (those before it are changed).',
      tag: TAG,
      auth: 'admin',
      permission: 'clueDetail:updateCorpTags',
      body: Type.Object(
        {
          externalUserid: Type.String({ minLength: 1, maxLength: 64 }),
          userid: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          tagIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
            maxItems: 100,
            uniqueItems: true,
            description: 'WeCom corp tag ids (tag_id)',
          }),
        },
        { additionalProperties: false },
      ),
      response: Type.Object({
        relations: Type.Array(
          Type.Object({
            userid: Type.String(),
            added: Type.Array(Type.String()),
            removed: Type.Array(Type.String()),
            tagIds: Type.Array(Type.String()),
          }),
        ),
      }),
      handle: async ({ body }, ctx) => ({
        relations: await updateCustomerCorpTags(deps, corpViewerOf(ctx, deps), body, actorOf(ctx)),
      }),
    }),
  ];
}
