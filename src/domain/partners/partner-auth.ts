import type { Db } from '../../db/knex';
import { findPartnerCredential, type PartnerCredential } from '../../db/queries/partners';
import { RateLimitedError, UnauthorizedError } from '../errors';
import type { FailureThrottle } from '../throttle/failure-throttle';
import type { RequestBudget } from '../throttle/request-budget';
import { parsePartnerKey, secretMatches } from './partner-keys';

export interface AuthenticatedPartner {
  partnerId: string;
  partnerName: string;
}

export interface PartnerAuthOptions {
  defaultRateLimitPerMinute: number;
  /** How long a looked-up key is trusted before it is read again; bounds how late a revocation bites. */
  cacheTtlMs?: number;
  /** Counts failed keys per client address; only failures touch it, so valid keys are never slowed. */
  failures: FailureThrottle;
  /** Where partners' request budgets are counted: shared by every API process in production. */
  budget: RequestBudget;
}

/**
 * Authenticates partners by secret key and applies each partner's request budget. Credentials are
 * cached briefly so intake does not read the key table on every request; a revocation takes
 * effect within the cache TTL (default 5 s) in every API process.
 */
export class PartnerAuthenticator {
  private readonly cache = new Map<string, { credential: PartnerCredential | undefined; expiresAt: number }>();
  private readonly ttlMs: number;

  constructor(
    private readonly db: Db,
    private readonly options: PartnerAuthOptions,
  ) {
    this.ttlMs = options.cacheTtlMs ?? 5000;
  }

  /**
   * A failed key also counts against `clientIp`; once the address is over its limit its failures
   * are answered 429 instead of 401. Keys are 256 random bits, so the throttle is not what stops
   * guessing: it tells a misconfigured or hostile client to back off, and it never cuts off a
   * partner whose valid key comes from the same address (a shared egress).
   */
  async authenticate(secretKey: string, clientIp: string): Promise<AuthenticatedPartner> {
    const parsed = parsePartnerKey(secretKey);
    if (!parsed) {
      return this.options.failures.refuse(
        clientIp,
        new UnauthorizedError('secretKey is not valid', 'PARTNER_KEY_INVALID'),
      );
    }
    const credential = await this.lookup(parsed.keyId);
    // The digest comparison runs even for unknown ids so both paths cost the same.
    const matches = secretMatches(parsed.secret, credential?.secretSha256 ?? Buffer.alloc(32));
    if (!credential || !matches) {
      return this.options.failures.refuse(
        clientIp,
        new UnauthorizedError('secretKey is not valid', 'PARTNER_KEY_INVALID'),
      );
    }
    if (credential.revoked) {
      return this.options.failures.refuse(
        clientIp,
        new UnauthorizedError('secretKey has been revoked', 'PARTNER_KEY_REVOKED'),
      );
    }
    await this.consume(credential);
    return { partnerId: credential.partnerId, partnerName: credential.partnerName };
  }

  /** Drops cached credentials so a revocation made by this process applies at once. */
  forget(keyId?: string): void {
    if (keyId) this.cache.delete(keyId);
    else this.cache.clear();
  }

  private async lookup(keyId: string): Promise<PartnerCredential | undefined> {
    const now = Date.now();
    const hit = this.cache.get(keyId);
    if (hit && hit.expiresAt > now) return hit.credential;
    const credential = await findPartnerCredential(this.db, keyId);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(keyId, { credential, expiresAt: now + this.ttlMs });
    return credential;
  }

  private async consume(credential: PartnerCredential): Promise<void> {
    const perMinute = credential.rateLimitPerMinute ?? this.options.defaultRateLimitPerMinute;
    const waitMs = await this.options.budget.tryTake(`partner:${credential.partnerId}`, {
      points: perMinute,
      durationSeconds: 60,
    });
    if (waitMs > 0) {
      throw new RateLimitedError(
        `rate limit of ${perMinute} requests per minute exceeded for this partner`,
        Math.max(1, Math.ceil(waitMs / 1000)),
      );
    }
  }
}
