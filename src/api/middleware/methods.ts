import type { Context, Middleware } from 'koa';
import type { RouteDefinition } from '../route';
import { RequestError } from '../request-error';

function refuse(ctx: Context, allowed: string[]): void {
  const allow = allowWithImplied(allowed);
  if (ctx.method === 'OPTIONS') {
    ctx.status = 204;
    ctx.set('Allow', allow.join(', '));
    return;
  }
  throw new RequestError(
    405,
    'METHOD_NOT_ALLOWED',
    'route.methodNotAllowed',
    { method: ctx.method, path: ctx.path, allowed: allow.join(', ') },
    { Allow: allow.join(', ') },
  );
}

// GET routes also answer HEAD, and every path answers OPTIONS with its Allow header.
function allowWithImplied(methods: string[]): string[] {
  const set = new Set(methods.map((m) => m.toUpperCase()));
  if (set.has('GET')) set.add('HEAD');
  set.add('OPTIONS');
  return [...set].sort();
}

/**
 * A path of the route table without parameters belongs to its own routes only: GET
 * /admin/customer/growthStats (a POST route) must be refused as the wrong method, not be read as
 * GET /admin/customer/{id} with id "growthStats".
 */
export function staticPathMethods(routes: RouteDefinition[]): Middleware {
  const methodsByPath = new Map<string, string[]>();
  for (const route of routes) {
    if (route.path.includes('{')) continue;
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method]);
  }
  return async (ctx, next) => {
    const methods = methodsByPath.get(ctx.path);
    if (methods && !allowWithImplied(methods).includes(ctx.method)) return refuse(ctx, methods);
    return next();
  };
}

/** After the router: a path that exists under other methods answers 405 with Allow (OPTIONS: 204). */
export function methodNotAllowed(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.body !== undefined || (ctx.status !== 404 && ctx.status !== undefined)) return;
    const matched = (ctx as Context & { matched?: Array<{ methods: string[] }> }).matched ?? [];
    const methods = matched.flatMap((layer) => layer.methods);
    if (methods.length > 0) refuse(ctx, methods);
  };
}
