import type { Server } from 'node:http';
import type { Connection } from '@temporalio/client';
import { createApp, type AppDeps } from '../api/app';
import { permissionTree } from '../api/permission-tree';
import { allRoutes } from '../api/routes';
import { seedPermissionNodes } from '../domain/menus/seed-permission-nodes';
import { applyInitialAdmin } from '../domain/users/bootstrap';
import { loadConfig, type Config } from '../config';
import { createDb, type Db } from '../db/knex';
import { createAllocationQueue } from '../domain/acquisition/allocation-hit';
import { createClueIntakeQueue } from '../domain/clues/collect-clue';
import { LocalFileStore } from '../domain/files/local-file-store';
import { WelcomeFastPath } from '../domain/acquisition/welcome-fast-path';
import { PartnerAuthenticator } from '../domain/partners/partner-auth';
import { createThrottles } from '../domain/throttle/throttles';
import { createLogger } from '../logger';
import { ApiMetrics } from '../observability/api-metrics';
import { createTemporalClient, ensureSearchAttributes } from '../temporal/connection';
import { DistributionClient } from '../temporal/distribution-client';
import { createDistributionDispatcher } from '../temporal/distribution-dispatcher';
import { WecomSyncClient } from '../temporal/wecom-sync-client';
import { createWecomEventDispatcher } from '../temporal/wecom-event-dispatcher';
import { createAcqLinkPublisher } from '../temporal/acq-link-publisher';
import { createTransferStarter } from '../temporal/transfer-starter';
import { registerConfiguredCorp } from '../domain/wecom-corps';
import { createWecomApiFactory } from '../wecom/client-factory';
import { TokenCache } from '../wecom/token-cache';
import { createMiniProgramClientFactory } from '../wecom/wechat/mini-program-client';
import { sharedWecomLimiter } from '../wecom/rate-limit';

export interface RunningApi {
  server: Server;
  port: number;
  db: Db;
  stop(): Promise<void>;
}

/** Starts the HTTP API with its outbox dispatcher. Temporal may be down: intake keeps working. */
export async function startApi(config: Config): Promise<RunningApi> {
  const logger = createLogger('api', config.LOG_LEVEL);
  const db = createDb(config.DATABASE_URL, config.PG_POOL_MAX);
  // WeCom's quota is per corp, so every process counts calls in one place. On a pool of its own: a
  // call made inside a transaction must never wait for a connection of the pool that transaction holds.
  const budgetDb = createDb(config.DATABASE_URL, 2);
  const temporal = createTemporalClient(config);
  ensureSearchAttributes(temporal.connection as Connection, config.TEMPORAL_NAMESPACE).catch((err: unknown) =>
    logger.warn({ err }, 'could not check search attributes (Temporal down?); the worker registers them too'),
  );
  const distribution = new DistributionClient(temporal, {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    recheckSeconds: config.DISTRIBUTION_RECHECK_SECONDS,
  });
  const dispatcher = createDistributionDispatcher(db, distribution, logger, {
    sweepIntervalMs: config.DISPATCH_SWEEP_MS,
    maxUnconsumedStarts: config.DISPATCH_MAX_UNCONSUMED,
  });
  const throttles = createThrottles(db, config);
  const partnerAuth = new PartnerAuthenticator(db, {
    defaultRateLimitPerMinute: config.PARTNER_RATE_LIMIT_PER_MINUTE,
    failures: throttles.partnerKeys,
    budget: throttles.partnerRequests,
  });
  const tokenCache = new TokenCache();
  const wecom = createWecomApiFactory(db, {
    baseUrl: config.WECOM_API_BASE_URL,
    logger,
    tokenCache,
    limiter: sharedWecomLimiter(budgetDb),
  });
  const miniPrograms = createMiniProgramClientFactory({
    baseUrl: config.WECHAT_API_BASE_URL,
    tokenCache,
    logger: logger.child({ component: 'wechat' }),
  });
  const wecomSync = new WecomSyncClient(temporal, config.TEMPORAL_TASK_QUEUE);
  const wecomEvents = createWecomEventDispatcher(db, temporal, config.TEMPORAL_TASK_QUEUE, logger, {
    sweepIntervalMs: config.DISPATCH_SWEEP_MS,
  });
  const acqLinks = createAcqLinkPublisher(db, temporal, config.TEMPORAL_TASK_QUEUE, logger, {
    sweepIntervalMs: config.DISPATCH_SWEEP_MS,
  });
  const transfers = createTransferStarter(db, temporal, config.TEMPORAL_TASK_QUEUE, logger, {
    sweepIntervalMs: config.DISPATCH_SWEEP_MS,
    pollIntervalSeconds: config.TRANSFER_POLL_SECONDS,
  });
  await registerConfiguredCorp(db, config);
  const addedNodes = await seedPermissionNodes(db, permissionTree(allRoutes({} as AppDeps)));
  if (addedNodes > 0) logger.info({ addedNodes }, 'added permission nodes of new routes to the menu tree');
  if (config.INITIAL_ADMIN_USERNAME && config.INITIAL_ADMIN_PASSWORD) {
    const admin = await applyInitialAdmin(db, {
      username: config.INITIAL_ADMIN_USERNAME,
      password: config.INITIAL_ADMIN_PASSWORD,
    });
    if (admin) logger.info({ username: admin.username }, 'created the initial super admin (INITIAL_ADMIN_USERNAME)');
  }
  const metrics = new ApiMetrics(db);
  const files = new LocalFileStore(config.FILES_DIR);
  const welcomes = new WelcomeFastPath({ db, wecom, files }, logger);
  const intake = createClueIntakeQueue(config.DATABASE_URL, {
    batchSize: (clues) => metrics.intakeBatchSize.observe(clues),
  });
  const app = createApp({
    config,
    db,
    logger,
    temporal,
    distribution,
    dispatcher,
    partnerAuth,
    clueIntake: intake.queue,
    allocation: createAllocationQueue(db),
    wecom,
    miniPrograms,
    wecomSync,
    wecomEvents,
    welcomes,
    acqLinks,
    transfers,
    metrics,
    files,
    throttles,
  });

  const server = app.listen(config.API_PORT, config.API_HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.API_PORT;
  dispatcher.startSweeping();
  wecomEvents.startSweeping();
  acqLinks.startSweeping();
  transfers.startSweeping();
  logger.info({ port }, `API listening on http://${config.API_HOST}:${port} (docs at /docs)`);

  return {
    server,
    port,
    db,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await dispatcher.stop();
      await wecomEvents.stop();
      await welcomes.drained();
      await acqLinks.stop();
      await transfers.stop();
      await temporal.connection.close();
      await intake.close();
      await db.destroy();
      await budgetDb.destroy();
    },
  };
}

if (require.main === module) {
  const config = loadConfig();
  startApi(config)
    .then((api) => {
      const shutdown = () => void api.stop().then(() => process.exit(0));
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
