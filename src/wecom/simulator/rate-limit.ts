/**
 * Per-minute budgets per API path, counted on the corp's simulated clock. A window opens with the
 * first call and lasts a minute, so a caller that ran out waits at most that minute.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** Counts one call; false when the key already used its budget in the current window. */
  take(key: string, limit: number, nowMs: number, windowMs = 60_000): boolean {
    let window = this.windows.get(key);
    if (!window || nowMs >= window.start + windowMs || nowMs < window.start) {
      window = { start: nowMs, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= limit) return false;
    window.count++;
    return true;
  }

  reset(): void {
    this.windows.clear();
  }
}
