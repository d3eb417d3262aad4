import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { LocalFileStore } from '../domain/files/local-file-store';
import { loadConfig, type Config } from '../config';
import { createDb } from '../db/knex';
import { createLogger } from '../logger';
import { temporalLoggerOf } from '../observability/temporal-logger';
import { startWorkerHttp } from '../observability/worker-http';
import { WorkerMetrics } from '../observability/worker-metrics';
import { ensureSearchAttributes } from '../temporal/connection';
import { ensureMaterialRefreshSchedules } from '../temporal/material-schedules';
import { ensureNightlySyncSchedules } from '../temporal/wecom-schedules';
import { loadWorkflowBundle } from '../temporal/workflow-bundle';
import { registerConfiguredCorp } from '../domain/wecom-corps';
import { listWecomCorpIds } from '../db/queries/wecom-corps';
import { createWecomApiFactory } from '../wecom/client-factory';
import { sharedWecomLimiter } from '../wecom/rate-limit';
import { Client } from '@temporalio/client';
import type { Db } from '../db/knex';

async function connectWithRetry(address: string, logger: ReturnType<typeof createLogger>): Promise<NativeConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect({ address });
    } catch (error) {
      logger.warn({ attempt, error: (error as Error).message }, `Temporal at ${address} not reachable yet; retrying`);
      await new Promise((r) => setTimeout(r, Math.min(5000, 500 * attempt)));
    }
  }
}

/**
 * Gives every registered corp its nightly full-sync and material media refresh schedules, now and
 * whenever a corp is added later.
 */
function keepNightlySchedules(
  db: Db,
  client: Client,
  config: Config,
  logger: ReturnType<typeof createLogger>,
): NodeJS.Timeout {
  const settings = {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    cron: config.WECOM_SYNC_CRON,
    timeZone: config.WECOM_SYNC_TIME_ZONE,
  };
  const check = () =>
    listWecomCorpIds(db)
      .then(async (corpIds) => [
        ...(await ensureNightlySyncSchedules(client, corpIds, settings)),
        ...(await ensureMaterialRefreshSchedules(client, corpIds, settings.taskQueue)),
      ])
      .then((created) => {
        if (created.length > 0) logger.info({ created }, 'per-corp schedules created (nightly sync, material media)');
      })
      .catch((err: unknown) => logger.warn({ err }, 'could not check the per-corp schedules'));
  void check();
  const timer = setInterval(check, config.WECOM_SCHEDULE_CHECK_SECONDS * 1000);
  timer.unref();
  return timer;
}

/**
 * Sends the SDK's logs (native core included) to the process's pino log and, when configured,
 * starts the SDK's Prometheus exporter. Must run before the first connection is made.
 */
function installTemporalRuntime(config: Config, logger: ReturnType<typeof createLogger>): void {
  Runtime.install({
    logger: temporalLoggerOf(logger),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(config.TEMPORAL_SDK_METRICS_PORT === undefined
        ? {}
        : { metrics: { prometheus: { bindAddress: `127.0.0.1:${config.TEMPORAL_SDK_METRICS_PORT}` } } }),
    },
  });
}

/** Runs the Temporal worker for the task queue until a shutdown signal. */
export async function runWorker(config: Config): Promise<void> {
  const logger = createLogger('worker', config.LOG_LEVEL);
  installTemporalRuntime(config, logger);
  const metrics = new WorkerMetrics();
  const db = createDb(config.DATABASE_URL, config.PG_POOL_MAX);
  // WeCom's quota is per corp, so every process counts calls in one place. On a pool of its own: a
  // call made inside a transaction must never wait for a connection of the pool that transaction holds.
  const budgetDb = createDb(config.DATABASE_URL, 2);
  const connection = await connectWithRetry(config.TEMPORAL_ADDRESS, logger);
  await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE).catch((err: unknown) =>
    logger.warn({ err }, 'could not register search attributes'),
  );
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const bundleStarted = Date.now();
  const bundle = await loadWorkflowBundle(config.WORKFLOW_BUNDLE_DIR, require.resolve('../workflows'));
  logger[bundle.origin === 'built-uncached' ? 'warn' : 'info'](
    { origin: bundle.origin, ms: Date.now() - bundleStarted, bytes: bundle.code.length },
    bundle.origin === 'built-uncached'
      ? 'workflow bundle built, but its cache entry does not validate: the next start builds it again'
      : 'workflow bundle ready',
  );
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // Built in a child process (or read from the cache): webpack's memory stays out of this process.
    workflowBundle: { code: bundle.code },
    activities: createActivities({
      db,
      distributionDefaults: { defaultFollowUpSlaSeconds: 86400, defaultTimeZone: 'Asia/Shanghai' },
      wecom: createWecomApiFactory(db, {
        baseUrl: config.WECOM_API_BASE_URL,
        logger,
        limiter: sharedWecomLimiter(budgetDb),
      }),
      files: new LocalFileStore(config.FILES_DIR),
      maxRetryDelayMs: config.WECOM_MAX_RETRY_DELAY_SECONDS * 1000,
      observeSyncPage: (kind) => metrics.syncPages.inc({ kind }),
      reportPageProgress: (workflowId, report) => client.workflow.getHandle(workflowId).signal('pageProgress', report),
    }),
    interceptors: { activity: [metrics.activityInterceptor()] },
    shutdownGraceTime: '10 seconds',
  });
  const http =
    config.WORKER_METRICS_PORT === undefined
      ? undefined
      : await startWorkerHttp({
          host: config.WORKER_METRICS_HOST,
          port: config.WORKER_METRICS_PORT,
          metrics,
          sdkMetricsUrl:
            config.TEMPORAL_SDK_METRICS_PORT === undefined
              ? undefined
              : `http://127.0.0.1:${config.TEMPORAL_SDK_METRICS_PORT}/metrics`,
          readiness: async () => ({
            postgres: await db
              .raw('select 1')
              .then(() => true)
              .catch(() => false),
            worker: worker.getState() === 'RUNNING',
          }),
        });
  await registerConfiguredCorp(db, config);
  const schedules = keepNightlySchedules(db, client, config, logger);
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  try {
    await worker.run();
  } finally {
    clearInterval(schedules);
    http?.close();
    await connection.close();
    await db.destroy();
    await budgetDb.destroy();
  }
}

if (require.main === module) {
  runWorker(loadConfig()).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
