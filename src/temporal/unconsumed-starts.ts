import type { Db } from '../db/knex';
import { stillPendingAmong } from '../db/queries/clues';

/**
 * The clues this process started whose workflow has not taken its first step yet, which the
 * distribution outbox keeps under a bound. A clue counts for at most `windowMs`: a workflow an
 * operator ended by hand, or one whose worker is down, must not hold a slot for ever.
 */
export class UnconsumedStarts {
  private readonly startedAt = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly max: number,
    private readonly windowMs = 120_000,
  ) {}

  started(clueId: string): void {
    this.startedAt.set(clueId, Date.now());
  }

  /**
   * How many more clues may start now. The database is asked only when the bound is reached, so
   * a quiet outbox pays nothing for it.
   */
  async room(): Promise<number> {
    const now = Date.now();
    for (const [id, at] of this.startedAt) if (now - at > this.windowMs) this.startedAt.delete(id);
    if (this.startedAt.size >= this.max) {
      const pending = new Set(await stillPendingAmong(this.db, [...this.startedAt.keys()]));
      for (const id of this.startedAt.keys()) if (!pending.has(id)) this.startedAt.delete(id);
    }
    return Math.max(0, this.max - this.startedAt.size);
  }
}
