import {
  ActivityFailure,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
  TimeoutFailure,
} from '@temporalio/workflow';
import { customerTransferWorkflowId, TRANSFER_NEWS_SIGNAL } from '../temporal/names';
import type { WecomEventActivities } from '../activities/wecom-events';

const { applyWecomEvent, failWecomEvent } = proxyActivities<WecomEventActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20 },
});

// A welcome code lives 20 s after its event: retries stop there (the activity also refuses a late send).
// Local: it runs in this workflow task's worker at once, not behind the queue of other activities.
const { sendAcquisitionWelcome } = proxyLocalActivities<WecomEventActivities>({
  scheduleToCloseTimeout: '20 seconds',
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '2 seconds' },
});

type WelcomeOutcome = NonNullable<Awaited<ReturnType<WecomEventActivities['sendAcquisitionWelcome']>>>;

function causeOf(error: unknown): unknown {
  return error instanceof ActivityFailure && error.cause ? error.cause : error;
}

/**
 * Processes one stored WeCom callback. The event row was committed before WeCom got its answer,
 * so a crash anywhere after that only delays processing; a permanent failure is recorded on the row.
 * An add through an acquisition link sends its welcome before anything else of it calls WeCom.
 */
export async function processWecomEvent(input: { eventId: string }): Promise<{ applied: boolean; note?: string }> {
  let welcome: WelcomeOutcome | null = null;
  // Histories started before the welcome step replay without it.
  if (patched('acquisition-welcome')) {
    try {
      welcome = await sendAcquisitionWelcome(input);
    } catch (error) {
      // A timeout means the retries ran into the end of the code's 20 s.
      welcome = { status: causeOf(error) instanceof TimeoutFailure ? 'expired' : 'failed', errcode: null };
    }
  }
  try {
    const outcome = await applyWecomEvent({ ...input, welcome });
    if ('wakeTransfers' in outcome && outcome.wakeTransfers) await wakeTransfers(outcome.wakeTransfers);
    return outcome;
  } catch (error) {
    const cause = causeOf(error);
    const reason = cause instanceof Error ? cause.message : String(cause);
    await failWecomEvent({ eventId: input.eventId, reason });
    return { applied: false, note: reason };
  }
}

/** Tells the transfers' workflows to poll now; one that already ended needs no news. */
async function wakeTransfers(transferIds: string[]): Promise<void> {
  await Promise.all(
    transferIds.map((id) =>
      getExternalWorkflowHandle(customerTransferWorkflowId(id))
        .signal(TRANSFER_NEWS_SIGNAL)
        .catch(() => undefined),
    ),
  );
}
