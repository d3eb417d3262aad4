import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { WecomEventActivities } from '../activities/wecom-events';

const { applyWecomEvent, failWecomEvent } = proxyActivities<WecomEventActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

/**
 * Processes one stored WeCom callback. The event row was committed before WeCom got its answer,
 * so a crash anywhere after that only delays processing; a permanent failure is recorded on the row.
 */
export async function processWecomEvent(input: { eventId: string }): Promise<{ applied: boolean; note?: string }> {
  try {
    return await applyWecomEvent(input);
  } catch (error) {
    const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    await failWecomEvent({ eventId: input.eventId, reason });
    return { applied: false, note: reason };
  }
}
