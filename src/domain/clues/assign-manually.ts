import type { Db } from '../../db/knex';
import { findClueInScope } from '../../db/queries/clues';
import type { Viewer } from '../../db/queries/data-scope';
import type { ManualAssignRequest, ManualAssignResult } from '../../workflows/distribute-clue';
import { requireEmployees } from '../employee-references';
import { NotFoundError, UnavailableError } from '../errors';
import { mergedAway } from './contacts';

/** Hands one clue to the assignment of its distribution workflow. */
export type AssignThroughWorkflow = (
  clue: { id: string; businessId: string | null },
  request: ManualAssignRequest,
) => Promise<ManualAssignResult>;

export interface ManualAssignInput {
  clueIds: string[];
  employeeUserid: string;
  employeeName?: string | null;
}

export interface ManualAssignOutcome {
  clueId: string;
  ok: boolean;
  seq?: number;
  error?: string;
}

/**
 * Assigns clues by hand, each through its workflow. When the admin works on a WeCom corp the
 * employee must be a live employee of it, checked before any clue moves. A single clue fails
 * the request (404 unknown, 503 not assigned); in a batch each clue reports its own outcome. A clue
 * outside the viewer's data scope is unknown.
 */
export async function assignCluesManually(
  deps: { db: Db; assign: AssignThroughWorkflow },
  viewer: Viewer,
  corpId: string | undefined,
  input: ManualAssignInput,
  operator: string,
): Promise<ManualAssignOutcome[]> {
  if (corpId !== undefined) {
    await requireEmployees(deps.db, corpId, [{ field: 'employeeUserid', userid: input.employeeUserid }]);
  }
  const single = input.clueIds.length === 1;
  const results: ManualAssignOutcome[] = [];
  for (const clueId of input.clueIds) {
    const clue = await findClueInScope(deps.db, viewer, clueId);
    if (!clue) {
      if (single) throw new NotFoundError('clue', clueId, 'CLUE_NOT_FOUND');
      results.push({ clueId, ok: false, error: 'clue not found' });
      continue;
    }
    // A merged clue lives on in its survivor: assigning it would reopen a closed distribution.
    if (clue.merged_into_clue_id) {
      if (single) throw mergedAway(clue);
      results.push({ clueId, ok: false, error: `clue was merged into ${clue.merged_into_clue_id}` });
      continue;
    }
    try {
      const assigned = await deps.assign(
        { id: clue.id, businessId: clue.business_id },
        { employeeUserid: input.employeeUserid, employeeName: input.employeeName ?? null, operator },
      );
      results.push({ clueId, ok: true, seq: assigned.seq });
    } catch (error) {
      if (single) throw new UnavailableError(`assignment could not be completed: ${(error as Error).message}`);
      results.push({ clueId, ok: false, error: (error as Error).message });
    }
  }
  return results;
}
