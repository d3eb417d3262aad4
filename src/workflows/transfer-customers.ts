import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TransferActivities } from '../activities/transfers';
import { TRANSFER_NEWS_SIGNAL, TRANSFER_PROGRESS_QUERY } from '../temporal/names';

type TransferProgress = Awaited<ReturnType<TransferActivities['pollTransferResults']>>;
type ItemProgress = TransferProgress['items'][number];

/** WeCom said something about one of the transfer's customers: poll transfer_result now. */
export const transferNewsSignal = defineSignal(TRANSFER_NEWS_SIGNAL);
export const transferProgressQuery = defineQuery<TransferProgress | null>(TRANSFER_PROGRESS_QUERY);

// WeCom down or rate-limiting delays a transfer, never drops it.
const RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' } as const;
const { planTransferChunks, pollTransferResults } = proxyActivities<TransferActivities>({
  startToCloseTimeout: '2 minutes',
  retry: RETRY,
});
// One HTTP call of ≤ 100 customers: a worker that died during it is noticed (and the chunk reconciled) soon.
const { startTransferChunk } = proxyActivities<TransferActivities>({ startToCloseTimeout: '30 seconds', retry: RETRY });

/** Production default: WeCom gives the customer 24 h, so hourly polls (woken early by callbacks) suffice. */
export const DEFAULT_TRANSFER_POLL_SECONDS = 3600;

export interface TransferWorkflowInput {
  transferId: string;
  corpId: string;
  /** Seconds between transfer_result polls while customers wait; tests shorten it. */
  pollIntervalSeconds?: number;
  /** Set by continue-as-new: the customers were sent already. */
  sent?: boolean;
}

/**
 * An in-service transfer (在职继承): sends its customers to transfer_customer in chunks, then
 * follows every one through transfer_result until it is final, applying each outcome to the
 * mirror, the clue and the timeline. All state lives in the transfer's rows, so a retry or a
 * restarted worker picks up where the rows say.
 */
export async function transferCustomersWorkflow(input: TransferWorkflowInput): Promise<TransferProgress> {
  let progress: TransferProgress | null = null;
  let news = false;
  setHandler(transferProgressQuery, () => progress);
  setHandler(transferNewsSignal, () => {
    news = true;
  });
  const target = { corpId: input.corpId, transferId: input.transferId };
  if (!input.sent) {
    const chunks = await planTransferChunks({ transferId: input.transferId });
    for (const chunk of chunks) await startTransferChunk({ ...target, chunk });
  }
  const intervalMs = Math.max(1, input.pollIntervalSeconds ?? DEFAULT_TRANSFER_POLL_SECONDS) * 1000;
  for (;;) {
    news = false;
    progress = await pollTransferResults(target);
    if (progress.waiting === 0) return progress;
    await condition(() => news, intervalMs, { summary: waitingSummary(progress.items) });
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof transferCustomersWorkflow>({ ...input, sent: true });
    }
  }
}

function waitingSummary(items: ItemProgress[]): string {
  const waiting = items.filter((i) => !i.final && i.status !== null).length;
  return `等待 ${waiting} 位客户的接替结果（企业微信 transfer_result）`;
}
