import {
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClueImportActivities } from '../activities/clue-imports';
import { clueImportDetails } from '../temporal/workflow-summaries';

export interface ImportCluesInput {
  importId: string;
  /** How long one importing activity runs before it hands back to the workflow (progress, history). */
  sliceSeconds?: number;
  /** Most clues waiting for their distribution's first step while the import releases its own. */
  releaseBacklog?: number;
  /** Pause between two releases. */
  releaseIntervalSeconds?: number;
}

export interface ClueImportProgress {
  importId: string;
  phase: 'importing' | 'releasing' | 'done' | 'failed';
  rowsTotal: number | null;
  rowsDone: number;
  rowsOk: number;
  rowsFailed: number;
  rowsDuplicate: number;
  rowsReleased: number;
  error: string | null;
}

export const clueImportProgressQuery = defineQuery<ClueImportProgress>('progress');

const importing = proxyActivities<ClueImportActivities>({
  startToCloseTimeout: '30 minutes',
  // A crashed worker's slice is taken over after this much silence, from the last committed chunk.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
const quick = proxyActivities<ClueImportActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * Imports a large clue spreadsheet: slices of rows from the import's checkpoint (each chunk of
 * rows committed with the checkpoint, so a worker crash loses at most the chunk in flight), then
 * hands the imported clues to distribution at the pace distribution keeps up with. Progress is the
 * "progress" query and the current details in the Temporal UI; the database holds the same figures.
 */
export async function importCluesWorkflow(input: ImportCluesInput): Promise<ClueImportProgress> {
  const progress: ClueImportProgress = {
    importId: input.importId,
    phase: 'importing',
    rowsTotal: null,
    rowsDone: 0,
    rowsOk: 0,
    rowsFailed: 0,
    rowsDuplicate: 0,
    rowsReleased: 0,
    error: null,
  };
  setHandler(clueImportProgressQuery, () => progress);
  const show = () => setCurrentDetails(clueImportDetails(progress));
  const carryOn = async () => {
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof importCluesWorkflow>(input);
  };

  for (;;) {
    let slice;
    try {
      slice = await importing.importClueRows({ importId: input.importId, sliceMs: (input.sliceSeconds ?? 60) * 1000 });
    } catch (error) {
      progress.phase = 'failed';
      progress.error =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
      show();
      throw ApplicationFailure.nonRetryable(
        `clue import ${input.importId} failed: ${progress.error}`,
        'CLUE_IMPORT_FAILED',
      );
    }
    const { finished, status, ...figures } = slice;
    Object.assign(progress, figures);
    show();
    if (status === 'failed') {
      progress.phase = 'failed';
      show();
      return progress;
    }
    if (finished) break;
    await carryOn();
  }

  progress.phase = 'releasing';
  show();
  for (;;) {
    const release = await quick.releaseImportedClues({
      importId: input.importId,
      maxBacklog: input.releaseBacklog ?? 100,
    });
    progress.rowsReleased = release.totalReleased;
    show();
    if (!release.more) break;
    await sleep((input.releaseIntervalSeconds ?? 1) * 1000);
    await carryOn();
  }
  progress.phase = 'done';
  show();
  return progress;
}
