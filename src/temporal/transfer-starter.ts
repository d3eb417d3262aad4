import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../db/knex';
import { findUnstartedTransfers, markTransfersStarted } from '../db/queries/customer-transfers';
import { customerTransferWorkflowId, SEARCH_ATTRIBUTES } from './names';
import { OutboxDispatcher } from './outbox-dispatcher';
import { customerTransferSummary } from './workflow-summaries';

/** A committed transfer whose workflow must run. */
export interface TransferStartRequest {
  id: string;
  corpId: string;
  takeoverUserid: string;
  customers: number;
}

export type TransferStarter = OutboxDispatcher<TransferStartRequest>;

/**
 * Starts the workflow of each committed transfer (its id derives from the row, so starting twice
 * is harmless); a start that could not reach Temporal is left to the periodic sweep.
 */
export function createTransferStarter(
  db: Db,
  temporal: Client,
  taskQueue: string,
  logger: Logger,
  options: { sweepIntervalMs: number; pollIntervalSeconds: number },
): TransferStarter {
  const start = async (transfer: TransferStartRequest) => {
    try {
      await temporal.connection.withDeadline(Date.now() + 5000, () =>
        temporal.workflow.start('transferCustomersWorkflow', {
          workflowId: customerTransferWorkflowId(transfer.id),
          taskQueue,
          args: [
            { transferId: transfer.id, corpId: transfer.corpId, pollIntervalSeconds: options.pollIntervalSeconds },
          ],
          staticSummary: customerTransferSummary(transfer),
          typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.corpId, value: transfer.corpId }],
        }),
      );
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  };
  return new OutboxDispatcher(
    {
      what: 'customer transfers',
      findPending: async (limit, olderThanMs) =>
        (await findUnstartedTransfers(db, limit, olderThanMs)).map((t) => ({
          id: String(t.id),
          corpId: t.corp_id,
          takeoverUserid: t.takeover_userid,
          customers: t.customers,
        })),
      start,
      markStarted: (ids) => markTransfersStarted(db, ids),
      recordFailure: async (ids, message) => {
        logger.warn({ transferIds: ids, message }, 'could not start customer transfer workflows; the sweep retries');
      },
    },
    logger,
    options,
  );
}
