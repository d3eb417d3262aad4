import type { Static, TSchema } from '@sinclair/typebox';
import type { Context } from 'koa';
import type { Config } from '../config';
import type { AuthUser } from '../domain/users/tokens';
import type { UploadedFile } from './middleware/multipart';
import type { UnknownFields } from './validation';

/**
 * Who may call a route: an admin with a JWT, anyone (the route authenticates itself, e.g. by
 * partner key), or the HR system with a call signed by the shared secret (api/nexus/signature-auth.ts).
 */
export type RouteAuth = 'admin' | 'public' | 'nexus';

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
  /** The uploaded file, for routes that take a multipartBody (always set there). */
  file?: UploadedFile;
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
  /**
   * Permission an admin needs, checked on every request against the user's roles; required on
   * every admin route that is not self-service. A seed operation's route names `<prefix>:<name>`
   * of its seedOp (a unit test holds them to it); the route table is the source of the menu tree.
   */
  permission?: string;
  /**
   * Any signed-in user may call it about themselves (who am I, my menu, my password): no
   * permission is checked, and it stays open while a forced password change is pending.
   */
  selfService?: boolean;
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
  /**
   * The route takes a multipart/form-data body of exactly one file part named `field` (handed to
   * the handler as `file`) and nothing else. The file is streamed up to `maxBytes` (413 beyond);
   * another content type is 415; a missing or repeated file, or any other part, is 400.
   */
  multipartBody?: { field: string; maxBytes: (config: Config) => number; description: string };
  /**
   * What to do with fields the schemas do not declare: refuse them (400, the default) or ignore
   * them (the partner API). Applies to body, query and path alike.
   */
  unknownFields?: UnknownFields;
  /**
   * Error statuses this operation answers beyond those its shape implies (400 for input, 401/403
   * for admin routes, 404 for path ids, 413/415 for bodies), e.g. 404 for an id in the body, 409,
   * 429 or 503. Documentation only.
   */
  errors?: Array<404 | 409 | 429 | 503 | 401>;
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

declare module 'koa' {
  interface Request {
    /** Set by the body reader (middleware/body.ts): parsed JSON, or the text of an XML/text route. */
    body?: unknown;
    /** The body's bytes as received, kept for routes whose authentication signs them (auth 'nexus'). */
    rawBody?: Buffer;
  }
}
