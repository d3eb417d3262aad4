import { createHash } from 'node:crypto';

/** What a credential fetch returns: the value and its lifetime as WeCom states it. */
export interface CredentialGrant {
  value: string;
  expiresInSeconds: number;
}

export type CredentialFetcher = () => Promise<CredentialGrant>;

export interface TokenCacheOptions {
  /** Renew this long before WeCom's stated expiry (default 5 min; at most half the lifetime is cut). */
  safetyMarginMs?: number;
  now?: () => number;
}

interface Cached {
  value: string;
  expiresAt: number;
}

const DEFAULT_SAFETY_MARGIN_MS = 5 * 60_000;

/** Secrets never appear in cache keys, so heap dumps and debug output of the keys stay harmless. */
function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 32);
}

/**
 * Process-wide cache of WeCom access tokens (per corp and secret), JS-SDK tickets (per corp and
 * per app) and WeChat mini-program access tokens (per app and secret). Concurrent callers of the
 * same key share one fetch; a failed fetch is not cached.
 */
export class TokenCache {
  private readonly values = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly safetyMarginMs: number;
  private readonly now: () => number;

  constructor(options: TokenCacheOptions = {}) {
    this.safetyMarginMs = options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
    this.now = options.now ?? Date.now;
  }

  getAccessToken(corpId: string, secret: string, fetch: CredentialFetcher): Promise<string> {
    return this.get(accessTokenKey(corpId, secret), fetch);
  }

  /** Drops `token` only if it is still the cached one, so concurrent rejections of one token cause one refresh. */
  invalidate(corpId: string, secret: string, token: string): boolean {
    return this.drop(accessTokenKey(corpId, secret), token);
  }

  /** Corp ticket for wx.config (get_jsapi_ticket). */
  getJsapiTicket(corpId: string, fetch: CredentialFetcher): Promise<string> {
    return this.get(`jsapi\n${corpId}`, fetch);
  }

  invalidateJsapiTicket(corpId: string, ticket: string): boolean {
    return this.drop(`jsapi\n${corpId}`, ticket);
  }

  /** App ticket for wx.agentConfig (ticket/get?type=agent_config); the app is the one the secret belongs to. */
  getAgentTicket(corpId: string, secret: string, fetch: CredentialFetcher): Promise<string> {
    return this.get(`agent\n${corpId}\n${fingerprint(secret)}`, fetch);
  }

  invalidateAgentTicket(corpId: string, secret: string, ticket: string): boolean {
    return this.drop(`agent\n${corpId}\n${fingerprint(secret)}`, ticket);
  }

  /** A WeChat mini-program's access_token (cgi-bin/token), per app and secret: another host, another credential. */
  getMiniProgramToken(appId: string, secret: string, fetch: CredentialFetcher): Promise<string> {
    return this.get(`wxa\n${appId}\n${fingerprint(secret)}`, fetch);
  }

  invalidateMiniProgramToken(appId: string, secret: string, token: string): boolean {
    return this.drop(`wxa\n${appId}\n${fingerprint(secret)}`, token);
  }

  clear(): void {
    this.values.clear();
  }

  private get(key: string, fetch: CredentialFetcher): Promise<string> {
    const cached = this.values.get(key);
    if (cached && this.now() < cached.expiresAt) return Promise.resolve(cached.value);
    const pending = this.inFlight.get(key);
    if (pending) return pending;

    const flight = (async () => {
      const grant = await fetch();
      this.values.set(key, { value: grant.value, expiresAt: this.now() + this.lifetimeMs(grant.expiresInSeconds) });
      return grant.value;
    })();
    this.inFlight.set(key, flight);
    const settle = () => {
      if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
    };
    void flight.then(settle, settle);
    return flight;
  }

  private drop(key: string, value: string): boolean {
    if (this.values.get(key)?.value !== value) return false;
    this.values.delete(key);
    return true;
  }

  private lifetimeMs(expiresInSeconds: number): number {
    const statedMs = Math.max(0, expiresInSeconds) * 1000;
    return Math.max(statedMs - this.safetyMarginMs, statedMs / 2);
  }
}

function accessTokenKey(corpId: string, secret: string): string {
  return `token\n${corpId}\n${fingerprint(secret)}`;
}
