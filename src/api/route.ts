import type { Static, TSchema } from '@sinclair/typebox';
import type { Context } from 'koa';
import type { AuthUser } from '../domain/users/tokens';

/** Who may call a route: an admin with a JWT, or anyone (the route authenticates itself, e.g. by partner key). */
export type RouteAuth = 'admin' | 'public';

export interface RequestContext {
  requestId: string;
  /** Set for routes with auth 'admin'. */
  user: AuthUser | undefined;
  ip: string;
  /** The raw Koa context, for the rare handler that sets response headers. */
  koa: Context;
}

export interface RouteInput<B extends TSchema, Q extends TSchema, P extends TSchema> {
  body: Static<B>;
  query: Static<Q>;
  params: Static<P>;
}

export interface RouteDefinition<
  B extends TSchema = TSchema,
  Q extends TSchema = TSchema,
  P extends TSchema = TSchema,
  R extends TSchema = TSchema,
> {
  method: 'GET' | 'POST';
  /** OpenAPI-style path, e.g. /admin/clue/{id}. */
  path: string;
  /** The `key` of seed-operations.json this route implements (x-seed-op in OpenAPI). */
  seedOp?: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  auth: RouteAuth;
  /** Permission an admin needs; checked by the auth middleware. */
  permission?: string;
  body?: B;
  query?: Q;
  params?: P;
  /** Schema of `data` in the success envelope. */
  response: R;
  /**
   * The route takes an XML or plain-text body (WeCom callbacks) up to `limit`, read as a string
   * from ctx.koa.request.body instead of a validated JSON body.
   */
  textBody?: { limit: string; description: string };
  /** JSON body limit for this route (bytes syntax of raw-body, e.g. '1mb'). */
  bodyLimit?: string;
  /**
   * Set when the route answers with something other than the JSON envelope (a spreadsheet, a
   * plain-text echo): the handler then writes ctx.koa.body and headers itself; `response` is unused.
   */
  rawResponse?: { contentType: string; description: string };
  /** Success message of the envelope; the seed's partner API answers 'success'. */
  successMessage?: string;
  handle(input: RouteInput<B, Q, P>, ctx: RequestContext): Promise<Static<R>>;
}

/** Identity helper that keeps the schema generics, so handlers get typed input and output. */
export function defineRoute<B extends TSchema, Q extends TSchema, P extends TSchema, R extends TSchema>(
  route: RouteDefinition<B, Q, P, R>,
): RouteDefinition {
  return route as unknown as RouteDefinition;
}
