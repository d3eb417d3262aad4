import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Db } from '../../db/knex';
import { postgresLimiter } from './failure-throttle';

/** So many calls per so many seconds, in fixed windows. */
export interface Budget {
  points: number;
  durationSeconds: number;
}

/** Takes one call from a key's budget: 0 when taken, else the milliseconds until the window ends. */
export interface RequestBudget {
  tryTake(key: string, budget: Budget): Promise<number>;
}

/** The budget, or a RangeError for one that allows nothing or has no window. */
export function checkedBudget(budget: Budget): Budget {
  if (!Number.isInteger(budget.points) || budget.points < 1) throw new RangeError('budget points must be ≥ 1');
  if (!(budget.durationSeconds > 0)) throw new RangeError('budget duration must be > 0');
  return budget;
}

/** One limiter per budget size: rate-limiter-flexible fixes points and duration per limiter. */
class LimiterPerBudget<L extends RateLimiterAbstract> {
  private readonly limiters = new Map<string, L>();
  constructor(private readonly create: (budget: Budget, prefix: string) => L) {}
  of(budget: Budget): L {
    const prefix = `${budget.points}p${budget.durationSeconds}s`;
    let limiter = this.limiters.get(prefix);
    if (!limiter) this.limiters.set(prefix, (limiter = this.create(checkedBudget(budget), prefix)));
    return limiter;
  }
}

/** A budget of this process alone. */
export class MemoryBudget implements RequestBudget {
  private readonly limiters = new LimiterPerBudget(
    (b, prefix) => new RateLimiterMemory({ points: b.points, duration: b.durationSeconds, keyPrefix: prefix }),
  );

  async tryTake(key: string, budget: Budget): Promise<number> {
    try {
      await this.limiters.of(budget).consume(key);
      return 0;
    } catch (rejection: unknown) {
      if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
      throw rejection;
    }
  }
}

interface Lease {
  tokens: number;
  /** When the shared window ends: every process's lease of it ends then too. */
  endsAt: number;
}

/** At most this share of a window's budget is leased at once, so processes split it finely. */
const LEASE_SHARE = 1 / 50;
const MAX_LEASE = 100;

/**
 * A budget shared by every process through PostgreSQL, without a database call per request: a
 * process leases a small slice of the current window (1/50 of it, at most 100 calls) in one
 * atomic increment and spends it locally. All processes see the same window, so together they
 * take at most the budget; what a process leased and did not spend (less than one slice each) is
 * lost at the window's end. When the window has less left than a slice, the process gets the rest.
 * If PostgreSQL is unreachable the store's in-memory insurance limiter holds the budget per process.
 */
export class SharedBudget implements RequestBudget {
  private readonly leases = new Map<string, Lease>();
  private readonly refills = new Map<string, Promise<void>>();
  private readonly limiters: LimiterPerBudget<RateLimiterAbstract>;

  constructor(db: Db, keyPrefix: string) {
    this.limiters = new LimiterPerBudget((b, prefix) =>
      postgresLimiter(db, {
        keyPrefix: `${keyPrefix}_${prefix}`,
        points: b.points,
        durationSeconds: b.durationSeconds,
      }),
    );
  }

  async tryTake(key: string, budget: Budget): Promise<number> {
    for (;;) {
      const lease = this.leases.get(key);
      const now = Date.now();
      if (lease && lease.endsAt > now) {
        if (lease.tokens > 0) {
          lease.tokens -= 1;
          return 0;
        }
        if (lease.tokens < 0) return lease.endsAt - now;
      }
      let refill = this.refills.get(key);
      if (!refill) {
        refill = this.refill(key, budget).finally(() => this.refills.delete(key));
        this.refills.set(key, refill);
      }
      await refill;
    }
  }

  private async refill(key: string, budget: Budget): Promise<void> {
    const slice = Math.min(MAX_LEASE, Math.max(1, Math.ceil(budget.points * LEASE_SHARE)));
    const now = Date.now();
    try {
      const taken = await this.limiters.of(budget).consume(key, slice);
      this.leases.set(key, { tokens: slice, endsAt: now + Math.max(1, taken.msBeforeNext) });
    } catch (rejection: unknown) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      // Over the budget with this slice: what was left before it is ours; -1 marks a spent window.
      const left = Math.max(0, budget.points - (rejection.consumedPoints - slice));
      this.leases.set(key, { tokens: left > 0 ? left : -1, endsAt: now + Math.max(1, rejection.msBeforeNext) });
    }
  }
}
