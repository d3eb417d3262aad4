import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { WecomApiError } from './errors';

export interface RateLimit {
  points: number;
  durationSeconds: number;
}

export interface WecomRateLimiterOptions {
  /** Budget of every (corp, endpoint) pair; default WeCom's 10,000 calls per minute per corp and API. */
  limit?: RateLimit;
  /** Budgets for particular endpoint paths (e.g. 'externalcontact/get'). */
  limitsByPath?: Readonly<Record<string, RateLimit>>;
  /** Longest a call may wait for budget before it fails with a retryable 45009 (default 30 s). */
  maxWaitMs?: number;
}

export const WECOM_DEFAULT_RATE_LIMIT: RateLimit = { points: 10_000, durationSeconds: 60 };
const DEFAULT_MAX_WAIT_MS = 30_000;

/** Spreads waiters that wake on the same window reset. */
const WAKE_JITTER_MS = 10;

/**
 * Client-side budget per (corp, endpoint path), kept below WeCom's own limit so the corp is never
 * blocked for a minute by WeCom. Calls over budget wait for the next window instead of failing.
 */
export class WecomRateLimiter {
  private readonly defaultLimiter: RateLimiterMemory;
  private readonly pathLimiters = new Map<string, RateLimiterMemory>();
  private readonly maxWaitMs: number;

  constructor(options: WecomRateLimiterOptions = {}) {
    this.defaultLimiter = createLimiter(options.limit ?? WECOM_DEFAULT_RATE_LIMIT);
    for (const [path, limit] of Object.entries(options.limitsByPath ?? {})) {
      this.pathLimiters.set(path, createLimiter(limit));
    }
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  }

  /** Resolves once the call may go out; throws a retryable WecomApiError (45009) if that would take over maxWaitMs. */
  async acquire(corpId: string, path: string): Promise<void> {
    const limiter = this.pathLimiters.get(path) ?? this.defaultLimiter;
    const key = `${corpId}\n${path}`;
    const started = Date.now();
    for (;;) {
      const waitMs = await tryConsume(limiter, key);
      if (waitMs === 0) return;
      const waited = Date.now() - started;
      if (waited + waitMs > this.maxWaitMs) {
        throw new WecomApiError({
          errcode: 45009,
          errmsg: `client-side limit of ${limiter.points} calls per ${limiter.duration} s reached for ${path}`,
          path,
          retryable: true,
          retryAfterMs: waitMs,
        });
      }
      await sleep(waitMs + Math.floor(Math.random() * WAKE_JITTER_MS));
    }
  }
}

function createLimiter(limit: RateLimit): RateLimiterMemory {
  if (!Number.isInteger(limit.points) || limit.points < 1) throw new RangeError('rate limit points must be ≥ 1');
  if (!(limit.durationSeconds > 0)) throw new RangeError('rate limit duration must be > 0');
  return new RateLimiterMemory({ points: limit.points, duration: limit.durationSeconds });
}

/** 0 when a point was taken, else the milliseconds until the window resets. */
async function tryConsume(limiter: RateLimiterMemory, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (rejection: unknown) {
    if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
    throw rejection;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
