import { listAcqAttributionsOfCustomer, type AcqAttributionRow } from '../../db/queries/acq-attributions';
import type { Db, Executor } from '../../db/knex';
import type { CorpViewer } from '../../db/queries/data-scope';
import {
  countValidRelations,
  findCustomerInScope,
  pageCustomers as pageCustomerRows,
  updateCustomerLocal,
  type CustomerFilter,
  type CustomerLocalValues,
  type WecomCustomerRow,
} from '../../db/queries/wecom-customers';
import { listRelationsOfCustomer, type RelationListRow } from '../../db/queries/wecom-relations';
import { setCustomerClue } from './clue-link';
import { NotFoundError, ValidationError } from '../errors';
import { normalizeChinaPhone } from '../phone';

export interface CustomerWithCount {
  customer: WecomCustomerRow;
  validRelationCount: number;
}

export interface CustomerWithRelations {
  customer: WecomCustomerRow;
  relations: RelationListRow[];
  /** Adds through acquisition links, newest first, with their welcome's outcome. */
  acquisitions: AcqAttributionRow[];
}

/** Only the fields the SCRM owns; WeCom's fields change through syncs and callbacks alone. */
export interface CustomerLocalInput {
  id: string;
  localRemark?: string | null;
  phone?: string | null;
  clueId?: string | null;
}

/**
 * Customers outside the viewer's data scope (no relation with a follow user in it) are not found,
 * as customers that do not exist.
 */
export async function getCustomer(db: Executor, viewer: CorpViewer, id: string): Promise<CustomerWithCount> {
  const customer = await findCustomerInScope(db, viewer, { id });
  if (!customer) throw new NotFoundError('customer', id, 'CUSTOMER_NOT_FOUND');
  return { customer, validRelationCount: await countValidRelations(db, viewer.corpId, customer.external_userid) };
}

/** The customer with its relations in the viewer's data scope. */
export async function getCustomerByExternalUserid(
  db: Executor,
  viewer: CorpViewer,
  externalUserid: string,
): Promise<CustomerWithRelations> {
  const customer = await findCustomerInScope(db, viewer, { externalUserid });
  if (!customer) throw new NotFoundError('customer', externalUserid, 'CUSTOMER_NOT_FOUND');
  return {
    customer,
    relations: await listRelationsOfCustomer(db, viewer, externalUserid),
    acquisitions: await listAcqAttributionsOfCustomer(db, viewer.corpId, externalUserid),
  };
}

export function pageCustomers(db: Executor, viewer: CorpViewer, filter: CustomerFilter) {
  return pageCustomerRows(db, viewer, filter);
}

/**
 * Saves the local fields of an existing customer: remark, phone (normalised) and the linked clue.
 * The customer and the clue must both be in the viewer's data scope.
 */
export async function saveCustomerLocal(
  db: Db,
  viewer: CorpViewer,
  input: CustomerLocalInput,
  actor: string,
): Promise<CustomerWithCount> {
  const values: CustomerLocalValues = {};
  if (input.localRemark !== undefined) values.local_remark = input.localRemark?.trim() || null;
  if (input.phone !== undefined) {
    const phone = input.phone?.trim() || null;
    const normalized = phone === null ? null : normalizeChinaPhone(phone);
    if (phone !== null && normalized === null) {
      throw ValidationError.field(
        'phone',
        'must be a phone number used in China: a mobile like 13812345678 (optionally +86) or a landline like 010-12345678',
        'format.cn-phone',
      );
    }
    values.phone = normalized;
  }
  const corpId = viewer.corpId;
  return db.transaction(async (trx) => {
    const existing = await findCustomerInScope(trx, viewer, { id: input.id }, { forUpdate: true });
    if (!existing) throw new NotFoundError('customer', input.id, 'CUSTOMER_NOT_FOUND');
    const linked =
      input.clueId === undefined ? existing : await setCustomerClue(trx, viewer, existing, input.clueId, actor);
    const customer = (await updateCustomerLocal(trx, corpId, input.id, values, actor)) ?? linked;
    return { customer, validRelationCount: await countValidRelations(trx, corpId, customer.external_userid) };
  });
}
