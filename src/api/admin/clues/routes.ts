import { Type } from '@sinclair/typebox';
import { findCustomerInScope } from '../../../db/queries/wecom-customers';
import { CHINA_TIME_ZONE } from '../../../domain/china-time';
import { linkClueAndCustomer } from '../../../domain/customers/clue-link';
import { assignCluesManually } from '../../../domain/clues/assign-manually';
import { createClueByHand } from '../../../domain/clues/create-clue';
import { clueListStats, getClueDetail, pageClues } from '../../../domain/clues/clue-queries';
import { updateClueAndFollowUp } from '../../../domain/clues/follow-up';
import { NotFoundError, ValidationError } from '../../../domain/errors';
import { clueDistributionWorkflowId } from '../../../temporal/names';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString, StringEnum, WecomUserid as wecomUserid } from '../../validation';
import { CollectClueBody } from '../../open/clues/collect-schema';
import { corpOf } from '../corp';
import { oneRecordOf } from '../one-record';
import { corpViewerOf, viewerOf } from '../viewer';
import { ClueDetailView, ClueView, presentClue, presentClueDetail } from './schemas';

const STATUSES = ['pending', 'waiting', 'assigned', 'followed', 'pool', 'closed'] as const;

/** What clue.page and clue.listStats filter by, so a list's header counts match its rows. */
const CLUE_CONDITIONS = {
  status: Type.Optional(Type.Array(StringEnum(STATUSES), { maxItems: STATUSES.length })),
  ownerUserid: Type.Optional(Type.String({ maxLength: 64 })),
  businessId: Type.Optional(Type.String({ maxLength: 64 })),
  partnerId: Type.Optional(IdString),
  policyId: Type.Optional(IdString),
  phone: Type.Optional(Type.String({ maxLength: 32 })),
  keyword: Type.Optional(Type.String({ maxLength: 64 })),
  ctimeFrom: Type.Optional(Type.String({ format: 'date-time' })),
  ctimeTo: Type.Optional(Type.String({ format: 'date-time' })),
};
const collect = CollectClueBody.properties;

/** clue.create: the partner collect fields an admin can enter, validated as collect validates them. */
const CreateClueBody = Type.Object(
  {
    linkManName: collect.linkManName,
    linkManTel: collect.linkManTel,
    email: collect.email,
    address: collect.address,
    wechat: collect.wechat,
    remark: Type.Optional(collect.remark),
    fromPage: Type.Optional(collect.fromPage),
    landPage: Type.Optional(collect.landPage),
    submitPage: Type.Optional(collect.submitPage),
    device: Type.Optional(collect.device),
    tag: collect.tag,
    se: collect.se,
    chat: Type.Optional(collect.chat),
    ownerUserid: Type.Optional(
      wecomUserid('assign at once to this employee of the admin’s corp instead of distributing by policy'),
    ),
    ownerName: Type.Optional(Type.String({ maxLength: 64, description: 'the employee’s name, for the record' })),
  },
  { additionalProperties: false },
);

const optionalEdit = (max: number) => Type.Optional(Type.Union([Type.String({ maxLength: max }), Type.Null()]));

