import type { Db } from '../db/knex';
import {
  checkedBudget,
  MemoryBudget,
  SharedBudget,
  type Budget,
  type RequestBudget,
} from '../domain/throttle/request-budget';
import { WecomApiError } from './errors';

export type RateLimit = Budget;

export interface WecomRateLimiterOptions {
  /** Budget of every (corp, endpoint) pair; default WeCom's 10,000 calls per minute per corp and API. */
  limit?: RateLimit;
  /** Budgets for particular endpoint paths (e.g. 'externalcontact/get'). */
  limitsByPath?: Readonly<Record<string, RateLimit>>;
  /** Longest a call may wait for budget before it fails with a retryable 45009 (default 30 s). */
  maxWaitMs?: number;
  /** Where the budgets are counted; WeCom's quota is per corp, so production shares it across processes. */
  budget?: RequestBudget;
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
  private readonly defaultLimit: RateLimit;
  private readonly pathLimits: ReadonlyMap<string, RateLimit>;
  private readonly maxWaitMs: number;
  private readonly budget: RequestBudget;

  constructor(options: WecomRateLimiterOptions = {}) {
    this.defaultLimit = checkedBudget(options.limit ?? WECOM_DEFAULT_RATE_LIMIT);
    this.pathLimits = new Map(Object.entries(options.limitsByPath ?? {}).map(([path, l]) => [path, checkedBudget(l)]));
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.budget = options.budget ?? new MemoryBudget();
  }

  /** Resolves once the call may go out; throws a retryable WecomApiError (45009) if that would take over maxWaitMs. */
  async acquire(corpId: string, path: string): Promise<void> {
    const limit = this.pathLimits.get(path) ?? this.defaultLimit;
    const key = `wecom:${corpId}:${path}`;
    const started = Date.now();
    for (;;) {
      const waitMs = await this.budget.tryTake(key, limit);
      if (waitMs === 0) return;
      const waited = Date.now() - started;
      if (waited + waitMs > this.maxWaitMs) {
        throw new WecomApiError({
          errcode: 45009,
          errmsg: `client-side limit of ${limit.points} calls per ${limit.durationSeconds} s reached for ${path}`,
          path,
          retryable: true,
          retryAfterMs: waitMs,
        });
      }
      await sleep(waitMs + Math.floor(Math.random() * WAKE_JITTER_MS));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** WeCom's default budgets counted in PostgreSQL, shared by every process that passes this `db`. */
export function sharedWecomLimiter(db: Db): WecomRateLimiter {
  return new WecomRateLimiter({ budget: new SharedBudget(db, 'wecom_calls') });
}
