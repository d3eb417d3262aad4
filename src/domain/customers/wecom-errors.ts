import type { WecomApi, WecomApiFactory } from '../../wecom/api';
import { WecomApiError, WecomCredentialsError, WecomNetworkError } from '../../wecom/errors';
import { ConflictError, DomainError, NotFoundError, RateLimitedError, UnavailableError } from '../errors';

/** WeCom's answers for an external userid it does not know, or that no member of the corp follows. */
const UNKNOWN_CUSTOMER_ERRCODES: ReadonlySet<number> = new Set([40096, 84061]);
const RATE_LIMIT_ERRCODES: ReadonlySet<number> = new Set([45009, 45033]);

/** The WeCom client of a corp; a corp without WeCom settings is a conflict the admin must fix, not a missing record. */
export async function openWecom(factory: WecomApiFactory, corpId: string): Promise<WecomApi> {
  try {
    return await factory(corpId);
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new ConflictError(`WeCom is not configured for corp ${corpId}`, 'WECOM_CORP_NOT_CONFIGURED');
    }
    throw error;
  }
}

/**
 * Turns a failed WeCom call into a domain error: limits → 429, WeCom down or busy → 503, a
 * refusal (permissions, credentials, bad parameters) → 409 with WeCom's errcode in the message.
 * `notFound` builds the error for an unknown customer, when the caller has one.
 */
export function wecomCallError(error: unknown, notFound?: () => DomainError): unknown {
  if (error instanceof DomainError) return error;
  if (error instanceof WecomNetworkError) {
    return new UnavailableError(`WeCom could not be reached (${error.path}), try again later`, 'WECOM_UNAVAILABLE');
  }
  if (!(error instanceof WecomApiError)) return error;
  if (error instanceof WecomCredentialsError) {
    return new ConflictError('WeCom rejected the corp’s credentials; check its corp id and secret', error.code);
  }
  if (notFound && UNKNOWN_CUSTOMER_ERRCODES.has(error.errcode)) return notFound();
  if (RATE_LIMIT_ERRCODES.has(error.errcode)) {
    return new RateLimitedError(error.message, Math.max(1, Math.ceil((error.retryAfterMs ?? 60_000) / 1000)));
  }
  if (error.retryable) return new UnavailableError(error.message, 'WECOM_UNAVAILABLE');
  return new ConflictError(`WeCom refused the call: ${error.message}`, 'WECOM_REJECTED');
}
