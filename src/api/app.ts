import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { Type } from '@sinclair/typebox';
import { corsOrigins, type Config } from '../config';
import type { Db } from '../db/knex';
import type { AllocationQueue } from '../domain/acquisition/allocation-hit';
import type { ClueIntakeQueue } from '../domain/clues/collect-clue';
import type { PartnerAuthenticator } from '../domain/partners/partner-auth';
import type { Throttles } from '../domain/throttle/throttles';
import type { DistributionClient } from '../temporal/distribution-client';
import type { DistributionDispatcher } from '../temporal/distribution-dispatcher';
import type { Client } from '@temporalio/client';
import type { WecomSyncStarter } from '../temporal/wecom-sync-client';
import type { WecomEventDispatcher } from '../temporal/wecom-event-dispatcher';
import type { WelcomeFastPath } from '../domain/acquisition/welcome-fast-path';
import type { AcqLinkPublisher } from '../temporal/acq-link-publisher';
import type { TransferStarter } from '../temporal/transfer-starter';
import type { WecomApiFactory } from '../wecom/api';
import type { MiniProgramClientFactory } from '../wecom/wechat/mini-program-client';
import { AccessCache } from '../domain/access/user-access';
import type { FileStore } from '../domain/files/file-store';
import { requireAdmin } from './auth/middleware';
import { success } from './envelope';
import { readBody } from './middleware/body';
import { corsFor } from './middleware/cors';
import { errorHandler } from './middleware/errors';
import { methodNotAllowed, staticPathMethods } from './middleware/methods';
import { readMultipart, type UploadedFile } from './middleware/multipart';
import { nexusSignatureAuth } from './nexus/signature-auth';
import { requestId } from './middleware/request-id';
import { requestTelemetry } from './middleware/request-telemetry';
import type { ApiMetrics } from '../observability/api-metrics';
import { buildOpenApiDocument } from './openapi';
import { docsRoutes } from './docs';
import type { RequestContext, RouteDefinition } from './route';
import { allRoutes } from './routes';
import { validate } from './validation';

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  temporal: Client;
  distribution: DistributionClient;
  dispatcher: DistributionDispatcher;
  partnerAuth: PartnerAuthenticator;
  /** Group-commit writer of partner clues (the intake's hot statement). */
  clueIntake: ClueIntakeQueue;
  /** Group-commit queue of allocation at scan time (landing-page views). */
  allocation: AllocationQueue;
  /** Typed WeCom client of a corp, for operations that push to WeCom or read it live. */
  wecom: WecomApiFactory;
  /** WeChat client of a mini-program (URL schemes of mini links). */
  miniPrograms: MiniProgramClientFactory;
  wecomSync: WecomSyncStarter;
  /** Outbox that starts the processing workflow of each stored WeCom callback. */
  wecomEvents: WecomEventDispatcher;
  /** Sends an acquisition add's welcome on receipt, ahead of its workflow; absent: the workflow alone does. */
  welcomes?: WelcomeFastPath;
  /** Outbox that starts (or signals) the WeCom publishing workflow of each saved acquisition link. */
  acqLinks: AcqLinkPublisher;
  /** Outbox that starts the workflow of each requested in-service customer transfer. */
  transfers: TransferStarter;
  metrics: ApiMetrics;
  /** Where uploaded files (avatars) are stored and read back. */
  files: FileStore;
  /** Failed-authentication throttles (admin login, partner keys, Nexus signatures), shared across processes. */
  throttles: Throttles;
}

export interface AppOptions {
  /**
   * Builds the middleware that admits admin requests; requireAdmin unless given. Only benchmarks
   * give another, to measure the same app without the permission check.
   */
  adminGuard?: typeof requireAdmin;
}

const DEFAULT_BODY_LIMIT = '256kb';
const EmptyObject = Type.Object({}, { additionalProperties: false });

function koaPath(openApiPath: string): string {
  return openApiPath.replace(/\{(\w+)\}/g, ':$1');
}

/**
 * One route's middleware, in the order that keeps unauthenticated requests cheap: the admin's
 * token (or the HR system's signature headers and time window) is checked before the body is read,
 * the body is read only as the content type the route takes (a Nexus call's signature is checked
 * on its bytes before they are parsed), and only then validated and handed to the handler.
 */
function mount(
  router: Router,
  route: RouteDefinition,
  deps: AppDeps,
  accessCache: AccessCache,
  adminGuard: typeof requireAdmin,
): void {
  const middleware: Koa.Middleware[] = [];
  if (route.auth === 'admin') {
    middleware.push(
      adminGuard(deps.db, deps.config.JWT_SECRET, accessCache, {
        permission: route.selfService ? undefined : route.permission,
        selfService: route.selfService === true,
      }),
    );
  }
  const nexus =
    route.auth === 'nexus'
      ? nexusSignatureAuth({
          config: deps.config,
          db: deps.db,
          onSignatureFailure: (ip) => deps.throttles.nexusSignatures.count(ip),
        })
      : undefined;
  if (nexus) middleware.push(nexus.headers, readBody('json', route.bodyLimit ?? DEFAULT_BODY_LIMIT, nexus.body));
  else if (route.multipartBody) {
    const { field, maxBytes } = route.multipartBody;
    middleware.push(readMultipart({ field, maxBytes: maxBytes(deps.config) }));
  } else if (route.textBody) middleware.push(readBody('text', route.textBody.limit));
  else if (route.method === 'POST') middleware.push(readBody('json', route.bodyLimit ?? DEFAULT_BODY_LIMIT));
  const unknownFields = route.unknownFields ?? 'refuse';
  middleware.push(async (ctx) => {
    const raw = ctx.request.body;
    const body =
      route.textBody || route.multipartBody ? {} : validate(route.body ?? EmptyObject, raw ?? {}, unknownFields);
    const query = validate(route.query ?? EmptyObject, { ...ctx.query }, unknownFields, { fromText: true });
    const params = validate(route.params ?? EmptyObject, { ...ctx.params }, unknownFields, { fromText: true });
    const requestContext: RequestContext = {
      requestId: String(ctx.state['requestId']),
      user: ctx.state['user'] as RequestContext['user'],
      ip: ctx.ip,
      koa: ctx,
    };
    const file = ctx.state['upload'] as UploadedFile | undefined;
    const data = await route.handle({ body, query, params, file }, requestContext);
    if (route.rawResponse) return;
    ctx.status = 200;
    ctx.body = success(data, route.successMessage);
  });
  const method = route.method === 'GET' ? 'get' : 'post';
  router[method](route.operationId, koaPath(route.path), ...middleware);
}

export function createApp(deps: AppDeps, options: AppOptions = {}): Koa {
  const app = new Koa({ proxy: false });
  const routes = allRoutes(deps);
  const openApi = buildOpenApiDocument(routes);
  const router = new Router();
  const accessCache = new AccessCache();
  for (const route of routes) mount(router, route, deps, accessCache, options.adminGuard ?? requireAdmin);

  router.get('/openapi.json', (ctx) => {
    ctx.body = openApi;
  });
  docsRoutes(router);

  app.use(requestId());
  app.use(requestTelemetry(deps.logger, deps.metrics));
  app.use(errorHandler(deps.logger, deps.config.API_DEFAULT_LOCALE));
  app.use(corsFor(corsOrigins(deps.config)));
  app.use(staticPathMethods(routes));
  app.use(router.routes());
  app.use(methodNotAllowed());
  return app;
}
