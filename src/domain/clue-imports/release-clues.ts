import type { Db } from '../../db/knex';
import {
  countDistributionBacklog,
  findClueImportById,
  recordRelease,
  releaseImportedClues,
} from '../../db/queries/clue-imports';

export interface ReleaseResult {
  /** Clues handed to the distribution outbox by this call. */
  released: number;
  /** Clues of the import handed over so far. */
  totalReleased: number;
  /** Held clues of the import are left. */
  more: boolean;
}

/**
 * Hands held clues of a finished import to the distribution outbox, only as many as keep the
 * clues waiting for their workflow's first step under `maxBacklog`: the outbox starts whatever is
 * pending at once, so releasing 50,000 clues together would put partner clues behind all of
 * them. Idempotent: the release checkpoint moves in the same transaction as the clues.
 */
export async function releaseHeldClues(db: Db, importId: string, maxBacklog: number): Promise<ReleaseResult> {
  return db.transaction(async (trx) => {
    const clueImport = await findClueImportById(trx, importId, { forUpdate: true });
    if (!clueImport) return { released: 0, totalReleased: 0, more: false };
    const room = maxBacklog - (await countDistributionBacklog(trx, maxBacklog));
    if (room <= 0) return { released: 0, totalReleased: clueImport.rows_released, more: true };
    const result = await releaseImportedClues(trx, importId, clueImport.released_through_row, room);
    if (result.throughRow !== null) await recordRelease(trx, importId, result.throughRow, result.released);
    return {
      released: result.released,
      totalReleased: clueImport.rows_released + result.released,
      more: result.more,
    };
  });
}
