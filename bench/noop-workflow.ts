import { proxyLocalActivities } from '@temporalio/workflow';

const { noop } = proxyLocalActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10 seconds' });

/** The least a workflow can do: one local activity, no database. The drain's ceiling on this server. */
export async function noopWorkflow(): Promise<void> {
  await noop();
}
