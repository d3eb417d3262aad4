import type { Db, Executor } from '../../db/knex';
import { findClueById } from '../../db/queries/clues';
import {
  countValidRelations,
  findCustomerByExternalUserid,
  findCustomerById,
  pageCustomers as pageCustomerRows,
  updateCustomerLocal,
  type CustomerFilter,
  type CustomerLocalValues,
  type WecomCustomerRow,
} from '../../db/queries/wecom-customers';
import { listRelationsOfCustomer, type RelationListRow } from '../../db/queries/wecom-relations';
import { NotFoundError, ValidationError } from '../errors';
import { normalizeChinaPhone } from '../phone';

export interface CustomerWithCount {
  customer: WecomCustomerRow;
  validRelationCount: number;
}

export interface CustomerWithRelations {
  customer: WecomCustomerRow;
  relations: RelationListRow[];
}

/** Only the fields the SCRM owns; WeCom's fields change through syncs and callbacks alone. */
export interface CustomerLocalInput {
  id: string;
  localRemark?: string | null;
  phone?: string | null;
  clueId?: string | null;
}

export async function getCustomer(db: Executor, corpId: string, id: string): Promise<CustomerWithCount> {
  const customer = await findCustomerById(db, corpId, id);
  if (!customer) throw new NotFoundError('customer', id, 'CUSTOMER_NOT_FOUND');
  return { customer, validRelationCount: await countValidRelations(db, corpId, customer.external_userid) };
}

export async function getCustomerByExternalUserid(
  db: Executor,
  corpId: string,
  externalUserid: string,
): Promise<CustomerWithRelations> {
  const customer = await findCustomerByExternalUserid(db, corpId, externalUserid);
  if (!customer) throw new NotFoundError('customer', externalUserid, 'CUSTOMER_NOT_FOUND');
  return { customer, relations: await listRelationsOfCustomer(db, corpId, externalUserid) };
}

export function pageCustomers(db: Executor, corpId: string, filter: CustomerFilter) {
  return pageCustomerRows(db, corpId, filter);
}

/** Saves the local fields of an existing customer: remark, phone (normalised) and the linked clue. */
export async function saveCustomerLocal(
  db: Db,
  corpId: string,
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
  return db.transaction(async (trx) => {
    const existing = await trx('wecom_customer').where({ corp_id: corpId, id: input.id }).forUpdate().first('id');
    if (!existing) throw new NotFoundError('customer', input.id, 'CUSTOMER_NOT_FOUND');
    if (input.clueId !== undefined) {
      if (input.clueId !== null && !(await findClueById(trx, input.clueId))) {
        throw new NotFoundError('clue', input.clueId, 'CLUE_NOT_FOUND');
      }
      values.clue_id = input.clueId;
    }
    const customer = (await updateCustomerLocal(trx, corpId, input.id, values, actor)) as WecomCustomerRow;
    return { customer, validRelationCount: await countValidRelations(trx, corpId, customer.external_userid) };
  });
}
