import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { DistributionActivities } from '../activities/distribution';
import { SEARCH_ATTRIBUTES } from '../temporal/names';
import { TIMER_SUMMARIES } from '../temporal/workflow-summaries';

export interface DistributeClueInput {
  clueId: string;
  /** Longest time a waiting clue sleeps before it re-checks, when nothing wakes it earlier. */
  recheckSeconds?: number;
}

export type DistributionOutcome = { outcome: 'followed' | 'pool' | 'closed'; ownerUserid: string | null; seq: number };

export interface DistributionState {
  status: string;
  seq: number;
  ownerUserid: string | null;
  waitingReason: string | null;
  retryAt: string | null;
  followUpDeadline: string | null;
}

export interface ManualAssignRequest {
  employeeUserid: string;
  employeeName?: string | null;
  operator: string;
}

export interface ManualAssignResult {
  seq: number;
  employeeUserid: string;
  employeeName: string | null;
  assignedAt: string;
}

/** A follow-up was recorded for the clue (the database holds it; this only wakes the workflow early). */
export const followUpRecordedSignal = defineSignal('followUpRecorded');
/** Something that may make a waiting clue assignable changed (policy edited, member activated). */
export const wakeSignal = defineSignal('wake');
export const assignManuallyUpdate = defineUpdate<ManualAssignResult, [ManualAssignRequest]>('assignManually');
export const distributionStateQuery = defineQuery<DistributionState>('distributionState');

const STEP_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
const acts = proxyActivities<DistributionActivities>(STEP_OPTIONS);
// Each step is one short, idempotent PostgreSQL transaction: run in the workflow task it belongs
// to, a clue costs Temporal one workflow task instead of three plus two activity tasks.
const localActs = proxyLocalActivities<DistributionActivities>(STEP_OPTIONS);

/** Runs that started before this patch keep replaying their recorded (remote) activity steps. */
export const LOCAL_STEPS_PATCH = 'distribution-local-steps';

const DEFAULT_RECHECK_SECONDS = 300;

/**
 * Distributes one clue: assigns it by its policy (waiting durably while nobody is eligible),
 * then waits for the first follow-up; when the follow-up SLA passes without one, the clue is
 * recycled to the pool or to the next member. Manual assignment arrives as an update, so the whole
 * history of a clue stays in this one workflow. The database is the source of truth; the
 * workflow drives it step by step through idempotent activities.
 */
