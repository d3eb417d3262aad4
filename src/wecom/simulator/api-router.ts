import Router from '@koa/router';
import type Koa from 'koa';
import type { Logger } from 'pino';
import {
  MEDIA_UPLOAD_IMAGE_PATH,
  MEDIA_UPLOAD_PATH,
  wecomEndpoints,
  type EndpointBody,
  type EndpointName,
  type EndpointQuery,
} from '../endpoints';
import { WecomError, formatErrmsg } from './errors';
import { handlers } from './handlers';
import type { HandlerContext, HandlerInput } from './handlers/types';
import { uploadImage, uploadMedia } from './media';
import { readRawBody, RequestTooLargeError } from './raw-body';
import type { CorpRegistry, CorpRuntime } from './runtime';
import { settleDueTransfers } from './transfers';
import { compile, toWecomError } from './validation';

const TOKEN_PATH = wecomEndpoints.getToken.path;
const MAX_JSON_BYTES = 4 * 1024 * 1024;

/** Hourly ticket budgets on top of the per-minute limit (WeCom: 400 per corp, 100 per app). */
const HOURLY_LIMITS: Record<string, number> = {
  [wecomEndpoints.getJsapiTicket.path]: 400,
  [wecomEndpoints.getAgentTicket.path]: 100,
};

export type Query = Record<string, string>;

/** The request's query with the first value of each repeated key, as WeCom and WeChat read it. */
export function flatQuery(ctx: Koa.Context): Query {
  const out: Query = {};
  for (const [key, value] of Object.entries(ctx.query)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[key] = first;
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ApiRouterDeps {
  registry: CorpRegistry;
  logger: Logger;
}

/**
 * The WeCom server API under /cgi-bin, one route per entry of the endpoint table (plus media
 * uploads). Every answer is HTTP 200 with the errcode/errmsg envelope, as WeCom does.
 */
export function createApiRouter({ registry, logger }: ApiRouterDeps): Router {
  const router = new Router({ prefix: '/cgi-bin' });

  /** Authenticates, applies faults and limits, then runs `work`; always answers with the envelope. */
  async function serve(
    ctx: Koa.Context,
    path: string,
    work: (runtime: CorpRuntime, query: Query) => Promise<object> | object,
  ): Promise<void> {
    const query = flatQuery(ctx);
    let runtime: CorpRuntime | undefined;
    let answer: object;
    try {
      runtime = resolveCorp(registry, path, query);
      const corp = runtime.corp;
      runtime.stats.countCall(path);
      void deliverAll(runtime, settleDueTransfers(corp), logger);
      const fault = runtime.faults.check(path);
      if (fault && fault.latencyMs > 0) await sleep(fault.latencyMs);
      if (fault?.errcode !== undefined) throw new WecomError(fault.errcode);
      const perMinute = corp.settings.rateLimitPerPath[path] ?? corp.settings.rateLimitPerMinute;
      if (!runtime.limiter.take(path, perMinute, corp.clock.nowMs())) throw new WecomError(45009);
      const hourly = HOURLY_LIMITS[path];
      if (hourly !== undefined && !runtime.limiter.take(`hour:${path}`, hourly, corp.clock.nowMs(), 3_600_000)) {
        throw new WecomError(45009);
      }
      answer = { errcode: 0, errmsg: 'ok', ...(await work(runtime, query)) };
    } catch (error) {
      if (!(error instanceof WecomError)) logger.error({ err: error, path }, 'simulator handler failed');
      const wecomError = error instanceof WecomError ? error : new WecomError(-1);
      runtime?.stats.countError(path, wecomError.errcode);
      answer = {
        errcode: wecomError.errcode,
        errmsg: formatErrmsg(wecomError.errcode, wecomError.message, ctx.ip, runtime?.corp.clock.nowMs() ?? Date.now()),
      };
    }
    ctx.status = 200;
    ctx.type = 'application/json';
    ctx.body = answer;
  }

  for (const name of Object.keys(wecomEndpoints) as EndpointName[]) {
    const endpoint = wecomEndpoints[name];
    const validateQuery = compile<EndpointQuery<typeof name>>(endpoint.query);
    const validateBody = compile<EndpointBody<typeof name>>(endpoint.body);
    router.all(`/${endpoint.path}`, (ctx) =>
      serve(ctx, endpoint.path, async (runtime, query) => {
        if (ctx.method !== endpoint.method) throw new WecomError(40058, `this api requires HTTP ${endpoint.method}`);
        let body: unknown = null;
        if (endpoint.method === 'POST') body = await readJson(ctx);
        if (!validateQuery(query)) throw toWecomError(endpoint.path, 'query', validateQuery.errors ?? []);
        if (endpoint.method === 'POST' && !validateBody(body)) {
          throw toWecomError(endpoint.path, 'body', validateBody.errors ?? []);
        }
        const context: HandlerContext = { corp: runtime.corp, runtime };
        return invoke(name, context, { query, body } as HandlerInput<typeof name>);
      }),
    );
  }

  router.all(`/${MEDIA_UPLOAD_PATH}`, (ctx) =>
    serve(ctx, MEDIA_UPLOAD_PATH, (runtime, query) => {
      if (ctx.method !== 'POST') throw new WecomError(40058, 'this api requires HTTP POST');
      return uploadMedia(runtime.corp, query['type'], ctx.req);
    }),
  );
  router.all(`/${MEDIA_UPLOAD_IMAGE_PATH}`, (ctx) =>
    serve(ctx, MEDIA_UPLOAD_IMAGE_PATH, (runtime) => {
      if (ctx.method !== 'POST') throw new WecomError(40058, 'this api requires HTTP POST');
      return uploadImage(runtime.corp, ctx.req);
    }),
  );

  return router;
}

function invoke<N extends EndpointName>(name: N, ctx: HandlerContext, input: HandlerInput<N>): object {
  const handler = handlers[name];
  return handler(ctx, input);
}

/** The corp a call is for: by corpid for gettoken, by access_token (query only) otherwise. */
function resolveCorp(registry: CorpRegistry, path: string, query: Query): CorpRuntime {
  if (path === TOKEN_PATH) {
    const corpId = query['corpid'];
    if (!corpId) throw new WecomError(41002);
    const runtime = registry.get(corpId);
    if (!runtime) throw new WecomError(40013);
    if (!query['corpsecret']) throw new WecomError(41004);
    return runtime;
  }
  const token = query['access_token'];
  if (!token) throw new WecomError(41001);
  const check = registry.tokens.check(token, (corpId) => registry.get(corpId)?.corp.now());
  if (!check.ok) throw new WecomError(check.errcode);
  const runtime = registry.get(check.corpId);
  if (!runtime) throw new WecomError(40014);
  return runtime;
}

async function readJson(ctx: Koa.Context): Promise<unknown> {
  let text: string;
  try {
    text = (await readRawBody(ctx.req, MAX_JSON_BYTES)).toString('utf8');
  } catch (error) {
    if (error instanceof RequestTooLargeError) throw new WecomError(40058, 'request body too large');
    throw error;
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WecomError(47001, 'data format error, Warning: wrong json format.');
  }
}

/** Sends events produced as a side effect of an API call; their outcome is only logged. */
export function deliverAll(
  runtime: CorpRuntime,
  events: ReadonlyArray<Parameters<CorpRuntime['callbacks']['deliver']>[0]>,
  logger: Logger,
) {
  return Promise.all(
    events.map((event) =>
      runtime.callbacks.deliver(event).catch((err: unknown) => {
        logger.warn({ err }, 'callback delivery failed');
        return undefined;
      }),
    ),
  );
}
