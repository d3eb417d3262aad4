import { condition, continueAsNew, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { AcquisitionActivities } from '../activities/acquisition';
import { ACQ_LINK_CHANGED_SIGNAL } from '../temporal/names';

/** Sent by every save of the link: there is a newer generation to publish. */
export const acqLinkChangedSignal = defineSignal(ACQ_LINK_CHANGED_SIGNAL);

const { publishAcqLink } = proxyActivities<AcquisitionActivities>({
  startToCloseTimeout: '2 minutes',
  // WeCom being down or rate-limiting must delay publishing, never drop it.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Runs before a long-lived code's workflow starts a fresh history. */
const MAX_RUNS_PER_HISTORY = 200;

export interface PublishAcqLinkResult {
  generation: number;
  failure: string | null;
  runs: number;
}

/**
 * Publishes one acquisition link to WeCom: creates, updates or deletes its contact ways and
 * acquisition links until WeCom holds the link's latest saved generation. Saves made while it
 * runs signal it, and it runs again; a save after it ended starts the next one.
 */
export async function publishAcqLinkWorkflow(input: { corpId: string; linkId: string }): Promise<PublishAcqLinkResult> {
  let changed = false;
  setHandler(acqLinkChangedSignal, () => {
    changed = true;
  });
  let runs = 0;
  for (;;) {
    changed = false;
    const outcome = await publishAcqLink(input);
    runs++;
    // A signal during the run, or a save the run saw, means WeCom is behind again. A signal that
    // arrives while this completes makes Temporal hand the task back with it, so none is lost.
    if (changed || outcome.behind) continue;
    const edge = outcome.nextCheckAt ?? null;
    if (edge === null) return { generation: outcome.generation, failure: outcome.failure, runs };
    // A multi-person channel QR code: its member list changes at the next working-window edge
    // (or midnight), so sleep until then (or until the next save) and recompute.
    await condition(() => changed, Math.max(1000, edge - Date.now() + 1000), {
      summary: `成员名单将在 ${new Date(edge).toISOString()} 变化，届时重新计算并推送到企业微信`,
    });
    if (runs >= MAX_RUNS_PER_HISTORY) await continueAsNew<typeof publishAcqLinkWorkflow>(input);
  }
}
