import { ApplicationFailure } from '@temporalio/activity';
import { DomainError } from '../domain/errors';
import { isTokenRejectedErrcode, WecomApiError } from '../wecom/errors';

/**
 * Maps errors to Temporal's retry decision: WeCom errors that retrying cannot fix (no privilege,
 * unknown id...) and domain errors fail at once with a recorded reason; a frequency-limit answer
 * retries after the window WeCom named; everything else (network, database) retries with backoff.
 */
export async function withWecomFailures<T>(fn: () => Promise<T>, maxRetryDelayMs = 60_000): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof WecomApiError) {
      // A token rejected right after the client's one refresh is still worth another attempt.
      if (!error.retryable && !isTokenRejectedErrcode(error.errcode)) {
        throw ApplicationFailure.create({
          message: error.message,
          type: `WECOM_${error.errcode}`,
          nonRetryable: true,
          details: [{ errcode: error.errcode, errmsg: error.errmsg }],
        });
      }
      if (error.retryAfterMs !== undefined) {
        throw ApplicationFailure.create({
          message: error.message,
          type: `WECOM_${error.errcode}`,
          nextRetryDelay: Math.min(error.retryAfterMs, maxRetryDelayMs),
        });
      }
    }
    if (error instanceof DomainError && ['not_found', 'validation', 'conflict'].includes(error.kind)) {
      throw ApplicationFailure.nonRetryable(error.message, error.code);
    }
    throw error;
  }
}
