import {
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { ClueMergeActivities } from '../activities/clue-merge';
import { clueDistributionWorkflowId } from '../temporal/names';
import { followUpRecordedSignal, wakeSignal } from './distribute-clue';

type MergeMoved = Awaited<ReturnType<ClueMergeActivities['mergeClueIntoSurvivor']>>['moved'];

export interface MergeCluesInput {
  mergeId: string;
  survivorId: string;
  mergedIds: string[];
  /** Test hook: after this many clues the workflow waits for the releaseMerge signal. */
  holdAfterSteps?: number;
}

export interface MergeProgress {
  mergeId: string;
  survivorId: string;
  status: 'running' | 'held' | 'done' | 'failed';
  total: number;
  done: Array<{ clueId: string; moved: MergeMoved }>;
  error: string | null;
}

export const mergeProgressQuery = defineQuery<MergeProgress>('mergeProgress');
/** Lets a merge held by holdAfterSteps go on. */
export const releaseMergeSignal = defineSignal('releaseMerge');

const acts = proxyActivities<ClueMergeActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * Merges clues into a survivor one clue at a time; each step is one transaction that records
 * itself done, so a worker crash at any point resumes without moving anything twice. The merged
 * clues' distribution workflows are then woken: they read the clue closed and end, leaving the
 * survivor's owner as it is.
 */
export async function mergeCluesWorkflow(input: MergeCluesInput): Promise<MergeProgress> {
  const progress: MergeProgress = {
    mergeId: input.mergeId,
    survivorId: input.survivorId,
    status: 'running',
    total: input.mergedIds.length,
    done: [],
    error: null,
  };
  let released = false;
  setHandler(mergeProgressQuery, () => progress);
  setHandler(releaseMergeSignal, () => {
    released = true;
  });
  try {
    for (const clueId of input.mergedIds) {
      const { moved } = await acts.mergeClueIntoSurvivor({ mergeId: input.mergeId, clueId });
      progress.done.push({ clueId, moved });
      if (input.holdAfterSteps !== undefined && progress.done.length === input.holdAfterSteps) {
        progress.status = 'held';
        await condition(() => released);
        progress.status = 'running';
      }
    }
  } catch (error) {
    progress.error = error instanceof ApplicationFailure || error instanceof Error ? error.message : String(error);
    await acts.finishClueMerge({ mergeId: input.mergeId, error: progress.error });
    progress.status = 'failed';
    return progress;
  }
  progress.status = (await acts.finishClueMerge({ mergeId: input.mergeId })).status;
  for (const { clueId } of progress.done) {
    const handle = getExternalWorkflowHandle(clueDistributionWorkflowId(clueId));
    for (const signal of [followUpRecordedSignal, wakeSignal]) {
      // A distribution that already ended (or never started) has nothing to stop.
      await handle.signal(signal).catch(() => undefined);
    }
  }
  return progress;
}