export function clueRoutes(deps: AppDeps): RouteDefinition[] {
  /** The clue asked for directly, or the clue a WeCom customer of the corp (in the viewer's scope) is linked to. */
  async function clueIdOf(query: { clueId?: string; customerId?: string }, ctx: RequestContext): Promise<string> {
    const target = oneRecordOf(query);
    if ('clueId' in target) return target.clueId;
    const customerId = target.customerId;
    const customer = await findCustomerInScope(deps.db, corpViewerOf(ctx, deps), { id: customerId });
    if (!customer) throw new NotFoundError('WeCom customer', customerId, 'CUSTOMER_NOT_FOUND');
    if (customer.clue_id === null)
      throw new NotFoundError('clue of WeCom customer', customerId, 'CUSTOMER_HAS_NO_CLUE');
    return customer.clue_id;
  }
  const actor = (ctx: { user?: { username: string } | undefined }) => ctx.user?.username ?? 'system';
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/clue/page',
      operationId: 'pageClues',
      seedOp: 'clue.page',
      summary: 'Page through clues (the public pool and assigned clues)',
      tag: 'clues',
      auth: 'admin',
      permission: 'clue:page',
      body: PageRequest(CLUE_CONDITIONS, ['id', 'ctime', 'mtime', 'assignedAt']),
      response: PageOf(ClueView),
      handle: async ({ body }, ctx) => {
        const page = await pageClues(deps.db, viewerOf(ctx, deps), body);
        return { list: page.list.map(presentClue), total: page.total, pageNum: body.pageNum, pageSize: body.pageSize };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/clue/create',
      operationId: 'createClue',
      errors: [409, 503],
      seedOp: 'clue.create',
      summary: 'Add a clue by hand',
      description:
        'The fields and rules of the partner collect API (no secretKey or businessId; source is 2, manual; cuser is ' +
        'the admin). A clue with the phone of an earlier clue is linked to it (duplicateOfClueId). Without ' +
        'ownerUserid the clue is distributed by policy, as a partner clue is; with it (a live employee of the ' +
        'admin’s corp, else 400 and nothing stored) it is assigned through its distribution workflow, as ' +
        'batchAssign assigns. 503 CLUE_CREATED_NOT_ASSIGNED: the clue is stored but the assignment could not be ' +
        'made; it is then distributed by policy.',
      tag: 'clues',
      auth: 'admin',
      permission: 'clue:create',
      body: CreateClueBody,
      response: ClueView,
      handle: async ({ body }, ctx) => {
        const { clue, queued } = await createClueByHand(
          { db: deps.db, assign: (c, request) => deps.distribution.assignManually(c, request) },
          body.ownerUserid === undefined ? undefined : corpOf(ctx, deps),
          body,
          actor(ctx),
        );
        if (queued) deps.dispatcher.notify();
        return presentClue(clue);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/clue/linkWecomCustomer',
      operationId: 'linkClueToWecomCustomer',
      seedOp: 'clue.linkWecomCustomer',
      errors: [404],
      summary: 'Link a clue to a WeCom customer of the corp, or unlink them',
      description:
        'The customer is named by customerId or externalUserid (exactly one); both it and the clue must be in the ' +
        'caller’s data scope (404 otherwise). A customer names at most one clue: linking it to another clue moves ' +
        'the link. Each clue concerned records the change in its timeline; customer.save links through the same ' +
        'mechanism. Unlinking a pair that is not linked changes nothing.',
      tag: 'clues',
      auth: 'admin',
      permission: 'clue:linkWecomCustomer',
      body: Type.Object(
        {
          clueId: IdString,
          customerId: Type.Optional(IdString),
          externalUserid: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          unlink: Type.Optional(Type.Boolean({ description: 'true: unlink instead of link' })),
        },
        { additionalProperties: false },
      ),
      response: Type.Object({
        clueId: Type.String(),
        customerId: Type.String(),
        externalUserid: Type.String(),
        linked: Type.Boolean({ description: 'the customer now names this clue' }),
      }),
      handle: async ({ body }, ctx) => {
        if ((body.customerId === undefined) === (body.externalUserid === undefined)) {
          throw ValidationError.field(
            'customerId',
            'give exactly one of customerId and externalUserid',
            'rule.exactlyOneCustomerKey',
          );
        }
        const customer = await linkClueAndCustomer(
          deps.db,
          corpViewerOf(ctx, deps),
          {
            clueId: body.clueId,
            customer:
              body.customerId !== undefined ? { id: body.customerId } : { externalUserid: body.externalUserid! },
            unlink: body.unlink === true,
          },
          actor(ctx),
        );
        return {
          clueId: body.clueId,
          customerId: String(customer.id),
          externalUserid: customer.external_userid,
          linked: customer.clue_id !== null && String(customer.clue_id) === body.clueId,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/clue/listStats',
      operationId: 'clueListStats',
      seedOp: 'clue.listStats',
      summary: 'The counts a clue list shows in its header, under the same conditions and data scope as the page',
      description:
        'One query. total; today (since 00:00 Asia/Shanghai); unassigned (no owner: new, waiting or in the pool); ' +
        'waiting (no member can take it yet); assigned (not yet followed up); followedUp; recycled (back in the ' +
        'pool after an assignment); converted (linked to a live WeCom customer).',
      tag: 'clues',
      auth: 'admin',
      permission: 'clue:listStats',
      body: Type.Object(CLUE_CONDITIONS, { additionalProperties: false }),
      response: Type.Object({
        total: Type.Integer(),
        today: Type.Integer(),
        unassigned: Type.Integer(),
        waiting: Type.Integer(),
        assigned: Type.Integer(),
        followedUp: Type.Integer(),
        recycled: Type.Integer(),
        converted: Type.Integer(),
      }),
      handle: async ({ body }, ctx) => clueListStats(deps.db, viewerOf(ctx, deps), body, CHINA_TIME_ZONE),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/clue/detail',
      operationId: 'getClueDetail',
      errors: [404],
      seedOp: 'clueDetail.get',
      summary: 'Clue detail with its assignment history, follow-ups, timeline and live workflow state',
      description:
        'Give exactly one of clueId or customerId (a WeCom customer of the admin’s corp, linked to its clue with customer.save).',
      tag: 'clues',
      auth: 'admin',
      permission: 'clueDetail:get',
      query: Type.Object({ clueId: Type.Optional(IdString), customerId: Type.Optional(IdString) }),
      response: ClueDetailView,
      handle: async ({ query }, ctx) => {
        const clueId = await clueIdOf(query, ctx);
        const detail = await getClueDetail(deps.db, viewerOf(ctx, deps), clueId);
        const state = await deps.distribution.state(clueId);
        const workflow = state ? { workflowId: clueDistributionWorkflowId(clueId), state } : null;
        return presentClueDetail(detail, workflow);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/clue/update',
      operationId: 'updateClueAndFollowUp',
      errors: [404, 409],
      seedOp: 'clue.updateAndFollowUp',
      summary: "Modify a clue's basic information and/or record a manual follow-up",
      description: 'A follow-up settles the distribution’s follow-up SLA; the workflow is told at once.',
      tag: 'clues',
      auth: 'admin',
      permission: 'clue:updateAndFollowUp',
      body: Type.Object(
        {
          id: IdString,
          linkManName: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' })),
          linkManTel: Type.Optional(Type.String({ minLength: 1, maxLength: 32, format: 'cn-phone' })),
          email: optionalEdit(254),
          address: optionalEdit(256),
          wechat: optionalEdit(64),
          remark: optionalEdit(2000),
          tag: optionalEdit(64),
          followUp: Type.Optional(
            Type.Object(
              {
                content: Type.String({ minLength: 1, maxLength: 5000, pattern: '\\S' }),
                method: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
      response: ClueView,
      handle: async ({ body }, ctx) => {
        const { id, followUp, ...edit } = body;
        const result = await updateClueAndFollowUp(
          deps.db,
          viewerOf(ctx, deps),
          { clueId: id, edit, followUp },
          { username: actor(ctx) },
        );
        if (result.followUpRecorded) await deps.distribution.notifyFollowUp(id);
        return presentClue(result.clue);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/clue/batchAssign',
      operationId: 'batchAssignClues',
      errors: [404, 503],
      seedOp: 'clue.batchAssign',
      summary: 'Assign one or many clues to an employee by hand, through each clue’s distribution workflow',
      tag: 'clues',
      auth: 'admin',
      permission: 'clue:batchAssign',
      body: Type.Object(
        {
          clueIds: Type.Array(IdString, { minItems: 1, maxItems: 200, uniqueItems: true }),
          employeeUserid: Type.String({
            minLength: 1,
            maxLength: 64,
            pattern: '^[A-Za-z0-9_.@-]+$',
            'x-message': 'field.wecomUserid',
          }),
          employeeName: Type.Optional(Type.String({ maxLength: 64 })),
        },
        { additionalProperties: false },
      ),
      response: Type.Object({
        results: Type.Array(
          Type.Object({
            clueId: Type.String(),
            ok: Type.Boolean(),
            seq: Type.Optional(Type.Integer()),
            error: Type.Optional(Type.String()),
          }),
        ),
      }),
      handle: async ({ body }, ctx) => {
        const results = await assignCluesManually(
          { db: deps.db, assign: (clue, request) => deps.distribution.assignManually(clue, request) },
          viewerOf(ctx, deps),
          ctx.user?.corpId ?? deps.config.WECOM_CORP_ID,
          body,
          actor(ctx),
        );
        return { results };
      },
    }),
  ];
}
