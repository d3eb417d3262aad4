import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { findPendingDistributions, markDistributionsStarted, recordDispatchFailure } from '../db/queries/clues';
import type { DistributionClient } from './distribution-client';
import { OutboxDispatcher } from './outbox-dispatcher';

export interface PendingClue {
  id: string;
  businessId: string | null;
}

/** Intake commits the clue with distribution_state 'pending' and hands it to this outbox. */
export type DistributionDispatcher = OutboxDispatcher<PendingClue>;

export function createDistributionDispatcher(
  db: Db,
  distribution: DistributionClient,
  logger: Logger,
  options: { sweepIntervalMs: number; batchSize?: number },
): DistributionDispatcher {
  return new OutboxDispatcher<PendingClue>(
    {
      what: 'distributions',
      findPending: async (limit, olderThanMs) =>
        (await findPendingDistributions(db, limit, olderThanMs)).map((r) => ({ id: r.id, businessId: r.business_id })),
      start: (clue) => distribution.start(clue),
      markStarted: (ids) => markDistributionsStarted(db, ids),
      recordFailure: (ids, message) => recordDispatchFailure(db, ids, message),
    },
    logger,
    options,
  );
}
