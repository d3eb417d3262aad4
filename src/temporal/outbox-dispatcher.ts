import type { Logger } from 'pino';

/** A table of committed work whose workflows still have to be started. */
export interface OutboxSource<T extends { id: string }> {
  /** For logs: what the rows are ("distributions", "WeCom events"). */
  what: string;
  findPending(limit: number, olderThanMs: number): Promise<T[]>;
  /** Starts the row's workflow; starting twice must be harmless (workflow id derived from the row). */
  start(item: T): Promise<void>;
  markStarted(ids: string[]): Promise<void>;
  recordFailure(ids: string[], message: string): Promise<void>;
}

/**
 * The outbox pattern in front of Temporal. The caller commits its row first and enqueues it here;
 * the dispatcher starts its workflow right away and, whatever happens to that attempt (Temporal
 * down, process crash), a periodic sweep of the table starts whatever is still pending.
 */
export class OutboxDispatcher<T extends { id: string }> {
  private queue: T[] = [];
  private flushing = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  /** Until when immediate starts are skipped after a failure, leaving the rows to the sweep. */
  private backoffUntil = 0;

  constructor(
    private readonly source: OutboxSource<T>,
    private readonly logger: Logger,
    private readonly options: { sweepIntervalMs: number; batchSize?: number },
  ) {}

  enqueue(item: T): void {
    if (Date.now() < this.backoffUntil) return;
    this.queue.push(item);
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

  /** Starts every pending row older than `olderThanMs`; returns how many were started. */
  async sweep(olderThanMs = 1000): Promise<number> {
    let started = 0;
    try {
      for (;;) {
        const rows = await this.source.findPending(this.options.batchSize ?? 200, olderThanMs);
        if (rows.length === 0) break;
        const ok = await this.startAll(rows);
        started += ok;
        if (ok < rows.length) break; // Temporal is failing: try again next sweep
      }
    } catch (error) {
      this.logger.warn({ err: error }, `${this.source.what} sweep failed`);
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
      this.logger.warn({ err: error }, `${this.source.what} flush failed; the sweep will retry`);
    } finally {
      this.flushing = false;
    }
  }

  private async startAll(items: T[]): Promise<number> {
    const results = await Promise.allSettled(items.map((item) => this.source.start(item)));
    const startedIds: string[] = [];
    const failedIds: string[] = [];
    let firstError: unknown;
    results.forEach((r, i) => {
      const id = (items[i] as T).id;
      if (r.status === 'fulfilled') startedIds.push(id);
      else {
        failedIds.push(id);
        firstError ??= r.reason;
      }
    });
    await this.source.markStarted(startedIds);
    if (failedIds.length > 0) {
      this.backoffUntil = Date.now() + this.options.sweepIntervalMs;
      const message = firstError instanceof Error ? firstError.message : String(firstError);
      await this.source.recordFailure(failedIds, message);
      this.logger.warn({ count: failedIds.length, error: message }, `could not start ${this.source.what}; will retry`);
    }
    return startedIds.length;
  }
}
