import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { findAcqPublishState, findUnrequestedAcqPublishes, markAcqPublishRequested } from '../db/queries/acq-links';
import { ACQ_LINK_CHANGED_SIGNAL, acqLinkPublishWorkflowId, SEARCH_ATTRIBUTES } from './names';
import { OutboxDispatcher } from './outbox-dispatcher';
import { acqLinkPublishSummary } from './workflow-summaries';

/** A saved link whose generation WeCom must be brought to. */
export interface AcqPublishRequest {
  id: string;
  corpId: string;
  linkName: string;
  generation: number;
}

export type AcqLinkPublisher = OutboxDispatcher<AcqPublishRequest>;

/**
 * Asks Temporal to publish saved links: signal-with-start of the link's one publishing workflow,
 * so a save while it runs makes it run again. A save whose request could not reach Temporal stays
 * behind `publish_requested_generation`, and the periodic sweep asks again.
 */
export function createAcqLinkPublisher(
  db: Db,
  temporal: Client,
  taskQueue: string,
  logger: Logger,
  options: { sweepIntervalMs: number },
): AcqLinkPublisher {
  const start = async (link: AcqPublishRequest) => {
    await temporal.connection.withDeadline(Date.now() + 5000, () =>
      temporal.workflow.signalWithStart('publishAcqLinkWorkflow', {
        workflowId: acqLinkPublishWorkflowId(link.id),
        taskQueue,
        args: [{ corpId: link.corpId, linkId: link.id }],
        signal: ACQ_LINK_CHANGED_SIGNAL,
        signalArgs: [],
        staticSummary: acqLinkPublishSummary(link),
        typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.corpId, value: link.corpId }],
      }),
    );
    await markAcqPublishRequested(db, link.id, link.generation);
  };
  return new OutboxDispatcher(
    {
      what: 'acquisition link publishing',
      findPending: (limit, olderThanMs) => findUnrequestedAcqPublishes(db, limit, olderThanMs),
      start,
      // start() marks each link with the generation it asked for, which ids alone cannot carry.
      markStarted: async () => {},
      recordFailure: async (ids, message) => {
        logger.warn(
          { linkIds: ids, message },
          'could not ask Temporal to publish acquisition links; the sweep retries',
        );
      },
    },
    logger,
    options,
  );
}

/**
 * Waits up to `timeoutMs` for WeCom to hold the link's latest generation, so a save can answer
 * with the codes and URLs it created; false when publishing is still running.
 */
export async function waitForAcqPublish(db: Db, linkId: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await findAcqPublishState(db, linkId);
    if (!state || state.applied_generation >= state.generation) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
