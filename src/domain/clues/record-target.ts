import { findCustomersInScopeByIds, findLinkedCustomersInScope } from '../../db/queries/clue-self-tags';
import { findClueInScope, type ClueRow } from '../../db/queries/clues';
import type { CorpViewer } from '../../db/queries/data-scope';
import type { Executor } from '../../db/knex';
import type { WecomCustomerRow } from '../../db/queries/wecom-customers';
import { NotFoundError } from '../errors';

/** One clue or one WeCom customer (wecom_customer id): what the detail views are asked about. */
export type RecordTarget = { clueId: string } | { customerId: string };

/** A clue or customer together with its linked counterparts, as the detail views show them. */
export interface ResolvedRecord {
  /** The clue asked about, or the clue the customer is linked to. */
  clue: ClueRow | null;
  /** The customer asked about, or the customers linked to the clue. */
  customers: WecomCustomerRow[];
}

/**
 * The asked-for record outside the viewer's data scope is 404, as one that does not exist; a
 * linked record outside it is left out.
 */
export async function resolveRecord(db: Executor, viewer: CorpViewer, target: RecordTarget): Promise<ResolvedRecord> {
  if ('clueId' in target) {
    const clue = await findClueInScope(db, viewer, target.clueId);
    if (!clue) throw new NotFoundError('clue', target.clueId, 'CLUE_NOT_FOUND');
    return { clue, customers: await findLinkedCustomersInScope(db, viewer, target.clueId) };
  }
  const [customer] = await findCustomersInScopeByIds(db, viewer, [target.customerId]);
  if (!customer) throw new NotFoundError('customer', target.customerId, 'CUSTOMER_NOT_FOUND');
  const clue = customer.clue_id === null ? undefined : await findClueInScope(db, viewer, String(customer.clue_id));
  return { clue: clue ?? null, customers: [customer] };
}
