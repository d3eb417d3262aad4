import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { materialRefreshScheduleId, materialRefreshWorkflowId, SEARCH_ATTRIBUTES } from './names';

/** Every 2 hours: well inside the 6-hour margin before a media_id's 3 days end. */
const EVERY_TWO_HOURS = '17 */2 * * *';

/**
 * Creates the material media refresh schedule of each corp that lacks one (an existing one is
 * left as operators may have edited it). A Temporal Schedule runs once however many workers there
 * are. Returns the ids of the schedules created now.
 */
export async function ensureMaterialRefreshSchedules(
  client: Client,
  corpIds: readonly string[],
  taskQueue: string,
): Promise<string[]> {
  const created: string[] = [];
  for (const corpId of corpIds) {
    const scheduleId = materialRefreshScheduleId(corpId);
    try {
      await client.schedule.create({
        scheduleId,
        spec: { cronExpressions: [EVERY_TWO_HOURS] },
        action: {
          type: 'startWorkflow',
          workflowType: 'refreshMaterialMediaWorkflow',
          workflowId: materialRefreshWorkflowId(corpId),
          taskQueue,
          args: [{ corpId }],
          staticSummary: `刷新素材临时媒体（企业 ${corpId}）`,
          typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.corpId, value: corpId }],
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      });
      created.push(scheduleId);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    }
  }
  return created;
}
