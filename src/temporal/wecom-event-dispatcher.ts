import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { findUnstartedEvents, markEventsStarted, recordEventStartFailure } from '../domain/wecom-events/event-store';
import { wecomEventWorkflowId } from './names';
import { OutboxDispatcher } from './outbox-dispatcher';
import { wecomEventSearchAttributes, wecomEventSummary, type WecomEventHeadline } from './workflow-summaries';

export type WecomEventDispatcher = OutboxDispatcher<WecomEventHeadline>;

/** Starts one processing workflow per stored callback; the sweep covers callbacks stored while Temporal was down. */
export function createWecomEventDispatcher(
  db: Db,
  temporal: Client,
  taskQueue: string,
  logger: Logger,
  options: { sweepIntervalMs: number },
): WecomEventDispatcher {
  const start = async (event: WecomEventHeadline) => {
    try {
      await temporal.connection.withDeadline(Date.now() + 5000, () =>
        temporal.workflow.start('processWecomEvent', {
          workflowId: wecomEventWorkflowId(event.id),
          taskQueue,
          args: [{ eventId: event.id }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: wecomEventSummary(event),
          typedSearchAttributes: wecomEventSearchAttributes(event),
        }),
      );
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  };
  return new OutboxDispatcher(
    {
      what: 'WeCom event processing',
      findPending: (limit, olderThanMs) => findUnstartedEvents(db, limit, olderThanMs),
      start,
      markStarted: (ids) => markEventsStarted(db, ids),
      recordFailure: (ids, message) => recordEventStartFailure(db, ids, message),
    },
    logger,
    options,
  );
}
