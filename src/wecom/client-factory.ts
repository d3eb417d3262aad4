import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { findWecomCorp, type WecomCorpRow } from '../db/queries/wecom-corps';
import { NotFoundError } from '../domain/errors';
import { WecomClient, type FetchLike } from './client';
import { WecomRateLimiter } from './rate-limit';
import { TokenCache } from './token-cache';

export interface WecomApiFactoryOptions {
  baseUrl: string;
  logger: Logger;
  fetch?: FetchLike;
  /** How long a corp's client (and so its credentials) is reused before the row is read again (default 30 s). */
  clientTtlMs?: number;
  timeoutMs?: number;
  /** Shared by every client of the process unless given. */
  tokenCache?: TokenCache;
  /** Defaults to budgets of this process alone; the API and worker pass one shared through PostgreSQL. */
  limiter?: WecomRateLimiter;
  /** Reads the corp's row; defaults to the wecom_corp table. */
  findCorp?: (corpId: string) => Promise<WecomCorpRow | undefined>;
}

/** Resolves a corp's full client (tickets and paging included); usable wherever a WecomApiFactory is expected. */
export type WecomClientFactory = (corpId: string) => Promise<WecomClient>;

const DEFAULT_CLIENT_TTL_MS = 30_000;

/**
 * Clients are built from the corp's wecom_corp row and reused for a short while, so a changed
 * secret takes effect within the TTL; tokens and rate budgets are shared across all of them.
 */
export function createWecomApiFactory(db: Db, options: WecomApiFactoryOptions): WecomClientFactory {
  const tokenCache = options.tokenCache ?? new TokenCache();
  const limiter = options.limiter ?? new WecomRateLimiter();
  const ttlMs = options.clientTtlMs ?? DEFAULT_CLIENT_TTL_MS;
  const logger = options.logger.child({ component: 'wecom' });
  const findCorp = options.findCorp ?? ((corpId: string) => findWecomCorp(db, corpId));
  const clients = new Map<string, { client: Promise<WecomClient>; expiresAt: number }>();

  async function load(corpId: string): Promise<WecomClient> {
    const corp = await findCorp(corpId);
    if (!corp) throw new NotFoundError('WeCom corp', corpId, 'WECOM_CORP_NOT_FOUND');
    return new WecomClient({
      baseUrl: options.baseUrl,
      corpId: corp.corp_id,
      secret: corp.secret,
      agentId: corp.agent_id,
      tokenCache,
      limiter,
      logger,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
    });
  }

  return (corpId: string) => {
    const now = Date.now();
    const cached = clients.get(corpId);
    if (cached && now < cached.expiresAt) return cached.client;
    const client = load(corpId);
    clients.set(corpId, { client, expiresAt: now + ttlMs });
    // A failed load (unknown corp, database down) must not be remembered.
    void client.catch(() => {
      if (clients.get(corpId)?.client === client) clients.delete(corpId);
    });
    return client;
  };
}
