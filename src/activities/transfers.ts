import type { Db } from '../db/knex';
import {
  planTransferChunks,
  pollTransferResults,
  startTransferChunk,
  type TransferChunk,
} from '../domain/transfers/run-transfer';
import type { WecomApiFactory } from '../wecom/api';
import { withWecomFailures } from './wecom-failures';

export function createTransferActivities(deps: { db: Db; wecom: WecomApiFactory; maxRetryDelayMs: number }) {
  const { db, wecom } = deps;
  const failures = <T>(fn: () => Promise<T>) => withWecomFailures(fn, deps.maxRetryDelayMs);
  return {
    /** The customers of a transfer still to be sent, in transfer_customer-sized chunks per member pair. */
    async planTransferChunks(input: { transferId: string }): Promise<TransferChunk[]> {
      return planTransferChunks(db, input.transferId);
    },

    /** Sends one chunk; retry-safe: a customer already answered is never sent again. */
    async startTransferChunk(input: { corpId: string; transferId: string; chunk: TransferChunk }): Promise<void> {
      return failures(async () => startTransferChunk(db, await wecom(input.corpId), input.transferId, input.chunk));
    },

    /** Reads transfer_result and applies what became final; answers where every customer stands. */
    async pollTransferResults(input: { corpId: string; transferId: string }) {
      return failures(async () => pollTransferResults(db, await wecom(input.corpId), input.transferId));
    },
  };
}

export type TransferActivities = ReturnType<typeof createTransferActivities>;
