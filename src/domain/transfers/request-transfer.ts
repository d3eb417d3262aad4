import type { Db, Executor } from '../../db/knex';
import { ownerInScope, type CorpViewer } from '../../db/queries/data-scope';
import { insertCustomerEvents } from '../../db/queries/customer-events';
import {
  insertTransfer,
  recentTransferCounts,
  type CustomerTransferRow,
  type TransferItemInsert,
  type TransferItemRow,
} from '../../db/queries/customer-transfers';
import { whereCustomerInScope, type WecomCustomerRow } from '../../db/queries/wecom-customers';
import { findEmployeeByUserid } from '../../db/queries/wecom-employees';
import { ProblemList } from '../errors';
import { CHECK_REASONS, type CheckResult } from './reasons';

/** WeCom: an in-service customer may be transferred at most twice in 90 days. */
export const TRANSFER_WINDOW_DAYS = 90;
export const MAX_TRANSFERS_IN_WINDOW = 2;

export interface TransferRequest {
  externalUserids?: string[];
  /** Clues whose linked WeCom customers go too. */
  clueIds?: string[];
  /** Absent: each customer goes from its one current follow user. */
  handoverUserid?: string;
  takeoverUserid: string;
  transferMsg?: string;
}

export interface RequestedTransfer {
  transfer: CustomerTransferRow;
  items: TransferItemRow[];
}

const lower = (s: string) => s.toLowerCase();

/**
 * clueDetail.transferOwner: checks every customer against WeCom's rules and stores the transfer
 * with one item per customer; the ones that passed are left for the transfer workflow. Bad input
 * (no customer, unknown members, a clue without customer) is one ValidationError and stores nothing.
 */
export async function requestTransfer(
  db: Db,
  viewer: CorpViewer,
  request: TransferRequest,
  actor: string,
): Promise<RequestedTransfer> {
  return db.transaction(async (trx) => {
    const corpId = viewer.corpId;
    const problems = new ProblemList();
    if (!request.externalUserids?.length && !request.clueIds?.length) {
      problems.problem(
        'externalUserids',
        'give externalUserids or clueIds (at least one customer)',
        'rule.transferCustomersRequired',
      );
    }
    const takeover = await findEmployeeByUserid(trx, corpId, request.takeoverUserid);
    if (!takeover || takeover.is_del !== 0 || takeover.status !== 1) {
      problems.problem('takeoverUserid', 'must be an active employee of the corp', 'rule.transferTakeoverInvalid');
    }
    let handoverUserid: string | null = null;
    if (request.handoverUserid !== undefined) {
      const handover = await findEmployeeByUserid(trx, corpId, request.handoverUserid);
      if (!handover || handover.is_del !== 0) {
        problems.problem('handoverUserid', 'must be an employee of the corp', 'rule.transferHandoverInvalid');
      } else {
        handoverUserid = handover.userid;
        if (takeover && lower(handover.userid) === lower(takeover.userid)) {
          problems.problem('takeoverUserid', 'the takeover must differ from the handover', 'rule.transferSameMember');
        }
      }
    }
    const byClue = await customersOfClues(trx, viewer, request.clueIds ?? []);
    for (const clueId of request.clueIds ?? []) {
      if (!byClue.some((c) => String(c.clue_id) === clueId)) {
        problems.problem(
          'clueIds',
          `clue ${clueId} is linked to no WeCom customer in your data scope`,
          'rule.transferClueWithoutCustomer',
          {
            clueId,
          },
        );
      }
    }
    problems.throwIfAny();
    const takeoverUserid = takeover!.userid;

    const wanted = [...new Set([...(request.externalUserids ?? []), ...byClue.map((c) => c.external_userid)])];
    const customers = await lockCustomersInScope(trx, viewer, wanted);
    const relations = await validRelations(trx, corpId, wanted);
    const history = await recentTransferCounts(trx, corpId, wanted, TRANSFER_WINDOW_DAYS);
    const items: TransferItemInsert[] = [];
    for (const externalUserid of wanted) {
      const customer = customers.get(externalUserid);
      const followers = relations.get(externalUserid) ?? [];
      let handover: string | null = handoverUserid;
      let check: CheckResult | null = null;
      if (!customer) check = 'CUSTOMER_NOT_FOUND';
      else if (handover !== null) {
        const match = followers.find((u) => lower(u) === lower(handover as string));
        if (match) handover = match;
        else check = 'NO_RELATION';
      } else {
        const candidates = followers.filter((u) => lower(u) !== lower(takeoverUserid));
        if (candidates.length === 1) handover = candidates[0] as string;
        else
          check =
            candidates.length === 0 ? (followers.length > 0 ? 'SAME_MEMBER' : 'NO_RELATION') : 'HANDOVER_AMBIGUOUS';
      }
      if (!check && handover !== null && lower(handover) === lower(takeoverUserid)) check = 'SAME_MEMBER';
      if (!check && handover !== null && !(await ownerInScope(trx, viewer, handover))) check = 'HANDOVER_OUT_OF_SCOPE';
      const past = history.get(externalUserid);
      if (!check && past && past.open > 0) check = 'ALREADY_TRANSFERRING';
      if (!check && past && past.recent >= MAX_TRANSFERS_IN_WINDOW) check = 'TOO_OFTEN';
      items.push({
        external_userid: externalUserid,
        handover_userid: handover,
        takeover_userid: takeoverUserid,
        clue_id: customer?.clue_id ?? null,
        check_result: check,
        reason: check ? CHECK_REASONS[check] : null,
        final: check !== null,
      });
    }
    const anyToSend = items.some((i) => i.check_result === null);
    const stored = await insertTransfer(
      trx,
      {
        corp_id: corpId,
        handover_userid: handoverUserid,
        takeover_userid: takeoverUserid,
        transfer_msg: request.transferMsg ?? null,
        cuser: actor,
        status: anyToSend ? 'running' : 'done',
      },
      items,
    );
    await insertCustomerEvents(
      trx,
      stored.items
        .filter((i) => i.check_result === null)
        .map((i) => ({
          corpId,
          externalUserid: i.external_userid,
          kind: 'transfer_requested',
          detail: { transferId: stored.transfer.id, handover: i.handover_userid, takeover: i.takeover_userid },
          cuser: actor,
        })),
    );
    return stored;
  });
}

