import type { Db } from '../../db/knex';
import {
  finishTransferIfDone,
  findTransferById,
  listTransferItems,
  markItemsSent,
  updateOpenItem,
  type CustomerTransferRow,
  type ItemUpdate,
  type TransferItemRow,
} from '../../db/queries/customer-transfers';
import type { WecomApi } from '../../wecom/api';
import { WecomApiError } from '../../wecom/errors';
import { NotFoundError } from '../errors';
import { applyItemOutcome } from './apply-outcome';
import { errcodeReason, isFinalStatus, statusReason } from './reasons';

/** transfer_customer takes at most this many customers per call. */
export const TRANSFER_CHUNK_SIZE = 100;
/** Errcodes of a re-sent customer that mean the first call went through (already transferring). */
const ALREADY_STARTED = new Set([40100, 40129]);

export interface TransferChunk {
  handover: string;
  takeover: string;
  externalUserids: string[];
}

/** One customer as the workflow's progress query shows it. */
export interface ItemProgress {
  externalUserid: string;
  handover: string | null;
  takeover: string;
  status: number | null;
  errcode: number | null;
  final: boolean;
  reason: string | null;
}

export interface TransferProgress {
  transferId: string;
  status: CustomerTransferRow['status'];
  waiting: number;
  items: ItemProgress[];
}

async function transferOf(db: Db, transferId: string): Promise<CustomerTransferRow> {
  const transfer = await findTransferById(db, transferId);
  if (!transfer) throw new NotFoundError('customer transfer', transferId, 'TRANSFER_NOT_FOUND');
  return transfer;
}

const isOpen = (i: TransferItemRow) => i.check_result === null && !i.final;

/** The items still to be sent, grouped by (handover, takeover) pair in chunks of ≤ 100. */
export async function planTransferChunks(db: Db, transferId: string): Promise<TransferChunk[]> {
  const items = (await listTransferItems(db, transferId)).filter((i) => isOpen(i) && i.errcode === null);
  const byPair = new Map<string, TransferChunk[]>();
  for (const item of items) {
    const handover = item.handover_userid ?? '';
    const key = `${handover}\n${item.takeover_userid}`;
    const chunks = byPair.get(key) ?? [];
    let last = chunks[chunks.length - 1];
    if (!last || last.externalUserids.length >= TRANSFER_CHUNK_SIZE) {
      last = { handover, takeover: item.takeover_userid, externalUserids: [] };
      chunks.push(last);
      byPair.set(key, chunks);
    }
    last.externalUserids.push(item.external_userid);
  }
  return [...byPair.values()].flat();
}

/** Every row of transfer_result for a pair, all pages. */
async function readResults(
  api: WecomApi,
  handover: string,
  takeover: string,
): Promise<Map<string, { status: number; takeoverTime: Date | null }>> {
  const results = new Map<string, { status: number; takeoverTime: Date | null }>();
  let cursor: string | undefined;
  for (;;) {
    const page = await api.call('transferResult', {
      body: { handover_userid: handover, takeover_userid: takeover, ...(cursor ? { cursor } : {}) },
    });
    for (const c of page.customer) {
      results.set(c.external_userid, {
        status: c.status,
        takeoverTime: c.takeover_time ? new Date(c.takeover_time * 1000) : null,
      });
    }
    if (!page.next_cursor) return results;
    cursor = page.next_cursor;
  }
}

/** Records one item's news and, when it is final, applies it, in one transaction. */
async function record(
  db: Db,
  transfer: CustomerTransferRow,
  externalUserid: string,
  values: ItemUpdate,
): Promise<void> {
  await db.transaction(async (trx) => {
    const item = await updateOpenItem(trx, transfer.id, externalUserid, values);
    if (item?.final) await applyItemOutcome(trx, transfer, item);
  });
}

/**
 * Calls transfer_customer for one chunk and records each customer's errcode. Customers a crashed
 * attempt may already have sent are first looked up in transfer_result, so none is sent twice.
 */
