import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { findPendingDistributions, markDistributionsStarted, recordDispatchFailure } from '../db/queries/clues';
import type { DistributionClient } from './distribution-client';

interface PendingClue {
  id: string;
  businessId: string | null;
}

/**
 * The outbox of distribution starts. Intake commits the clue with distribution_state 'pending'
 * and hands it here; the dispatcher starts its workflow right away and, whatever happens to that
 * attempt (Temporal down, process crash), a periodic sweep of the table starts whatever is still
 * pending. Starting twice is harmless: the workflow id is derived from the clue.
 */
export class DistributionDispatcher {
  private queue: PendingClue[] = [];
  private flushing = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  /** Until when immediate starts are skipped after a failure, leaving the clues to the sweep. */
  private backoffUntil = 0;

  constructor(
    private readonly db: Db,
    private readonly distribution: DistributionClient,
    private readonly logger: Logger,
    private readonly options: { sweepIntervalMs: number; batchSize?: number },
  ) {}

  enqueue(clue: PendingClue): void {
    if (Date.now() < this.backoffUntil) return;
    this.queue.push(clue);
    if (!this.flushing) setImmediate(() => void this.flush());
  }

  startSweeping(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .then(() => undefined)
        .finally(() => (this.sweeping = undefined));
    }, this.options.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.sweeping;
    while (this.flushing) await new Promise((r) => setTimeout(r, 10));
  }

  /** Starts every pending distribution older than `olderThanMs`; returns how many were started. */
  async sweep(olderThanMs = 1000): Promise<number> {
    let started = 0;
    try {
      for (;;) {
        const rows = await findPendingDistributions(this.db, this.options.batchSize ?? 200, olderThanMs);
        if (rows.length === 0) break;
        const ok = await this.startAll(rows.map((r) => ({ id: r.id, businessId: r.business_id })));
        started += ok;
        if (ok < rows.length) break; // Temporal is failing: try again next sweep
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'distribution sweep failed');
    }
    return started;
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.batchSize ?? 200);
        await this.startAll(batch);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'distribution flush failed; the sweep will retry');
    } finally {
      this.flushing = false;
    }
  }

  private async startAll(clues: PendingClue[]): Promise<number> {
    const results = await Promise.allSettled(clues.map((c) => this.distribution.start(c)));
    const startedIds: string[] = [];
    const failedIds: string[] = [];
    let firstError: unknown;
    results.forEach((r, i) => {
      const id = (clues[i] as PendingClue).id;
      if (r.status === 'fulfilled') startedIds.push(id);
      else {
        failedIds.push(id);
        firstError ??= r.reason;
      }
    });
    await markDistributionsStarted(this.db, startedIds);
    if (failedIds.length > 0) {
      this.backoffUntil = Date.now() + this.options.sweepIntervalMs;
      const message = firstError instanceof Error ? firstError.message : String(firstError);
      await recordDispatchFailure(this.db, failedIds, message);
      this.logger.warn({ count: failedIds.length, error: message }, 'could not start distributions; will retry');
    }
    return startedIds.length;
  }
}