/** Live customers of the clues, in the viewer's scope. */
async function customersOfClues(db: Executor, viewer: CorpViewer, clueIds: string[]): Promise<WecomCustomerRow[]> {
  if (clueIds.length === 0) return [];
  const q = db('wecom_customer as c')
    .where({ 'c.corp_id': viewer.corpId, 'c.is_del': 0 })
    .whereIn('c.clue_id', clueIds);
  return (await whereCustomerInScope(db, q, viewer, 'c').orderBy('c.id').select('c.*')) as WecomCustomerRow[];
}

/** Locks the customers (in id order, so two requests cannot deadlock): one transfer at a time per customer. */
async function lockCustomersInScope(
  db: Executor,
  viewer: CorpViewer,
  externalUserids: string[],
): Promise<Map<string, WecomCustomerRow>> {
  if (externalUserids.length === 0) return new Map();
  const q = db('wecom_customer as c')
    .where({ 'c.corp_id': viewer.corpId, 'c.is_del': 0 })
    .whereIn('c.external_userid', externalUserids);
  const rows = (await whereCustomerInScope(db, q, viewer, 'c')
    .orderBy('c.id')
    .forUpdate('c')
    .select('c.*')) as WecomCustomerRow[];
  return new Map(rows.map((r) => [r.external_userid, r]));
}

/** The userids that currently follow each customer (valid relations of the mirror). */
async function validRelations(db: Executor, corpId: string, externalUserids: string[]): Promise<Map<string, string[]>> {
  const rows = (await db('wecom_relation')
    .where({ corp_id: corpId, status: 0, is_del: 0 })
    .whereIn('external_userid', externalUserids)
    .orderBy('id')
    .select('external_userid', 'userid')) as Array<{ external_userid: string; userid: string }>;
  const map = new Map<string, string[]>();
  for (const r of rows) map.set(r.external_userid, [...(map.get(r.external_userid) ?? []), r.userid]);
  return map;
}
