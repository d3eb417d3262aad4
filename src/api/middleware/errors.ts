import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import {
  DomainError,
  NotFoundError,
  RateLimitedError,
  UnavailableError,
  ValidationError,
  type FieldProblem,
} from '../../domain/errors';
import { DOMAIN_MESSAGES_ZH } from '../domain-messages';
import { STATUS_BY_KIND, type Envelope } from '../envelope';
import { formatMessage, hasMessage, localeOf, type Locale } from '../messages';
import { RequestError } from '../request-error';

interface Refusal {
  status: number;
  msg: string;
  data: unknown;
}

function localizeProblems(problems: FieldProblem[], locale: Locale): Array<{ field: string; message: string }> {
  return problems.map((p) => ({
    field: p.field,
    message: p.messageKey && hasMessage(p.messageKey) ? formatMessage(p.messageKey, p.params, locale) : p.message,
  }));
}

/** A domain error's message in `locale`: its English text, or the catalogue's Chinese for its code. */
function domainMessage(error: DomainError, locale: Locale): string {
  const zh = locale === 'zh' ? DOMAIN_MESSAGES_ZH[error.code] : undefined;
  if (!zh) return error.message;
  const params: Record<string, string> = {
    ...error.params,
    message: error.message,
    id: error instanceof NotFoundError ? error.id : '',
  };
  return zh.replace(/\{(\w+)\}/g, (_whole, name: string) => params[name] ?? '');
}

function refusalOf(error: unknown, ctx: Context, locale: Locale, requestId: string): Refusal {
  if (error instanceof ValidationError) {
    const errors = localizeProblems(error.problems, locale);
    const problems = errors.map((p) => `${p.field}: ${p.message}`).join('; ');
    return {
      status: 400,
      msg: locale === 'en' ? problems : formatMessage('request.invalid', { problems }, locale),
      data: { errors },
    };
  }
  if (error instanceof DomainError) {
    if (error instanceof RateLimitedError) ctx.set('Retry-After', String(error.retryAfterSeconds));
    if (error instanceof UnavailableError && error.retryAfterSeconds !== undefined)
      ctx.set('Retry-After', String(error.retryAfterSeconds));
    return { status: STATUS_BY_KIND[error.kind], msg: domainMessage(error, locale), data: null };
  }
  if (error instanceof RequestError) {
    for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
    return { status: error.status, msg: formatMessage(error.messageKey, error.params, locale), data: null };
  }
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, msg: formatMessage('request.bad', {}, locale), data: null };
  }
  return { status: 500, msg: formatMessage('server.internal', { requestId }, locale), data: null };
}

/**
 * The one place errors become responses: domain errors by kind, refusals of the HTTP layer by
 * their status, anything else as 500 without internals. Every error response is an envelope whose
 * code equals the HTTP status, in the language the client prefers (Accept-Language).
 */
export function errorHandler(logger: Logger, defaultLocale: Locale = 'en'): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        const locale = localeOf(ctx.get('accept-language') || undefined, defaultLocale);
        ctx.status = 404;
        ctx.body = {
          code: '404',
          msg: formatMessage('route.notFound', { method: ctx.method, path: ctx.path }, locale),
          data: null,
        } satisfies Envelope<null>;
      }
    } catch (error) {
      const requestId = String(ctx.state['requestId'] ?? '');
      const locale = localeOf(ctx.get('accept-language') || undefined, defaultLocale);
      const { status, msg, data } = refusalOf(error, ctx, locale, requestId);
      if (status >= 500) logger.error({ err: error, requestId, path: ctx.path }, 'request failed');
      else logger.debug({ requestId, path: ctx.path, status, msg }, 'request rejected');
      if (ctx.headerSent || !ctx.writable) {
        // A streamed answer already started: only a cut connection tells the client it failed.
        ctx.req.socket.destroy();
        return;
      }
      ctx.status = status;
      ctx.body = { code: String(status), msg, data } satisfies Envelope<unknown>;
    }
  };
}
