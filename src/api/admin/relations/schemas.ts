import { Type } from '@sinclair/typebox';
import {
  CUSTOMER_GROUP_SORT_FIELDS,
  RELATION_SORT_FIELDS,
  type RelationListRow,
} from '../../../db/queries/wecom-relations';
import type { CustomerRelationGroup } from '../../../domain/customers/relations';
import { PageRequest } from '../../paging';
import { IdString } from '../../validation';
import { WecomUserid } from '../employees/schemas';

const NStr = Type.Union([Type.String(), Type.Null()]);
const NInt = Type.Union([Type.Integer(), Type.Null()]);
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** A WeCom external userid (opaque, up to 64 characters). */
export const ExternalUserid = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[\\x21-\\x7e]+$',
  'x-message': 'field.externalUserid',
});

const RELATION_STATUS_DESCRIPTION =
  '0 valid; 1 the employee deleted the customer; 2 the customer deleted the employee; 3 transferred to another ' +
  'employee; 4 gone from WeCom without a callback';

export const RelationFilterFields = {
  userid: Type.Optional(WecomUserid),
  externalUserid: Type.Optional(ExternalUserid),
  status: Type.Optional(
    Type.Array(Type.Integer({ minimum: 0, maximum: 4 }), {
      maxItems: 5,
      uniqueItems: true,
      description: RELATION_STATUS_DESCRIPTION,
    }),
  ),
  state: Type.Optional(Type.String({ maxLength: 64, description: 'the 「联系我」/acquisition-link state, exact' })),
  addWay: Type.Optional(
    Type.Array(Type.Integer({ minimum: 0, maximum: 1000 }), {
      maxItems: 50,
      uniqueItems: true,
      description: 'WeCom add_way values, e.g. 1 QR scan, 16 acquisition link, 202 assigned by admin',
    }),
  ),
  addTimeFrom: Type.Optional(Type.String({ format: 'date-time', description: 'added at or after' })),
  addTimeTo: Type.Optional(Type.String({ format: 'date-time', description: 'added before' })),
};

export const PageRelationsBody = PageRequest(RelationFilterFields, RELATION_SORT_FIELDS);
export const PageRelationsByCustomerBody = PageRequest(RelationFilterFields, CUSTOMER_GROUP_SORT_FIELDS);
export const ExportRelationsBody = Type.Object(RelationFilterFields, { additionalProperties: false });

export const SaveRelationBody = Type.Object(
  {
    id: IdString,
    remark: Type.Optional(Type.String({ maxLength: 20, description: 'WeCom allows at most 20 characters' })),
    description: Type.Optional(Type.String({ maxLength: 150, description: 'WeCom allows at most 150 characters' })),
  },
  { additionalProperties: false },
);

export const StatsBody = Type.Object(
  {
    from: Type.String({ format: 'date', description: 'first day, YYYY-MM-DD' }),
    to: Type.String({ format: 'date', description: 'last day (inclusive), YYYY-MM-DD; at most 366 days' }),
    userid: Type.Optional(WecomUserid),
    timeZone: Type.Optional(Type.String({ format: 'iana-zone', description: 'days are counted here; Asia/Shanghai' })),
  },
  { additionalProperties: false },
);

export const RelationView = Type.Object({
  id: Type.String(),
  externalUserid: Type.String(),
  userid: Type.String(),
  customerId: NStr,
  customerName: NStr,
  customerAvatar: NStr,
  customerType: NInt,
  employeeName: NStr,
  remark: NStr,
  description: NStr,
  addTime: NStr,
  remarkCorpName: NStr,
  remarkMobiles: Type.Array(Type.String()),
  operUserid: NStr,
  addWay: NInt,
  state: NStr,
  wechatChannelsNickname: NStr,
  status: Type.Integer({ description: RELATION_STATUS_DESCRIPTION }),
  valid: Type.Boolean({ description: 'the employee follows the customer now' }),
  delSource: NStr,
  delTime: NStr,
  ctime: Type.String(),
  mtime: Type.String(),
  muser: NStr,
});

export function presentRelation(r: RelationListRow) {
  return {
    id: r.id,
    externalUserid: r.external_userid,
    userid: r.userid,
    customerId: r.customer_id,
    customerName: r.customer_name,
    customerAvatar: r.customer_avatar,
    customerType: r.customer_type,
    employeeName: r.employee_name,
    remark: r.remark,
    description: r.description,
    addTime: iso(r.add_time),
    remarkCorpName: r.remark_corp_name,
    remarkMobiles: r.remark_mobiles,
    operUserid: r.oper_userid,
    addWay: r.add_way,
    state: r.state,
    wechatChannelsNickname: r.wechat_channels_nickname,
    status: r.status,
    valid: r.status === 0 && r.is_del === 0,
    delSource: r.del_source,
    delTime: iso(r.del_time),
    ctime: iso(r.ctime) as string,
    mtime: iso(r.mtime) as string,
    muser: r.muser,
  };
}

export const CustomerRelationsView = Type.Object({
  externalUserid: Type.String(),
  customerId: NStr,
  customerName: NStr,
  customerAvatar: NStr,
  customerType: NInt,
  firstAddTime: NStr,
  lastAddTime: NStr,
  followUsers: Type.Array(RelationView, { description: 'the relations of this customer that match the filter' }),
});

export function presentCustomerRelations(g: CustomerRelationGroup) {
  return {
    externalUserid: g.externalUserid,
    customerId: g.customer?.id ?? null,
    customerName: g.customer?.name ?? null,
    customerAvatar: g.customer?.avatar ?? null,
    customerType: g.customer?.type ?? null,
    firstAddTime: iso(g.firstAddTime),
    lastAddTime: iso(g.lastAddTime),
    followUsers: g.relations.map(presentRelation),
  };
}

const StatsFigures = {
  valid: Type.Integer({ description: 'customers followed now' }),
  added: Type.Integer({ description: 'relations added in the range' }),
  lost: Type.Integer({ description: 'lostByEmployee + lostByCustomer + lostOther in the range' }),
  lostByEmployee: Type.Integer(),
  lostByCustomer: Type.Integer(),
  lostOther: Type.Integer({ description: 'gone from WeCom without a callback' }),
  transferredOut: Type.Integer({ description: 'moved to another employee by a transfer (not counted as lost)' }),
};

export const RelationStatsView = Type.Object({
  from: Type.String(),
  to: Type.String(),
  timeZone: Type.String(),
  list: Type.Array(Type.Object({ userid: Type.String(), employeeName: NStr, ...StatsFigures })),
  total: Type.Object(StatsFigures),
});
