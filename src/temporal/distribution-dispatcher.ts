import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { findPendingDistributions, markDistributionsStarted, recordDispatchFailure } from '../db/queries/clues';
import type { DistributionClient } from './distribution-client';
import { LoadAwarePacer, type LoadAwarePacerOptions } from './distribution-pacer';
import { OutboxDispatcher } from './outbox-dispatcher';
import { UnconsumedStarts } from './unconsumed-starts';

export interface PendingClue {
  id: string;
  businessId: string | null;
  /** When the clue was committed, in this process's clock. */
  committedAt: number;
}

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
     * Most clues this process started that a worker has not taken up yet (default 100).
     * A backlog started faster than the workers take it waits in Temporal's task queue, where
     * each task costs the server more than one handed straight to a waiting poller (bench/README:
     * 12 ms of dev-server CPU per clue instead of 20); a couple of seconds of worker work in
     * flight keeps every poller busy.
     */
    maxUnconsumedStarts?: number;
  },
): DistributionDispatcher {
  const unconsumed = new UnconsumedStarts(db, options.maxUnconsumedStarts ?? 100);
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
      start: async (clue) => {
        await distribution.start(clue);
        unconsumed.started(clue.id);
      },
      markStarted: (ids) => markDistributionsStarted(db, ids),
      recordFailure: (ids, message) => recordDispatchFailure(db, ids, message),
      room: () => unconsumed.room(),
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
