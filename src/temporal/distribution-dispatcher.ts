import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { findPendingDistributions, markDistributionsStarted, recordDispatchFailure } from '../db/queries/clues';
import type { DistributionClient } from './distribution-client';
import { LoadAwarePacer, type LoadAwarePacerOptions } from './distribution-pacer';
import { OutboxDispatcher } from './outbox-dispatcher';

export interface PendingClue {
  id: string;
  businessId: string | null;
  /** When the clue was committed, in this process's clock. */
  committedAt: number;
}

/**
 * Intake commits the clue with distribution_state 'pending' and notifies this outbox, which reads
 * pending clues from the table and starts their workflows, paced while the API is saturated.
 */
export type DistributionDispatcher = OutboxDispatcher<PendingClue>;

export function createDistributionDispatcher(
  db: Db,
  distribution: DistributionClient,
  logger: Logger,
  options: { sweepIntervalMs: number; batchSize?: number; concurrency?: number; pacing?: LoadAwarePacerOptions },
): DistributionDispatcher {
  return new OutboxDispatcher<PendingClue>(
    {
      what: 'distributions',
      findPending: async (limit, olderThanMs) => {
        const now = Date.now();
        return (await findPendingDistributions(db, limit, olderThanMs)).map((r) => ({
          id: r.id,
          businessId: r.business_id,
          committedAt: now - r.age_ms,
        }));
      },
      start: (clue) => distribution.start(clue),
      markStarted: (ids) => markDistributionsStarted(db, ids),
      recordFailure: (ids, message) => recordDispatchFailure(db, ids, message),
    },
    logger,
    {
      sweepIntervalMs: options.sweepIntervalMs,
      batchSize: options.batchSize,
      concurrency: options.concurrency ?? 4,
      pacer: new LoadAwarePacer<PendingClue>((clue) => clue.committedAt, options.pacing),
    },
  );
}
