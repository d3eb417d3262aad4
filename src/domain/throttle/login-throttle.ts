import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Db } from '../../db/knex';
import { addressKey, postgresLimiter, retryAfterSeconds, tooManyFailures } from './failure-throttle';

export interface LoginThrottleOptions {
  /** Wrong passwords in a row allowed for one username from one address; the next attempt is refused. */
  maxConsecutiveFails: number;
  /** How long a username + address remembers its failures (and its blocks) without a success. */
  failMemorySeconds: number;
  /** The first block of a username + address; each further block doubles it, up to maxBlockSeconds. */
  blockSeconds: number;
  maxBlockSeconds: number;
  /** Failed logins from one address, across usernames, within addressWindowSeconds. */
  maxFailsPerAddress: number;
  addressWindowSeconds: number;
  addressBlockSeconds: number;
}

/** One login attempt that has been let through to the password check. */
export interface LoginAttempt {
  /** The password matched and the user may log in: forgets the username + address's failures. */
  succeeded(): Promise<void>;
}

/**
 * rate-limiter-flexible's login protection: consecutive failures per username + address (a
 * success resets them), and failures per address across usernames, over the limiters' PostgreSQL
 * table so the counts hold across API processes.
 *
 * Unlike the library's example, an attempt is counted before its password is checked and the
 * count is undone on success: checking first and counting after would let a burst of parallel
 * guesses all reach the password check before the first failure is recorded. Usernames that do
 * not exist are counted exactly like those that do, so a refusal tells nothing about the username.
 */
export class LoginThrottle {
  private readonly byAddress: RateLimiterAbstract;
  private readonly byPair: RateLimiterAbstract;
  /** How many times a username + address has been blocked: the length of its next block. */
  private readonly blocksOfPair: RateLimiterAbstract;

  constructor(
    db: Db,
    private readonly options: LoginThrottleOptions,
  ) {
    this.byAddress = postgresLimiter(db, {
      keyPrefix: 'login_fail_ip',
      points: options.maxFailsPerAddress,
      durationSeconds: options.addressWindowSeconds,
      blockSeconds: options.addressBlockSeconds,
      sweepsExpired: true,
    });
    // No blockDuration: the block is set by hand, with a length that grows (see refusePair).
    this.byPair = postgresLimiter(db, {
      keyPrefix: 'login_fail_user_ip',
      points: options.maxConsecutiveFails,
      durationSeconds: options.failMemorySeconds,
    });
    this.blocksOfPair = postgresLimiter(db, {
      keyPrefix: 'login_blocks_user_ip',
      points: Number.MAX_SAFE_INTEGER,
      durationSeconds: options.failMemorySeconds,
    });
  }

  /**
   * Counts an attempt of `username` from `ip` before its password is checked. Throws
   * RateLimitedError (TOO_MANY_FAILURES, with Retry-After) when the address or the username +
   * address is blocked, whatever the password; otherwise the caller checks the password and calls
   * `succeeded` when it matched.
   */
  async begin(username: string, ip: string): Promise<LoginAttempt> {
    const address = addressKey(ip);
    const pair = `${address}/${username.toLowerCase()}`;
    await refuseWhenRejected(this.byAddress.consume(address));
    try {
      await this.byPair.consume(pair);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw await this.refusePair(pair, rejection);
    }
    return {
      succeeded: async () => {
        await Promise.all([this.byPair.delete(pair), this.blocksOfPair.delete(pair), this.byAddress.reward(address)]);
      },
    };
  }

  /** The attempt that first goes over the limit starts a block, each one twice the length of the one before. */
  private async refusePair(pair: string, rejection: RateLimiterRes): Promise<Error> {
    if (rejection.consumedPoints !== this.options.maxConsecutiveFails + 1) {
      // Capped: in a burst, a refusal can arrive before the block is written and see the memory window.
      return tooManyFailures(Math.min(retryAfterSeconds(rejection), this.options.maxBlockSeconds));
    }
    const blocks = await this.blocksOfPair.penalty(pair);
    const seconds = Math.min(
      this.options.blockSeconds * 2 ** Math.min(blocks.consumedPoints - 1, 30),
      this.options.maxBlockSeconds,
    );
    await this.byPair.block(pair, seconds);
    return tooManyFailures(seconds);
  }
}

async function refuseWhenRejected(consumption: Promise<RateLimiterRes>): Promise<void> {
  try {
    await consumption;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw tooManyFailures(retryAfterSeconds(rejection));
    throw rejection;
  }
}
