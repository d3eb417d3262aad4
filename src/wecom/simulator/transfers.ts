import type { EventFields } from './callbacks';
import type { SimCorp, SimTransfer } from './state';

/** WeCom lets the customer refuse for 24 hours; after that the takeover completes by itself. */
export const TRANSFER_DECISION_SECONDS = 24 * 3600;
/** An in-service customer may be transferred at most twice in 90 days. */
export const TRANSFER_WINDOW_SECONDS = 90 * 86400;
export const MAX_TRANSFERS_IN_WINDOW = 2;

export type TransferDecision = 'accept' | 'refuse' | 'limit';

/** Ends a waiting transfer and returns the events WeCom pushes for it. */
export function decideTransfer(corp: SimCorp, transfer: SimTransfer, decision: TransferDecision): EventFields[] {
  if (transfer.status !== 2) return [];
  const now = corp.now();
  const base = { Event: 'change_external_contact', ExternalUserID: transfer.externalUserid };
  if (decision === 'refuse' || decision === 'limit') {
    transfer.status = decision === 'refuse' ? 3 : 4;
    const FailReason = decision === 'refuse' ? 'customer_refused' : 'customer_limit_exceed';
    return [{ ...base, ChangeType: 'transfer_fail', FailReason, UserID: transfer.takeover }];
  }
  transfer.status = 1;
  transfer.takeoverTime = now;
  const events: EventFields[] = [];
  const handed = corp.relation(transfer.handover, transfer.externalUserid);
  const existing = corp.relation(transfer.takeover, transfer.externalUserid);
  const customer = corp.customers.get(transfer.externalUserid);
  if (customer && !existing) {
    corp.addRelation(customer, {
      userid: transfer.takeover,
      remark: handed?.remark ?? '',
      description: handed?.description ?? '',
      createtime: now,
      addWay: 202,
      state: handed?.state,
      operUserid: transfer.handover,
      remarkMobiles: [...(handed?.remarkMobiles ?? [])],
      remarkCorpName: handed?.remarkCorpName,
      tagIds: [...(handed?.tagIds ?? [])],
    });
    events.push({ ...base, ChangeType: 'add_external_contact', UserID: transfer.takeover });
  }
  if (handed) {
    corp.removeRelation(handed);
    events.unshift({
      ...base,
      ChangeType: 'del_external_contact',
      UserID: transfer.handover,
      Source: 'DELETE_BY_TRANSFER',
    });
  }
  return events;
}

/**
 * Completes every transfer whose 24 hours have passed on the corp clock: accepted, unless the takeover
 * already holds the customer limit (status 4).
 */
export function settleDueTransfers(corp: SimCorp): EventFields[] {
  const now = corp.now();
  const events: EventFields[] = [];
  for (const transfer of corp.transfers) {
    if (transfer.status !== 2 || transfer.startedAt + TRANSFER_DECISION_SECONDS > now) continue;
    const full = corp.userRelations(transfer.takeover).length >= corp.settings.customerLimitPerMember;
    events.push(...decideTransfer(corp, transfer, full ? 'limit' : 'accept'));
  }
  return events;
}

/** How many transfers of this customer count against the 90-day limit (refused and failed ones do not). */
export function recentTransfers(corp: SimCorp, externalUserid: string): number {
  const since = corp.now() - TRANSFER_WINDOW_SECONDS;
  return corp.transfers.filter(
    (t) => t.externalUserid === externalUserid && t.startedAt > since && (t.status === 1 || t.status === 2),
  ).length;
}
