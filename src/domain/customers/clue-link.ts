import type { Db, Executor } from '../../db/knex';
import { findClueInScope, insertClueEvent } from '../../db/queries/clues';
import type { CorpViewer } from '../../db/queries/data-scope';
import { findCustomerInScope, updateCustomerLocal, type WecomCustomerRow } from '../../db/queries/wecom-customers';
import { NotFoundError } from '../errors';

/** Why the system linked a customer to a clue by itself (absent: an admin did). */
export interface ClueLinkCause {
  matchedBy: 'phone' | 'unionid';
  /** The employee the customer added. */
  userid: string;
}

/**
 * The one way a WeCom customer and a clue are linked or unlinked (customer.save and
 * clue.linkWecomCustomer both come here): the customer row names the clue, and the timeline of
 * each clue concerned records it. The caller holds the customer's row lock and has checked it is
 * in the viewer's scope; the clue must be in scope too.
 */
export async function setCustomerClue(
  trx: Executor,
  viewer: CorpViewer,
  customer: WecomCustomerRow,
  clueId: string | null,
  actor: string,
  cause?: ClueLinkCause,
): Promise<WecomCustomerRow> {
  const previous = customer.clue_id === null ? null : String(customer.clue_id);
  if (clueId !== null && !(await findClueInScope(trx, viewer, clueId))) {
    throw new NotFoundError('clue', clueId, 'CLUE_NOT_FOUND');
  }
  if (previous === clueId) return customer;
  const detail = { customerId: customer.id, externalUserid: customer.external_userid, name: customer.name };
  if (previous !== null) await insertClueEvent(trx, previous, 'wecom_customer_unlinked', detail, actor);
  // A link the system made on WeCom's word is unsigned, as the timeline tells system entries.
  const linkedBy = cause ? null : actor;
  if (clueId !== null) await insertClueEvent(trx, clueId, 'wecom_customer_linked', { ...detail, ...cause }, linkedBy);
  return (await updateCustomerLocal(trx, viewer.corpId, customer.id, { clue_id: clueId }, actor)) as WecomCustomerRow;
}

export interface ClueCustomerLink {
  clueId: string;
  customer: { id: string } | { externalUserid: string };
  /** true unlinks the two (when they are linked); otherwise they are linked. */
  unlink: boolean;
}

/** clue.linkWecomCustomer: links or unlinks a clue and a customer, both in the viewer's scope. */
export async function linkClueAndCustomer(
  db: Db,
  viewer: CorpViewer,
  input: ClueCustomerLink,
  actor: string,
): Promise<WecomCustomerRow> {
  return db.transaction(async (trx) => {
    const customer = await findCustomerInScope(trx, viewer, input.customer, { forUpdate: true });
    if (!customer) {
      const key = 'id' in input.customer ? input.customer.id : input.customer.externalUserid;
      throw new NotFoundError('customer', key, 'CUSTOMER_NOT_FOUND');
    }
    if (!(await findClueInScope(trx, viewer, input.clueId))) {
      throw new NotFoundError('clue', input.clueId, 'CLUE_NOT_FOUND');
    }
    if (input.unlink) {
      const linkedHere = customer.clue_id !== null && String(customer.clue_id) === input.clueId;
      return linkedHere ? setCustomerClue(trx, viewer, customer, null, actor) : customer;
    }
    return setCustomerClue(trx, viewer, customer, input.clueId, actor);
  });
}
