import cors from '@koa/cors';
import type { Middleware } from 'koa';

/**
 * CORS for the admin UI, which runs in a browser on its own origin. Only the configured origins
 * get CORS headers (none by default); the admin token travels in the `token` header.
 */
export function corsFor(origins: readonly string[]): Middleware {
  const allowed = new Set(origins);
  return cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return allowed.has(origin) ? origin : '';
    },
    allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
    allowHeaders: ['token', 'content-type', 'accept-language', 'x-request-id'],
    exposeHeaders: ['token', 'x-request-id', 'retry-after', 'content-disposition'],
    maxAge: 600,
    keepHeadersOnError: true,
  });
}
