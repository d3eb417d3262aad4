import type { Context, Middleware } from 'koa';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { UnauthorizedError, UnavailableError } from '../../domain/errors';
import {
  acceptSignatureOnce,
  checkSignature,
  checkSignedHeaders,
  NEXUS_SIGNATURE_HEADER,
  NEXUS_TIMESTAMP_HEADER,
} from '../../domain/nexus/signature';
import type { BodyOptions } from '../middleware/body';

export interface NexusSignatureDeps {
  config: Pick<Config, 'NEXUS_SECRET' | 'NEXUS_SIGNATURE_MAX_AGE_SECONDS'>;
  db: Db;
  /**
   * Called with the client's address on every refused signature (missing, stale, wrong or
   * replayed), before the 401 is answered; an error it throws (a 429 of a per-IP limiter) is
   * answered instead.
   */
  onSignatureFailure?: (ip: string) => Promise<void>;
}

interface Signed {
  secret: string;
  timestamp: number;
  signature: Buffer;
}

const STATE_KEY = 'nexusSigned';

/**
 * Authentication of the HR system's calls (route auth 'nexus'), in two steps around the body
 * reader: the headers and the time window before any byte of the body is read, then the signature
 * over the exact bytes received and the replay check before they are decoded or parsed.
 */
export function nexusSignatureAuth(deps: NexusSignatureDeps): { headers: Middleware; body: BodyOptions } {
  const refused = async (ctx: Context, error: unknown): Promise<never> => {
    if (error instanceof UnauthorizedError && deps.onSignatureFailure) await deps.onSignatureFailure(ctx.ip);
    throw error;
  };
  const maxAge = deps.config.NEXUS_SIGNATURE_MAX_AGE_SECONDS;
  return {
    headers: async (ctx, next) => {
      const secret = deps.config.NEXUS_SECRET;
      if (!secret) throw new UnavailableError('the Nexus integration is not configured', 'NEXUS_NOT_CONFIGURED');
      let checked: { timestamp: number; signature: Buffer };
      try {
        checked = checkSignedHeaders(
          { timestamp: ctx.get(NEXUS_TIMESTAMP_HEADER), signature: ctx.get(NEXUS_SIGNATURE_HEADER) },
          Math.floor(Date.now() / 1000),
          maxAge,
        );
      } catch (error) {
        return refused(ctx, error);
      }
      ctx.state[STATE_KEY] = { secret, ...checked } satisfies Signed;
      await next();
    },
    body: {
      keepRaw: true,
      verify: async (ctx, raw) => {
        const signed = ctx.state[STATE_KEY] as Signed;
        try {
          checkSignature(signed.secret, signed.timestamp, signed.signature, raw);
          await acceptSignatureOnce(deps.db, signed.timestamp, signed.signature, maxAge);
        } catch (error) {
          return refused(ctx, error);
        }
      },
    },
  };
}
