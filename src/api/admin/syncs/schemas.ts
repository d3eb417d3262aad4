import { Type } from '@sinclair/typebox';
import { WECOM_SYNC_KINDS } from '../../../temporal/names';
import type { WecomSyncStatus } from '../../../temporal/wecom-sync-client';
import { StringEnum } from '../../validation';

/** What every `…/sync` operation answers: the workflow that runs (or already ran) the sync. */
export const SyncStartedView = Type.Object({
  workflowId: Type.String({ description: 'wecom-sync-<kind>-<corpId>; a sync already running is joined' }),
  runId: Type.String({
    description: 'the run of that workflow; follow it in the Temporal UI or GET /admin/sync/{kind}',
  }),
});

export const SyncKindParams = Type.Object({
  kind: StringEnum(WECOM_SYNC_KINDS, 'departments, employees, corpTags, customers, groups, or all'),
});

const PhaseView = Type.Object({
  kind: Type.String(),
  status: Type.String({ description: 'waiting, running, succeeded or failed' }),
  batchesDone: Type.Integer(),
  batchesTotal: Type.Integer(),
  pages: Type.Integer(),
  items: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  deleted: Type.Integer(),
  wecomCalls: Type.Integer(),
  error: Type.Optional(Type.String()),
});

export const SyncStatusView = Type.Object({
  workflowId: Type.String(),
  runId: Type.String(),
  status: Type.String({
    description: 'Temporal execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED or TIMED_OUT',
  }),
  startTime: Type.String({ format: 'date-time' }),
  closeTime: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  phases: Type.Union([Type.Array(PhaseView), Type.Null()], {
    description: 'progress of each phase; null when no worker could answer the progress query',
  }),
});

export function presentSyncStatus(status: WecomSyncStatus) {
  return {
    workflowId: status.workflowId,
    runId: status.runId,
    status: status.status,
    startTime: status.startTime.toISOString(),
    closeTime: status.closeTime ? status.closeTime.toISOString() : null,
    phases: status.progress ? status.progress.phases.map((phase) => ({ ...phase })) : null,
  };
}
