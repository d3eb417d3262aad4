import { rmSync } from 'node:fs';
import { createDb, migrateToLatest } from '../../src/db/knex';
import { ensureDatabase } from '../../src/db/ensure-database';
import {
  ADMIN_UI_ORIGIN,
  SHARED_API_PORT,
  SHARED_SIMULATOR_PORT,
  SHARED_SDK_METRICS_PORT,
  SHARED_TASK_QUEUE,
  SHARED_WORKER_METRICS_PORT,
  SHARED_TEMPORAL_PORT,
  TEST_DATABASE_URL,
} from '../helpers/env';
import { startSimulator, type SimulatorProcess } from '../helpers/simulator-process';
import { TestSystem } from '../helpers/system';
import { isServing, startTemporalDevServer, type TemporalServer } from '../helpers/temporal-server';

declare global {
  var __scrmTemporal: TemporalServer | undefined;
  var __scrmSystem: TestSystem | undefined;
  var __scrmSimulator: SimulatorProcess | undefined;
}

/** One migrated test database, one Temporal dev server, one WeCom simulator and one running API + worker shared by the suite. */
export default async function globalSetup(): Promise<void> {
  await ensureDatabase(TEST_DATABASE_URL);
  const db = createDb(TEST_DATABASE_URL, 2);
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  const address = `127.0.0.1:${SHARED_TEMPORAL_PORT}`;
  if (!(await isServing(address))) {
    globalThis.__scrmTemporal = await startTemporalDevServer({ port: SHARED_TEMPORAL_PORT, name: 'shared' });
  }
  globalThis.__scrmSimulator = await startSimulator(SHARED_SIMULATOR_PORT);
  const system = new TestSystem({
    name: 'shared',
    temporalAddress: address,
    apiPort: SHARED_API_PORT,
    taskQueue: SHARED_TASK_QUEUE,
    env: {
      CORS_ORIGINS: ADMIN_UI_ORIGIN,
      WORKER_METRICS_PORT: String(SHARED_WORKER_METRICS_PORT),
      TEMPORAL_SDK_METRICS_PORT: String(SHARED_SDK_METRICS_PORT),
    },
  });
  // The log test reads this run's lines only.
  for (const log of ['api', 'worker'] as const) rmSync(system.logFile(log), { force: true });
  await system.start();
  globalThis.__scrmSystem = system;
}
