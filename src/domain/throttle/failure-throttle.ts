import { isIPv6 } from 'node:net';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Db } from '../../db/knex';
import { RateLimitedError } from '../errors';

/** The table of every throttle's counters (created by migration 20261202000003). */
export const THROTTLE_TABLE = 'auth_throttle';

export interface LimiterOptions {
  /** Distinguishes this limiter's rows in the shared table. */
  keyPrefix: string;
  points: number;
  durationSeconds: number;
  /** Once `points` are exceeded, the key is refused for this long (0: until `durationSeconds` ends). */
  blockSeconds?: number;
  /** One limiter per process deletes long-expired rows every five minutes, for the whole table. */
  sweepsExpired?: boolean;
}

/**
 * A limiter whose counters live in PostgreSQL, so every API process sees the same failures.
 *
 * When PostgreSQL cannot be reached, the limiter falls back to an in-memory one in this process
 * (rate-limiter-flexible's insurance limiter) rather than failing open or closed: failing open
 * would let anyone who can slow the database switch the throttle off, failing closed would turn a
 * database hiccup into nobody being able to log in (or a partner's intake refused for a counter).
 * During an outage the limits hold per process instead of across them.
 */
export function postgresLimiter(db: Db, options: LimiterOptions): RateLimiterAbstract {
  const common = {
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.durationSeconds,
    blockDuration: options.blockSeconds ?? 0,
  };
  return new RateLimiterPostgres({
    ...common,
    storeClient: db,
    storeType: 'knex',
    tableName: THROTTLE_TABLE,
    tableCreated: true,
    clearExpiredByTimeout: options.sweepsExpired === true,
    insuranceLimiter: new RateLimiterMemory(common),
  });
}

/**
 * The key of a client address: IPv4 as is (also when written IPv4-mapped), IPv6 by its /64,
 * since one IPv6 host is usually free to use any address of its /64.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1] as string;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('%')[0]!.toLowerCase().split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = ip.includes('::') && tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(missing, 0)).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** Seconds to announce in Retry-After for a limiter's refusal (at least one). */
export function retryAfterSeconds(rejection: RateLimiterRes): number {
  return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
}

export function tooManyFailures(retryAfter: number): RateLimitedError {
  return new RateLimitedError(
    `too many failed attempts; try again in ${retryAfter} seconds`,
    retryAfter,
    'TOO_MANY_FAILURES',
    { retryAfter: String(retryAfter) },
  );
}

/**
 * Failed authentications per client address (partner keys, HR-system signatures); an address over
 * the limit is answered 429 TOO_MANY_FAILURES with Retry-After until its block ends. Only failures
 * are counted and only failures are refused: a caller whose credentials are right is never slowed
 * or refused by it, even from an address that is blocked.
 */
export class FailureThrottle {
  constructor(private readonly limiter: RateLimiterAbstract) {}

  /** Contract: call on a failed authentication from `ip`; throws `failure`, or the 429 once `ip` is over its limit. */
  async refuse(ip: string, failure: Error): Promise<never> {
    await this.count(ip);
    throw failure;
  }

  /** Counts a failed authentication from `ip`; throws the 429 once `ip` is over its limit. */
  async count(ip: string): Promise<void> {
    try {
      await this.limiter.consume(addressKey(ip));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw tooManyFailures(retryAfterSeconds(rejection));
      throw rejection;
    }
  }
}
