import { Type } from '@sinclair/typebox';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { readMerge, requestMerge, type MergeField } from '../../../domain/clues/merge-request';
import { UnavailableError } from '../../../domain/errors';
import { clueMergeWorkflowId, SEARCH_ATTRIBUTES } from '../../../temporal/names';
import type { mergeCluesWorkflow, MergeProgress } from '../../../workflows/merge-clues';
import { mergeProgressQuery } from '../../../workflows/merge-clues';
import type { AppDeps } from '../../app';
import { defineRoute, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { viewerOf } from '../viewer';

const FIELD_PICKS = Type.Object(
  {
    linkManName: Type.Optional(IdString),
    address: Type.Optional(IdString),
    remark: Type.Optional(IdString),
    tag: Type.Optional(IdString),
    se: Type.Optional(IdString),
    device: Type.Optional(IdString),
    fromPage: Type.Optional(IdString),
    landPage: Type.Optional(IdString),
    submitPage: Type.Optional(IdString),
  } satisfies Record<MergeField, unknown>,
  {
    additionalProperties: false,
    description: 'per field, the clue (survivor or merged) whose value the survivor keeps',
  },
);

const MergeReportView = Type.Object({
  mergeId: Type.String(),
  workflowId: Type.String(),
  survivorId: Type.String(),
  status: Type.String({ description: 'running | done | failed' }),
  error: Type.Union([Type.String(), Type.Null()]),
  items: Type.Array(
    Type.Object({
      clueId: Type.String(),
      done: Type.Boolean(),
      moved: Type.Unknown({ description: '{contacts, tags, followUps, customers, assignments, fields} once done' }),
    }),
  ),
  progress: Type.Unknown({ description: 'the workflow’s mergeProgress query, while Temporal can answer it' }),
  alreadyMerged: Type.Optional(Type.Boolean()),
});

export function clueMergeRoutes(deps: AppDeps): RouteDefinition[] {
  async function report(viewer: ReturnType<typeof viewerOf>, mergeId: string) {
    const merge = await readMerge(deps.db, viewer, mergeId);
    const workflowId = clueMergeWorkflowId(merge.mergeId);
    let progress: MergeProgress | null = null;
    try {
      progress = await deps.temporal.connection.withDeadline(Date.now() + 3000, () =>
        deps.temporal.workflow.getHandle(workflowId).query(mergeProgressQuery),
      );
    } catch {
      progress = null; // the database row is the record; the query only adds live detail
    }
    return { ...merge, workflowId, progress };
  }
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/clue/merge',
      operationId: 'mergeClues',
      errors: [404, 409, 503],
      seedOp: 'clue.merge',
      summary: 'Merge duplicate clues (and the WeCom customers linked to them) into one survivor, as a workflow',
      description:
        'Moves contacts (equal ones kept once), system tags (once), follow-ups and WeCom customer links to the ' +
        'survivor; the merged clues’ assignment history and timelines are shown with the survivor’s. Fields ' +
        '(linkManName, address, remark, tag, se, device, fromPage, landPage, submitPage): the survivor’s non-empty ' +
        'value wins, else the first merged clue’s non-empty one in mergedIds order, unless fieldPicks names the ' +
        'clue to take a field from. Phone, WeChat and email follow the contacts: the survivor’s primaries stay. ' +
        'Merged clues are kept (detail by id shows mergedIntoClueId), closed, and left out of clue.page, ' +
        'clue.listStats and duplicate matching; their distributions end and the survivor’s owner stays. Refused ' +
        'with nothing changed: a clue into itself (400), a clue outside the caller’s scope (404), a clue merged ' +
        'into another clue or a survivor merged away (409), clues whose WeCom customers are in different corps ' +
        '(409). Asking again for a merge already made changes nothing and answers the first merge ' +
        '(alreadyMerged). Progress: clue.mergeResult and the workflow’s mergeProgress query.',
      tag: 'clues',
      auth: 'admin',
      permission: 'clue:merge',
      body: Type.Object(
        {
          survivorId: IdString,
          mergedIds: Type.Array(IdString, { minItems: 1, maxItems: 20, uniqueItems: true }),
          fieldPicks: Type.Optional(FIELD_PICKS),
        },
        { additionalProperties: false },
      ),
      response: MergeReportView,
      handle: async ({ body }, ctx) => {
        const viewer = viewerOf(ctx, deps);
        const { merge, alreadyMerged } = await requestMerge(deps.db, viewer, body, ctx.user?.username ?? 'system');
        if (merge.status === 'running') {
          const items = await readMerge(deps.db, viewer, String(merge.id));
          const hold = deps.config.CLUE_MERGE_TEST_HOLD_STEPS ?? 0;
          try {
            await deps.temporal.connection.withDeadline(Date.now() + 5000, () =>
              deps.temporal.workflow.start<typeof mergeCluesWorkflow>('mergeCluesWorkflow', {
                workflowId: clueMergeWorkflowId(String(merge.id)),
                taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
                args: [
                  {
                    mergeId: String(merge.id),
                    survivorId: String(merge.survivor_clue_id),
                    mergedIds: items.items.map((i) => i.clueId),
                    ...(hold > 0 ? { holdAfterSteps: hold } : {}),
                  },
                ],
                staticSummary: `客户合并：线索 ${items.items.map((i) => i.clueId).join('、')} 合并到线索 ${merge.survivor_clue_id}`,
                typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.clueId, value: String(merge.survivor_clue_id) }],
              }),
            );
          } catch (error) {
            // A start of the same merge while it runs is the same merge; a start that failed is retried by asking again.
            if (!(error instanceof WorkflowExecutionAlreadyStartedError))
              throw new UnavailableError(
                'could not start the merge: Temporal is unreachable, try again later',
                'TEMPORAL_UNAVAILABLE',
              );
          }
        }
        return { ...(await report(viewer, String(merge.id))), alreadyMerged };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/clue/mergeResult',
      operationId: 'getClueMergeResult',
      errors: [404],
      summary: 'Where a customer merge stands: each merged clue, whether it was moved and what moved',
      tag: 'clues',
      auth: 'admin',
      permission: 'clue:mergeResult',
      query: Type.Object({ mergeId: IdString }),
      response: MergeReportView,
      handle: async ({ query }, ctx) => report(viewerOf(ctx, deps), query.mergeId),
    }),
  ];
}
