import type { Logger } from 'pino';

/** A table of committed work whose workflows still have to be started. */
export interface OutboxSource<T extends { id: string }> {
  /** For logs: what the rows are ("distributions", "WeCom events"). */
  what: string;
  /** Pending rows committed at least `olderThanMs` ago, oldest first. */
  findPending(limit: number, olderThanMs: number): Promise<T[]>;
  /** Starts the row's workflow; starting twice must be harmless (workflow id derived from the row). */
  start(item: T): Promise<void>;
  markStarted(ids: string[]): Promise<void>;
  recordFailure(ids: string[], message: string): Promise<void>;
  /**
   * How many more rows may be started now, when the consumers downstream bound it; the sweep
   * waits while it is 0. Undefined: no bound.
   */
  room?(): Promise<number>;
}

/** Decides when a start may go out; lets a dispatcher yield the CPU to more urgent work. */
export interface StartPacer<T> {
  permit(item: T): Promise<void>;
  start(): void;
  stop(): void;
}

export interface OutboxOptions<T> {
  sweepIntervalMs: number;
  batchSize?: number;
  /** Most starts in flight at once (default 8): a backlog must not flood Temporal. */
  concurrency?: number;
  /**
   * Rows the periodic sweep leaves alone because their own process (enqueue, notify) may still be
   * starting them (default 1000 ms); the sweep of every process reads the whole table.
   */
  sweepMinAgeMs?: number;
  pacer?: StartPacer<T>;
}

/** How often a sweep with no room asks again. */
const ROOM_POLL_MS = 100;

/** Marks are written in chunks, so rows started slowly (paced) do not wait for the whole batch. */
const MARK_CHUNK = 50;

/**
 * The outbox pattern in front of Temporal. The caller commits its row first, then either
 * enqueues it (started right away from memory) or notifies the dispatcher, which reads pending
 * rows from the table and starts them. Whatever happens to that attempt (Temporal down, process
 * crash), a periodic sweep of the table starts whatever is still pending.
 */
export class OutboxDispatcher<T extends { id: string }> {
  private queue: T[] = [];
  private flushing = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  /** Smallest row age a pump requested while one was already running; undefined when none. */
  private pumpAgain: number | undefined;
  /** Until when immediate starts are skipped after a failure, leaving the rows to the sweep. */
  private backoffUntil = 0;
  private stopping = false;
  private readonly batchSize: number;
  private readonly concurrency: number;

  constructor(
    private readonly source: OutboxSource<T>,
    private readonly logger: Logger,
    private readonly options: OutboxOptions<T>,
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.concurrency = Math.max(1, options.concurrency ?? 8);
  }

  /** Starts this committed row's workflow soon, from memory. */
  enqueue(item: T): void {
    if (this.stopping || Date.now() < this.backoffUntil) return;
    this.queue.push(item);
    if (!this.flushing) setImmediate(() => void this.flush());
  }

  /** Says that rows were committed: the dispatcher reads them from the table and starts them. */
  notify(): void {
    if (this.stopping || Date.now() < this.backoffUntil) return;
    this.requestPump(0);
  }

  startSweeping(): void {
    if (this.sweepTimer) return;
    this.options.pacer?.start();
    this.sweepTimer = setInterval(
      () => this.requestPump(this.options.sweepMinAgeMs ?? 1000),
      this.options.sweepIntervalMs,
    );
    this.sweepTimer.unref();
  }

  /** Lets the starts in flight finish; what is left stays pending for the next process's sweep. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.options.pacer?.stop();
    this.pumpAgain = undefined;
    await this.pumping;
    while (this.flushing) await new Promise((r) => setTimeout(r, 10));
  }

  /** Starts every pending row older than `olderThanMs`; returns how many were started. */
  async sweep(olderThanMs = 1000): Promise<number> {
    let started = 0;
    try {
      for (;;) {
        const room = this.stopping ? 0 : await this.waitForRoom();
        const rows = room === 0 ? [] : await this.source.findPending(Math.min(this.batchSize, room), olderThanMs);
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

  /** Waits until the source has room for more starts (or the dispatcher stops); returns that room. */
  private async waitForRoom(): Promise<number> {
    if (!this.source.room) return this.batchSize;
    for (;;) {
      const room = await this.source.room();
      if (room > 0 || this.stopping) return this.stopping ? 0 : room;
      await new Promise((r) => setTimeout(r, ROOM_POLL_MS));
    }
  }

  /** One table reader at a time; a request while it runs makes it go round once more. */
  private requestPump(olderThanMs: number): void {
    if (this.stopping) return;
    if (this.pumping) {
      this.pumpAgain = Math.min(this.pumpAgain ?? olderThanMs, olderThanMs);
      return;
    }
    this.pumping = (async () => {
      let age: number | undefined = olderThanMs;
      while (age !== undefined) {
        this.pumpAgain = undefined;
        await this.sweep(age);
        age = this.pumpAgain;
      }
    })().finally(() => (this.pumping = undefined));
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.batchSize);
        await this.startAll(batch);
      }
    } catch (error) {
      this.logger.warn({ err: error }, `${this.source.what} flush failed; the sweep will retry`);
    } finally {
      this.flushing = false;
    }
  }

  /** Starts the items with bounded concurrency, stopping at the first failure; returns how many started. */
  private async startAll(items: T[]): Promise<number> {
    const started: string[] = [];
    const failedIds: string[] = [];
    let unmarked: string[] = [];
    let firstError: unknown;
    let next = 0;
    const lane = async () => {
      while (next < items.length && failedIds.length === 0 && !this.stopping) {
        const item = items[next++] as T;
        if (this.options.pacer) await this.options.pacer.permit(item);
        if (this.stopping) break;
        try {
          await this.source.start(item);
        } catch (error) {
          failedIds.push(item.id);
          firstError ??= error;
          continue;
        }
        started.push(item.id);
        unmarked.push(item.id);
        if (unmarked.length >= MARK_CHUNK) {
          const ids = unmarked;
          unmarked = [];
          await this.source.markStarted(ids);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, lane));
    await this.source.markStarted(unmarked);
    if (failedIds.length > 0) {
      this.backoffUntil = Date.now() + this.options.sweepIntervalMs;
      const message = firstError instanceof Error ? firstError.message : String(firstError);
      await this.source.recordFailure(failedIds, message);
      this.logger.warn({ count: failedIds.length, error: message }, `could not start ${this.source.what}; will retry`);
    }
    return started.length;
  }
}
