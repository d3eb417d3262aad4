/**
 * Group commit for one hot write. Concurrent callers' items are gathered and written by a single
 * multi-row statement, so under load one round trip, one plan and one WAL flush serve many
 * requests; when the system is idle an item goes out on the next turn of the event loop. A caller
 * is answered only after the statement that carried its item has committed.
 */
export interface GroupCommitOptions<I, R> {
  /** Writes items with distinct keys in one statement; resolves with one result per item, in order. */
  write(items: I[]): Promise<R[]>;
  /**
   * Items with one key never share a batch (a multi-row upsert cannot touch one row twice) and
   * never run in two batches at once, so one key's items are written in the order submitted.
   */
  keyOf(item: I): string;
  /** Most items per statement. */
  maxBatch: number;
  /** Most statements in flight at once (each holds one pooled connection). */
  maxInFlight: number;
  /**
   * Whether a failed statement's items are then written one by one, because the failure may
   * belong to one item (bad data, a deadlock), rather than all getting it (database unreachable).
   */
  retryAlone(error: unknown): boolean;
  /**
   * Whether a failed statement surely did not commit and a fresh connection may succeed where it
   * failed (the connection was lost): the same items are then written once more.
   */
  retryOnce?(error: unknown): boolean;
  /** What callers get when that second attempt failed the same way (e.g. a 503 with Retry-After). */
  unavailable?(error: unknown): unknown;
  /** Pause before the second attempt, so the pool has noticed the dead connection (default 20 ms). */
  retryDelayMs?: number;
  /** Told the size of every batch taken (for metrics). */
  onBatch?(size: number): void;
}

interface Pending<I, R> {
  item: I;
  key: string;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/** The database stayed unreachable through the second attempt: every caller of the statement gets `error`. */
class GaveUp {
  constructor(readonly error: unknown) {}
}

export class GroupCommitQueue<I, R> {
  private queue: Array<Pending<I, R>> = [];
  private readonly keysInFlight = new Set<string>();
  private inFlight = 0;
  private flushScheduled = false;

  constructor(private readonly options: GroupCommitOptions<I, R>) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, key: this.options.keyOf(item), resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a statement, for tests and metrics. */
  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.flushScheduled || this.queue.length === 0 || this.inFlight >= this.options.maxInFlight) return;
    this.flushScheduled = true;
    // setImmediate, not a microtask: requests whose bodies were parsed in this I/O phase join.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      this.options.onBatch?.(batch.length);
      this.inFlight += 1;
      for (const entry of batch) this.keysInFlight.add(entry.key);
      void this.run(batch).finally(() => {
        for (const entry of batch) this.keysInFlight.delete(entry.key);
        this.inFlight -= 1;
        this.schedule();
      });
    }
  }

  private takeBatch(): Array<Pending<I, R>> {
    const batch: Array<Pending<I, R>> = [];
    const keys = new Set<string>();
    const rest: Array<Pending<I, R>> = [];
    for (const entry of this.queue) {
      if (batch.length < this.options.maxBatch && !keys.has(entry.key) && !this.keysInFlight.has(entry.key)) {
        batch.push(entry);
        keys.add(entry.key);
      } else {
        rest.push(entry);
      }
    }
    this.queue = rest;
    return batch;
  }

  /** One statement, written a second time when the first lost its connection before committing. */
  private async write(items: I[]): Promise<R[]> {
    const { retryOnce, unavailable } = this.options;
    try {
      return await this.options.write(items);
    } catch (error) {
      if (!retryOnce?.(error)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 20));
    try {
      return await this.options.write(items);
    } catch (error) {
      if (!retryOnce(error)) throw error;
      throw new GaveUp(unavailable ? unavailable(error) : error);
    }
  }

  private async run(batch: Array<Pending<I, R>>): Promise<void> {
    try {
      const results = await this.write(batch.map((entry) => entry.item));
      if (results.length !== batch.length) {
        throw new Error(`group write returned ${results.length} results for ${batch.length} items`);
      }
      batch.forEach((entry, i) => entry.resolve(results[i] as R));
    } catch (error) {
      if (error instanceof GaveUp) {
        for (const entry of batch) entry.reject(error.error);
        return;
      }
      if (batch.length === 1 || !this.options.retryAlone(error)) {
        for (const entry of batch) entry.reject(error);
        return;
      }
      // One bad item (or a deadlock with another writer) must not fail its neighbours: write
      // each alone, so every caller gets its own outcome.
      for (const entry of batch) await this.runAlone(entry);
    }
  }

  private async runAlone(entry: Pending<I, R>): Promise<void> {
    try {
      const [result] = await this.write([entry.item]);
      if (result === undefined) throw new Error('group write returned no result');
      entry.resolve(result);
    } catch (error) {
      entry.reject(error instanceof GaveUp ? error.error : error);
    }
  }
}