export async function startTransferChunk(
  db: Db,
  api: WecomApi,
  transferId: string,
  chunk: TransferChunk,
): Promise<void> {
  const transfer = await transferOf(db, transferId);
  const wanted = new Set(chunk.externalUserids);
  const items = (await listTransferItems(db, transferId)).filter(
    (i) => wanted.has(i.external_userid) && isOpen(i) && i.errcode === null,
  );
  if (items.length === 0) return;
  const maybeSent = items.filter((i) => i.sent_at !== null);
  const resent = new Set(maybeSent.map((i) => i.external_userid));
  let toSend = items.map((i) => i.external_userid);
  if (maybeSent.length > 0) {
    const results = await readResults(api, chunk.handover, chunk.takeover);
    for (const item of maybeSent) {
      const found = results.get(item.external_userid);
      if (!found || found.status === 5) continue;
      await record(db, transfer, item.external_userid, { errcode: 0, status: 2, reason: statusReason(2) });
      toSend = toSend.filter((e) => e !== item.external_userid);
    }
  }
  if (toSend.length === 0) return;
  await markItemsSent(db, transferId, toSend);
  let answer: Array<{ external_userid: string; errcode: number }>;
  try {
    const response = await api.call('transferCustomer', {
      body: {
        handover_userid: chunk.handover,
        takeover_userid: chunk.takeover,
        external_userid: toSend,
        ...(transfer.transfer_msg ? { transfer_success_msg: transfer.transfer_msg } : {}),
      },
    });
    answer = response.customer;
  } catch (error) {
    // A refusal of the whole call (members wrong) is every customer's answer; anything else retries.
    if (!(error instanceof WecomApiError) || error.retryable) throw error;
    answer = toSend.map((external_userid) => ({ external_userid, errcode: error.errcode }));
  }
  for (const c of answer) {
    const errcode = resent.has(c.external_userid) && ALREADY_STARTED.has(c.errcode) ? 0 : c.errcode;
    await record(
      db,
      transfer,
      c.external_userid,
      errcode === 0
        ? { errcode: 0, status: 2, reason: statusReason(2) }
        : { errcode, status: null, final: true, reason: errcodeReason(errcode) },
    );
  }
}

/**
 * Reads transfer_result for every pair with customers still waiting, records each customer's
 * status, applies the final ones and says how many still wait.
 */
export async function pollTransferResults(db: Db, api: WecomApi, transferId: string): Promise<TransferProgress> {
  const transfer = await transferOf(db, transferId);
  const waiting = (await listTransferItems(db, transferId)).filter((i) => isOpen(i) && i.errcode === 0);
  const pairs = new Map<string, TransferItemRow[]>();
  for (const item of waiting) {
    const key = `${item.handover_userid ?? ''}\n${item.takeover_userid}`;
    pairs.set(key, [...(pairs.get(key) ?? []), item]);
  }
  for (const items of pairs.values()) {
    const first = items[0] as TransferItemRow;
    const results = await readResults(api, first.handover_userid ?? '', first.takeover_userid);
    for (const item of items) {
      // WeCom keeps a record of every transfer it started: none means it has nothing to finish.
      const found = results.get(item.external_userid) ?? { status: 5, takeoverTime: null };
      const final = isFinalStatus(found.status);
      if (!final && item.status === 2 && item.takeover_time?.getTime() === found.takeoverTime?.getTime()) continue;
      await record(db, transfer, item.external_userid, {
        status: found.status,
        takeover_time: found.takeoverTime,
        final,
        reason: statusReason(found.status),
      });
    }
  }
  await finishTransferIfDone(db, transferId);
  return transferProgress(db, transferId);
}

/** Where every customer of a transfer stands (the workflow's progress query and the API read). */
export async function transferProgress(db: Db, transferId: string): Promise<TransferProgress> {
  const transfer = await transferOf(db, transferId);
  const items = await listTransferItems(db, transferId);
  return {
    transferId,
    status: transfer.status,
    waiting: items.filter(isOpen).length,
    items: items.map((i) => ({
      externalUserid: i.external_userid,
      handover: i.handover_userid,
      takeover: i.takeover_userid,
      status: i.status,
      errcode: i.errcode,
      final: i.final,
      reason: i.reason,
    })),
  };
}
