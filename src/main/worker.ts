import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { loadConfig, type Config } from '../config';
import { createDb } from '../db/knex';
import { createLogger } from '../logger';
import { ensureSearchAttributes } from '../temporal/connection';

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

/** Runs the Temporal worker for the task queue until a shutdown signal. */
export async function runWorker(config: Config): Promise<void> {
  const logger = createLogger('worker', config.LOG_LEVEL);
  const db = createDb(config.DATABASE_URL, config.PG_POOL_MAX);
  const connection = await connectWithRetry(config.TEMPORAL_ADDRESS, logger);
  await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE).catch((err: unknown) =>
    logger.warn({ err }, 'could not register search attributes'),
  );
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities({
      db,
      distributionDefaults: { defaultFollowUpSlaSeconds: 86400, defaultTimeZone: 'Asia/Shanghai' },
    }),
    shutdownGraceTime: '10 seconds',
  });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
  try {
    await worker.run();
  } finally {
    await connection.close();
    await db.destroy();
  }
}

if (require.main === module) {
  runWorker(loadConfig()).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
