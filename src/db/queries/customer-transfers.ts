import type { Knex } from 'knex';
import type { Executor } from '../knex';
import { whereOwnerInScope, type CorpViewer } from './data-scope';

export interface CustomerTransferRow {
  id: string;
  corp_id: string;
  handover_userid: string | null;
  takeover_userid: string;
  transfer_msg: string | null;
  status: 'running' | 'done';
  workflow_started_at: Date | null;
  finished_at: Date | null;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
}

export interface TransferItemRow {
  id: string;
  transfer_id: string;
  corp_id: string;
  external_userid: string;
  handover_userid: string | null;
  takeover_userid: string;
  clue_id: string | null;
  check_result: string | null;
  sent_at: Date | null;
  errcode: number | null;
  status: number | null;
  takeover_time: Date | null;
  reason: string | null;
  final: boolean;
  applied_at: Date | null;
  ctime: Date;
  mtime: Date;
}

export type TransferItemInsert = Pick<
  TransferItemRow,
  'external_userid' | 'handover_userid' | 'takeover_userid' | 'clue_id' | 'check_result' | 'reason' | 'final'
>;

/** Stores a transfer with its items; call inside the transaction that checked them. */
export async function insertTransfer(
  db: Executor,
  transfer: Pick<CustomerTransferRow, 'corp_id' | 'handover_userid' | 'takeover_userid' | 'transfer_msg' | 'cuser'> & {
    status: CustomerTransferRow['status'];
  },
  items: TransferItemInsert[],
): Promise<{ transfer: CustomerTransferRow; items: TransferItemRow[] }> {
  const [row] = (await db('customer_transfer')
    .insert({ ...transfer, finished_at: transfer.status === 'done' ? db.fn.now() : null })
    .returning('*')) as CustomerTransferRow[];
  const inserted = (await db('customer_transfer_item')
    .insert(items.map((item) => ({ ...item, transfer_id: row!.id, corp_id: transfer.corp_id })))
    .returning('*')) as TransferItemRow[];
  return { transfer: row!, items: inserted };
}

/**
 * Keeps the transfers (alias `alias`) the viewer may see: one of their customers left or went to
 * an employee of the viewer's scope; scope all adds nothing.
 */
function whereTransferInScope(
  db: Executor,
  q: Knex.QueryBuilder,
  viewer: CorpViewer,
  alias: string,
): Knex.QueryBuilder {
  if (viewer.scope.all) return q;
  const items = () =>
    db('customer_transfer_item as si')
      .select(db.raw('1'))
      .whereRaw('si.transfer_id = ??', [`${alias}.id`]);
  return q.where((w) =>
    w
      .whereExists(whereOwnerInScope(items(), viewer, 'si.handover_userid'))
      .orWhereExists(whereOwnerInScope(items(), viewer, 'si.takeover_userid')),
  );
}

export async function findTransfer(
  db: Executor,
  viewer: CorpViewer,
  id: string,
): Promise<CustomerTransferRow | undefined> {
  const q = db('customer_transfer as t').where({ 't.corp_id': viewer.corpId, 't.id': id });
  return (await whereTransferInScope(db, q, viewer, 't').first('t.*')) as CustomerTransferRow | undefined;
}

export async function findTransferById(db: Executor, id: string): Promise<CustomerTransferRow | undefined> {
  return db<CustomerTransferRow>('customer_transfer').where({ id }).first();
}

export async function listTransferItems(db: Executor, transferId: string): Promise<TransferItemRow[]> {
  return db<TransferItemRow>('customer_transfer_item').where({ transfer_id: transferId }).orderBy('id');
}

/**
 * Per customer, how many of its transfers count against WeCom's 90-day rule (done or waiting,
 * or passed the check and not yet answered) and whether one is still under way.
 */
export async function recentTransferCounts(
  db: Executor,
  corpId: string,
  externalUserids: readonly string[],
  windowDays: number,
): Promise<Map<string, { recent: number; open: number }>> {
  if (externalUserids.length === 0) return new Map();
  const rows = (await db('customer_transfer_item')
    .where({ corp_id: corpId })
    .whereIn('external_userid', [...externalUserids])
    .whereNull('check_result')
    .andWhere('ctime', '>', db.raw(`now() - (? * interval '1 day')`, [windowDays]))
    .groupBy('external_userid')
    .select(
      'external_userid',
      db.raw('count(*) FILTER (WHERE status IN (1, 2) OR (NOT final AND errcode IS NULL))::int AS recent'),
      db.raw('count(*) FILTER (WHERE NOT final)::int AS open'),
    )) as Array<{ external_userid: string; recent: number; open: number }>;
  return new Map(rows.map((r) => [r.external_userid, { recent: r.recent, open: r.open }]));
}

