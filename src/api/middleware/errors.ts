import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { DomainError, RateLimitedError, UnavailableError, ValidationError } from '../../domain/errors';
import { STATUS_BY_KIND, type Envelope } from '../envelope';

interface HttpishError {
  status?: number;
  expose?: boolean;
  type?: string;
  message?: string;
}

/**
 * The one place errors become responses: domain errors by kind, body-parser errors (bad JSON,
 * too large) by their status, anything else as 500 without internals. Every error response is an
 * envelope whose code equals the HTTP status.
 */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { code: '404', msg: `no route for ${ctx.method} ${ctx.path}`, data: null } satisfies Envelope<null>;
      }
    } catch (error) {
      const requestId = String(ctx.state['requestId'] ?? '');
      let status = 500;
      let msg = `internal error (request id ${requestId})`;
      let data: unknown = null;
      if (error instanceof DomainError) {
        status = STATUS_BY_KIND[error.kind];
        msg = error.message;
        if (error instanceof ValidationError) data = { errors: error.problems };
        if (error instanceof RateLimitedError) ctx.set('Retry-After', String(error.retryAfterSeconds));
        if (error instanceof UnavailableError && error.retryAfterSeconds !== undefined)
          ctx.set('Retry-After', String(error.retryAfterSeconds));
      } else {
        const e = error as HttpishError;
        if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
          status = e.status;
          msg =
            e.type === 'entity.too.large'
              ? 'request body too large'
              : e.type === 'entity.parse.failed' || error instanceof SyntaxError
                ? 'request body is not valid JSON'
                : e.expose && e.message
                  ? e.message
                  : 'bad request';
        }
      }
      if (status >= 500) logger.error({ err: error, requestId, path: ctx.path }, 'request failed');
      else logger.debug({ requestId, path: ctx.path, status, msg }, 'request rejected');
      ctx.status = status;
      ctx.body = { code: String(status), msg, data } satisfies Envelope<unknown>;
    }
  };
}
