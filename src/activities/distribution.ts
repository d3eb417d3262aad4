import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/knex';
import {
  assignClueManually,
  autoAssignClue,
  checkFollowUpOrRecycle,
  loadDistributionSnapshot,
  type DistributionDefaults,
} from '../domain/distribution/assign-clue';
import { DomainError } from '../domain/errors';

/** Domain errors that retrying cannot fix become non-retryable failures; everything else (database down...) retries. */
export async function domainCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof DomainError && ['not_found', 'validation', 'conflict'].includes(error.kind)) {
      throw ApplicationFailure.nonRetryable(error.message, error.code);
    }
    throw error;
  }
}

export function createDistributionActivities(deps: { db: Db; defaults: DistributionDefaults }) {
  const { db, defaults } = deps;
  return {
    async loadDistributionSnapshot(input: { clueId: string }) {
      return domainCall(() => loadDistributionSnapshot(db, input.clueId, defaults));
    },
    /** The first step of a distribution: where the clue stands and, when it is open, its assignment attempt. */
    async beginDistribution(input: { clueId: string }) {
      return domainCall(async () => {
        const snapshot = await loadDistributionSnapshot(db, input.clueId, defaults);
        const open = snapshot.status === 'pending' || snapshot.status === 'waiting';
        const attempt = open
          ? await autoAssignClue(db, { clueId: input.clueId, expectedSeq: snapshot.seq }, defaults)
          : null;
        return { snapshot, attempt };
      });
    },
    async autoAssignClue(input: { clueId: string; expectedSeq: number }) {
      return domainCall(() => autoAssignClue(db, input, defaults));
    },
    async assignClueManually(input: {
      clueId: string;
      expectedSeq: number;
      employeeUserid: string;
      employeeName?: string | null;
      operator: string;
    }) {
      return domainCall(() => assignClueManually(db, input, defaults));
    },
    async checkFollowUpOrRecycle(input: { clueId: string; seq: number; recycle: boolean }) {
      return domainCall(() => checkFollowUpOrRecycle(db, input));
    },
  };
}

export type DistributionActivities = ReturnType<typeof createDistributionActivities>;
