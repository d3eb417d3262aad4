import { syncSearchAttributes, syncSummary } from './workflow-summaries';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { wecomNightlyScheduleId, wecomSyncWorkflowId } from './names';

export interface NightlySyncSettings {
  taskQueue: string;
  cron: string;
  timeZone: string;
}

/**
 * Creates the nightly full-sync schedule of each corp that lacks one. Idempotent: an existing
 * schedule is left as it is (operators may have paused or edited it in the Temporal UI).
 * Returns the ids of the schedules created now.
 */
export async function ensureNightlySyncSchedules(
  client: Client,
  corpIds: readonly string[],
  settings: NightlySyncSettings,
): Promise<string[]> {
  const created: string[] = [];
  for (const corpId of corpIds) {
    const scheduleId = wecomNightlyScheduleId(corpId);
    try {
      await client.schedule.create({
        scheduleId,
        spec: { cronExpressions: [settings.cron], timezone: settings.timeZone },
        action: {
          type: 'startWorkflow',
          workflowType: 'wecomFullSync',
          workflowId: wecomSyncWorkflowId(corpId, 'all'),
          taskQueue: settings.taskQueue,
          args: [{ corpId, kind: 'all', startedBy: 'nightly-schedule' }],
          staticSummary: syncSummary(corpId, 'all', 'nightly-schedule'),
          typedSearchAttributes: syncSearchAttributes(corpId, 'all'),
        },
        // A sync still running from the night before is not doubled.
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      });
      created.push(scheduleId);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    }
  }
  return created;
}