/** Marks the items whose transfer_customer call is about to go out (kept when already marked). */
export async function markItemsSent(
  db: Executor,
  transferId: string,
  externalUserids: readonly string[],
): Promise<void> {
  await db('customer_transfer_item')
    .where({ transfer_id: transferId })
    .whereIn('external_userid', [...externalUserids])
    .whereNull('sent_at')
    .update({ sent_at: db.fn.now(), mtime: db.fn.now() });
}

export interface ItemUpdate {
  errcode?: number | null;
  status?: number | null;
  takeover_time?: Date | null;
  reason?: string | null;
  final?: boolean;
}

/** Updates one item unless it is final already (a late or repeated answer never reopens it). */
export async function updateOpenItem(
  db: Executor,
  transferId: string,
  externalUserid: string,
  values: ItemUpdate,
): Promise<TransferItemRow | undefined> {
  const [row] = (await db('customer_transfer_item')
    .where({ transfer_id: transferId, external_userid: externalUserid, final: false })
    .update({ ...values, mtime: db.fn.now() })
    .returning('*')) as TransferItemRow[];
  return row;
}

/** Claims a final item's outcome for applying: true once, for the transaction that gets it first. */
export async function claimItemApplied(db: Executor, itemId: string): Promise<boolean> {
  const updated = await db('customer_transfer_item')
    .where({ id: itemId, final: true })
    .whereNull('applied_at')
    .update({ applied_at: db.fn.now() });
  return updated > 0;
}

export async function finishTransferIfDone(db: Executor, transferId: string): Promise<boolean> {
  const updated = await db('customer_transfer')
    .where({ id: transferId, status: 'running' })
    .whereNotExists(db('customer_transfer_item').where({ transfer_id: transferId, final: false }).select(db.raw('1')))
    .update({ status: 'done', finished_at: db.fn.now(), mtime: db.fn.now() });
  return updated > 0;
}

/** Running transfers whose workflow Temporal has not accepted yet, committed at least `olderThanMs` ago. */
export async function findUnstartedTransfers(
  db: Executor,
  limit: number,
  olderThanMs: number,
): Promise<Array<{ id: string; corp_id: string; takeover_userid: string; customers: number }>> {
  return (await db('customer_transfer as t')
    .where({ 't.status': 'running' })
    .whereNull('t.workflow_started_at')
    .andWhere('t.ctime', '<=', db.raw(`now() - (? * interval '1 millisecond')`, [olderThanMs]))
    .orderBy('t.id')
    .limit(limit)
    .select(
      't.id',
      't.corp_id',
      't.takeover_userid',
      db.raw(
        '(SELECT count(*)::int FROM customer_transfer_item i WHERE i.transfer_id = t.id AND i.check_result IS NULL) AS customers',
      ),
    )) as Array<{ id: string; corp_id: string; takeover_userid: string; customers: number }>;
}

export async function markTransfersStarted(db: Executor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db('customer_transfer')
    .whereIn('id', [...ids])
    .whereNull('workflow_started_at')
    .update({ workflow_started_at: db.fn.now() });
}

/** Open transfers (not final) of a customer toward `takeover` in a corp: what a transfer_fail callback wakes. */
export async function openTransfersOfCustomer(
  db: Executor,
  corpId: string,
  externalUserid: string,
  takeoverUserid?: string,
): Promise<string[]> {
  const q = db('customer_transfer_item')
    .where({ corp_id: corpId, external_userid: externalUserid, final: false })
    .whereNull('check_result');
  if (takeoverUserid) q.andWhereRaw('lower(takeover_userid) = lower(?)', [takeoverUserid]);
  const rows = (await q.distinct('transfer_id')) as Array<{ transfer_id: string }>;
  return rows.map((r) => String(r.transfer_id));
}

export async function pageTransfers(
  db: Executor,
  viewer: CorpViewer,
  paging: { pageNum: number; pageSize: number },
): Promise<{
  list: Array<CustomerTransferRow & { item_count: number; final_count: number; done_count: number }>;
  total: number;
}> {
  const base = whereTransferInScope(db, db('customer_transfer as t').where('t.corp_id', viewer.corpId), viewer, 't');
  const [count] = (await base.clone().count<{ count: string }[]>('* as count')) as Array<{ count: string }>;
  const list = (await base
    .clone()
    .select(
      't.*',
      db.raw('(SELECT count(*)::int FROM customer_transfer_item i WHERE i.transfer_id = t.id) AS item_count'),
      db.raw(
        '(SELECT count(*)::int FROM customer_transfer_item i WHERE i.transfer_id = t.id AND i.final) AS final_count',
      ),
      db.raw(
        '(SELECT count(*)::int FROM customer_transfer_item i WHERE i.transfer_id = t.id AND i.status = 1) AS done_count',
      ),
    )
    .orderBy('t.id', 'desc')
    .limit(paging.pageSize)
    .offset((paging.pageNum - 1) * paging.pageSize)) as Array<
    CustomerTransferRow & { item_count: number; final_count: number; done_count: number }
  >;
  return { list, total: Number(count?.count ?? 0) };
}