export async function distributeClue(input: DistributeClueInput): Promise<DistributionOutcome> {
  const recheckMs = (input.recheckSeconds ?? DEFAULT_RECHECK_SECONDS) * 1000;
  const state: DistributionState = {
    status: 'pending',
    seq: 0,
    ownerUserid: null,
    waitingReason: null,
    retryAt: null,
    followUpDeadline: null,
  };
  let slaSeconds = 0;
  let followUpSignalled = false;
  let woken = false;
  let reassigned = false;
  const local = patched(LOCAL_STEPS_PATCH);
  const steps = local ? localActs : acts;
  // Activities touching the clue run one at a time, so the main loop and manual updates never interleave.
  let busy = false;
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    // Unpatched runs keep the unconditional wait, so their replays schedule steps in the recorded order.
    if (busy || !local) await condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
    }
  };

  // Patched runs skip upserts that would not change what the start (or the previous run) indexed.
  const startAttributes = workflowInfo().typedSearchAttributes;
  let indexed = local
    ? {
        status: startAttributes.get(SEARCH_ATTRIBUTES.clueStatus) ?? null,
        ownerUserid: startAttributes.get(SEARCH_ATTRIBUTES.ownerUserid) || null,
      }
    : undefined;
  const setStatus = (status: string, ownerUserid: string | null) => {
    state.status = status;
    state.ownerUserid = ownerUserid;
    if (indexed && indexed.status === status && indexed.ownerUserid === ownerUserid) return;
    if (indexed) indexed = { status, ownerUserid };
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.clueStatus, value: status },
      { key: SEARCH_ATTRIBUTES.ownerUserid, value: ownerUserid ?? '' },
    ]);
  };

  setHandler(distributionStateQuery, () => state);
  setHandler(followUpRecordedSignal, () => {
    followUpSignalled = true;
  });
  setHandler(wakeSignal, () => {
    woken = true;
  });
  setHandler(
    assignManuallyUpdate,
    async (request) =>
      exclusive(async () => {
        const assignment = await acts.assignClueManually({ clueId: input.clueId, expectedSeq: state.seq, ...request });
        state.seq = assignment.seq;
        slaSeconds = assignment.followUpSlaSeconds;
        setStatus('assigned', assignment.employeeUserid);
        reassigned = true;
        return {
          seq: assignment.seq,
          employeeUserid: assignment.employeeUserid,
          employeeName: assignment.employeeName,
          assignedAt: assignment.assignedAt,
        };
      }),
    {
      validator: (request) => {
        if (!request || typeof request.employeeUserid !== 'string' || request.employeeUserid.trim() === '') {
          throw new Error('employeeUserid is required');
        }
      },
    },
  );

  // Patched runs read the clue and make the first assignment attempt in one step.
  const first = local ? await exclusive(() => localActs.beginDistribution({ clueId: input.clueId })) : undefined;
  const snapshot = first?.snapshot ?? (await exclusive(() => acts.loadDistributionSnapshot({ clueId: input.clueId })));
  let prefetched = first?.attempt ?? undefined;
  state.seq = snapshot.seq;
  slaSeconds = snapshot.followUpSlaSeconds;
  setStatus(snapshot.status, snapshot.ownerUserid);
  let assignedAtMs = snapshot.assignedAt ? Date.parse(snapshot.assignedAt) : Date.now();

  for (;;) {
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 10_000) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof distributeClue>(input);
    }

    if (state.status === 'pending' || state.status === 'waiting') {
      const result =
        prefetched ?? (await exclusive(() => steps.autoAssignClue({ clueId: input.clueId, expectedSeq: state.seq })));
      prefetched = undefined;
      if (result.kind === 'assigned') {
        state.seq = result.assignment.seq;
        slaSeconds = result.assignment.followUpSlaSeconds;
        assignedAtMs = Date.parse(result.assignment.assignedAt);
        state.waitingReason = null;
        state.retryAt = null;
        setStatus('assigned', result.assignment.employeeUserid);
        continue;
      }
      if (result.kind === 'settled') {
        state.seq = result.seq;
        if (state.status !== result.status) setStatus(result.status, state.ownerUserid);
        if (result.status !== 'pending' && result.status !== 'waiting' && result.status !== 'assigned') break;
        continue;
      }
      if (state.status !== 'waiting') setStatus('waiting', null);
      state.waitingReason = result.reason;
      state.retryAt = result.retryAt;
      const untilRetry = result.retryAt ? Date.parse(result.retryAt) - Date.now() : recheckMs;
      woken = false;
      reassigned = false;
      await condition(() => woken || reassigned, Math.max(1000, Math.min(untilRetry, recheckMs)), {
        summary: TIMER_SUMMARIES.waitingForMember(result.reason),
      });
      continue;
    }

    if (state.status === 'assigned') {
      if (reassigned) assignedAtMs = Date.now();
      reassigned = false;
      const deadline = assignedAtMs + slaSeconds * 1000;
      state.followUpDeadline = new Date(deadline).toISOString();
      followUpSignalled = false;
      await condition(() => followUpSignalled || reassigned, Math.max(0, deadline - Date.now()), {
        summary: TIMER_SUMMARIES.followUpSla,
      });
      if (reassigned) continue;
      const expired = Date.now() >= deadline;
      const seq = state.seq;
      const check = await exclusive(() =>
        steps.checkFollowUpOrRecycle({ clueId: input.clueId, seq, recycle: expired }),
      );
      if (state.seq !== seq) continue; // a manual assignment slipped in while we checked
      state.followUpDeadline = null;
      if (check.kind === 'followed') {
        setStatus('followed', state.ownerUserid);
        break;
      }
      if (check.kind === 'superseded') {
        const fresh = await exclusive(() => steps.loadDistributionSnapshot({ clueId: input.clueId }));
        state.seq = fresh.seq;
        slaSeconds = fresh.followUpSlaSeconds;
        assignedAtMs = fresh.assignedAt ? Date.parse(fresh.assignedAt) : Date.now();
        setStatus(fresh.status, fresh.ownerUserid);
        continue;
      }
      if (check.kind === 'recycled') {
        setStatus(check.next === 'pool' ? 'pool' : 'pending', null);
        continue;
      }
      continue; // not_yet: a signal arrived before the follow-up was visible; keep waiting for the same deadline
    }

    break; // followed, pool or closed: nothing left to distribute
  }

  await condition(allHandlersFinished);
  const outcome = state.status === 'followed' ? 'followed' : state.status === 'pool' ? 'pool' : 'closed';
  return { outcome, ownerUserid: state.ownerUserid, seq: state.seq };
}
