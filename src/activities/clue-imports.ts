import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ClueImportRow } from '../db/queries/clue-imports';
import {
  ClueImportBrokenError,
  failClueImport,
  importRowsFromCheckpoint,
  type ImportDeps,
} from '../domain/clue-imports/import-rows';
import { releaseHeldClues } from '../domain/clue-imports/release-clues';
import { ValidationError } from '../domain/errors';

/** An import's figures, as the workflow's progress query reports them. */
export interface ClueImportFigures {
  status: ClueImportRow['status'];
  rowsTotal: number | null;
  rowsDone: number;
  rowsOk: number;
  rowsFailed: number;
  rowsDuplicate: number;
  error: string | null;
}

const figuresOf = (row: ClueImportRow): ClueImportFigures => ({
  status: row.status,
  rowsTotal: row.rows_total,
  rowsDone: row.rows_done,
  rowsOk: row.rows_ok,
  rowsFailed: row.rows_failed,
  rowsDuplicate: row.rows_duplicate,
  error: row.error,
});

export function createClueImportActivities(deps: ImportDeps) {
  return {
    /**
     * Imports rows from the import's checkpoint for about `sliceMs`, heartbeating after each
     * committed chunk; a retry after a crash starts at the first row not committed.
     */
    async importClueRows(input: {
      importId: string;
      sliceMs: number;
    }): Promise<ClueImportFigures & { finished: boolean }> {
      const context = Context.current();
      try {
        const result = await importRowsFromCheckpoint(deps, input.importId, {
          deadline: Date.now() + input.sliceMs,
          distributionState: 'held',
          onChunk: (state) => context.heartbeat(figuresOf(state)),
        });
        return { finished: result.finished, ...figuresOf(result.import) };
      } catch (error) {
        // The file itself cannot be read on: retrying would fail the same way.
        if (error instanceof ClueImportBrokenError || error instanceof ValidationError) {
          await failClueImport(deps.db, input.importId, error.message);
          throw ApplicationFailure.nonRetryable(error.message, 'CLUE_IMPORT_FAILED');
        }
        throw error;
      }
    },

    /** Hands the next held clues of the import to distribution while its backlog has room. */
    async releaseImportedClues(input: { importId: string; maxBacklog: number }) {
      return releaseHeldClues(deps.db, input.importId, input.maxBacklog);
    },
  };
}

export type ClueImportActivities = ReturnType<typeof createClueImportActivities>;
