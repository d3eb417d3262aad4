import { Type } from '@sinclair/typebox';
import type { CustomerTagDetailRow } from '../../../db/queries/customer-tags';
import { StringEnum } from '../../validation';

const NStr = Type.Union([Type.String(), Type.Null()]);
const iso = (d: Date | string) => new Date(d).toISOString();

export const TagSourceField = StringEnum(['corp', 'self'] as const, 'corp: WeCom corp tag; self: self-built tag');

/** An external userid, employee userid or tag id: opaque, no spaces. */
export const OpaqueId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^\\S+$',
  'x-message': 'field.plainId',
});

export const TagIdList = Type.Array(OpaqueId, { maxItems: 100, uniqueItems: true });

export const CustomerTagView = Type.Object({
  id: Type.String(),
  externalUserid: Type.String(),
  customerName: NStr,
  userid: Type.Union([Type.String(), Type.Null()], {
    description: 'the employee whose relation carries a corp tag; null for self-built tags (on the customer)',
  }),
  employeeName: NStr,
  tagSource: Type.String({ description: 'corp | self' }),
  tagId: Type.String({ description: 'WeCom tag id for corp tags, self tag id for self-built tags' }),
  tagName: NStr,
  groupId: NStr,
  groupName: NStr,
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export const CustomerTagSetView = Type.Object({
  externalUserid: Type.String(),
  userid: Type.Union([Type.String(), Type.Null()]),
  tagSource: Type.String(),
  tags: Type.Array(CustomerTagView, { description: 'every tag of this source the customer (relation) carries now' }),
});

export function presentCustomerTag(r: CustomerTagDetailRow) {
  return {
    id: r.id,
    externalUserid: r.external_userid,
    customerName: r.customer_name,
    userid: r.userid === '' ? null : r.userid,
    employeeName: r.employee_name,
    tagSource: r.tag_source,
    tagId: r.tag_id,
    tagName: r.tag_name,
    groupId: r.tag_group_id,
    groupName: r.group_name,
    ctime: iso(r.ctime),
    cuser: r.cuser,
    mtime: iso(r.mtime),
    muser: r.muser,
  };
}
