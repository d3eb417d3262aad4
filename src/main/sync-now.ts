import { loadConfig } from '../config';
import { createTemporalClient } from '../temporal/connection';
import { WecomSyncClient } from '../temporal/wecom-sync-client';

/** Starts a full WeCom sync of the configured corp now (the demo's first fill of the mirror); prints the workflow id. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.WECOM_CORP_ID) throw new Error('WECOM_CORP_ID is not set: no corp to sync');
  const temporal = createTemporalClient(config);
  try {
    const started = await new WecomSyncClient(temporal, config.TEMPORAL_TASK_QUEUE, 15_000).start(
      config.WECOM_CORP_ID,
      'all',
      'start-script',
    );
    console.log(started.workflowId);
  } finally {
    await temporal.connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
