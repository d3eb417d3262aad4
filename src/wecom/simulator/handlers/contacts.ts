import type { EndpointResponse } from '../../endpoints';
import { decodeCursor, encodeCursor, maxPageOf } from '../cursor';
import { WecomError } from '../errors';
import { presentExternalContact, presentFollowInfo, presentFollowUser } from '../present';
import { lowerBound, type SimCorp, type SimCustomer, type SimEmployee, type SimRelation } from '../state';
import { requireUser } from './org';
import type { HandlerTable } from './types';

const DEFAULT_BATCH_LIMIT = 50;

/** A member who may hold customers: 40003 when unknown or malformed, 84074 without the customer-contact feature. */
export function requireFollower(corp: SimCorp, userid: string): SimEmployee {
  let employee: SimEmployee;
  try {
    employee = requireUser(corp, userid);
  } catch {
    throw new WecomError(40003);
  }
  if (!employee.customerContact) throw new WecomError(84074, 'no external contact permission');
  return employee;
}

export function requireCustomer(corp: SimCorp, externalUserid: string): SimCustomer {
  const customer = corp.customers.get(externalUserid);
  if (!customer) throw new WecomError(40096);
  return customer;
}

/** The (member, customer) relation: 40003 / 40096 for unknown ids, 84061 when they are not contacts. */
export function requireRelation(corp: SimCorp, userid: string, externalUserid: string): SimRelation {
  requireFollower(corp, userid);
  const customer = requireCustomer(corp, externalUserid);
  const relation = customer.relations.find((r) => r.userid === userid);
  if (!relation) throw new WecomError(84061);
  return relation;
}

type BatchItem = EndpointResponse<'batchGetByUser'>['external_contact_list'][number];

export const contactHandlers = {
  getFollowUserList: ({ corp }) => ({
    follow_user: [...corp.employees.values()].filter((e) => e.customerContact && e.status === 1).map((e) => e.userid),
  }),

  listExternalContacts: ({ corp }, { query }) => {
    requireFollower(corp, query.userid);
    return { external_userid: corp.userRelations(query.userid).map((r) => r.customer.externalUserid) };
  },

  getExternalContact: ({ corp }, { query }) => {
    const customer = requireCustomer(corp, query.external_userid);
    if (customer.relations.length === 0) throw new WecomError(84061);
    const pageSize = maxPageOf('getExternalContact');
    const [offset] = query.cursor ? decodeCursor('fu', query.cursor, 1) : [0];
    const page = customer.relations.slice(offset, (offset as number) + pageSize);
    const end = (offset as number) + page.length;
    const out: EndpointResponse<'getExternalContact'> = {
      external_contact: presentExternalContact(customer),
      follow_user: page.map((r) => presentFollowUser(corp, r)),
    };
    if (end < customer.relations.length) out.next_cursor = encodeCursor('fu', [end]);
    return out;
  },

  batchGetByUser: ({ corp }, { body }) => {
    const maxPage = maxPageOf('batchGetByUser');
    const limit = Math.min(body.limit ?? DEFAULT_BATCH_LIMIT, maxPage);
    const userids = [...new Set(body.userid_list)];
    if (!userids.some((u) => corp.employee(u)?.customerContact)) throw new WecomError(40031);
    // Cursor: index in the de-duplicated userid_list, then the relation seq to resume from.
    let [userIndex, fromSeq] = body.cursor ? (decodeCursor('bu', body.cursor, 2) as [number, number]) : [0, 0];
    const items: BatchItem[] = [];
    while (userIndex < userids.length) {
      const list = corp.relationsByUser.get(userids[userIndex] as string) ?? [];
      let i = lowerBound(list, fromSeq);
      while (i < list.length && items.length < limit) {
        const relation = list[i] as SimRelation;
        items.push({
          external_contact: presentExternalContact(relation.customer),
          follow_info: presentFollowInfo(corp, relation),
        });
        i++;
      }
      if (items.length === limit) {
        if (i < list.length)
          return {
            external_contact_list: items,
            next_cursor: encodeCursor('bu', [userIndex, (list[i] as SimRelation).seq]),
          };
        userIndex++;
        fromSeq = 0;
        // Only hand out a cursor when something is left, so the last page says so.
        while (
          userIndex < userids.length &&
          (corp.relationsByUser.get(userids[userIndex] as string)?.length ?? 0) === 0
        ) {
          userIndex++;
        }
        const next_cursor = userIndex < userids.length ? encodeCursor('bu', [userIndex, 0]) : '';
        return { external_contact_list: items, next_cursor };
      }
      userIndex++;
      fromSeq = 0;
    }
    return { external_contact_list: items, next_cursor: '' };
  },

  remark: ({ corp }, { body }) => {
    const relation = requireRelation(corp, body.userid, body.external_userid);
    const given = [body.remark, body.description, body.remark_company, body.remark_mobiles, body.remark_pic_mediaid];
    if (given.every((v) => v === undefined)) {
      throw new WecomError(
        40058,
        'remark, description, remark_company, remark_mobiles and remark_pic_mediaid are all empty',
      );
    }
    if (body.remark !== undefined) relation.remark = body.remark;
    if (body.description !== undefined) relation.description = body.description;
    if (body.remark_mobiles !== undefined) relation.remarkMobiles = [...body.remark_mobiles];
    // remark_company only applies to WeChat customers; WeCom ignores it for WeCom users.
    if (body.remark_company !== undefined && relation.customer.type === 1)
      relation.remarkCorpName = body.remark_company;
    return {};
  },
} satisfies Partial<HandlerTable>;
