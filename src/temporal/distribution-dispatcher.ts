import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import {
  countUnconsumedStarts,
  findPendingDistributions,
  markDistributionsStarted,
  recordDispatchFailure,
} from '../db/queries/clues';
import type { DistributionClient } from './distribution-client';
import { LoadAwarePacer, type LoadAwarePacerOptions } from './distribution-pacer';
import { OutboxDispatcher } from './outbox-dispatcher';

export interface PendingClue {
  id: string;
  businessId: string | null;
  /** When the clue was committed, in this process's clock. */
  committedAt: number;
}

/** Started clues older than this no longer count (see countUnconsumedStarts). */
const UNCONSUMED_WINDOW_SECONDS = 120;

/**
 * Intake commits the clue with distribution_state 'pending' and notifies this outbox, which reads
 * pending clues from the table and starts their workflows, paced while the API is saturated and
 * no faster than the workers take them up.
 */
export type DistributionDispatcher = OutboxDispatcher<PendingClue>;

export function createDistributionDispatcher(
  db: Db,
  distribution: DistributionClient,
  logger: Logger,
  options: {
    sweepIntervalMs: number;
    batchSize?: number;
    concurrency?: number;
    pacing?: LoadAwarePacerOptions;
    /**
     * Most clues started and not yet taken up by a worker, across all API processes (default 100).
     * A backlog started faster than the workers take it waits in Temporal's task queue, where
     * each task costs the server more than one handed straight to a waiting poller (bench/README:
     * 12 ms of dev-server CPU per clue instead of 20); a couple of seconds of worker work in
     * flight keeps every poller busy.
     */
    maxUnconsumedStarts?: number;
  },
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
      room: async () =>
        (options.maxUnconsumedStarts ?? 100) - (await countUnconsumedStarts(db, UNCONSUMED_WINDOW_SECONDS)),
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
