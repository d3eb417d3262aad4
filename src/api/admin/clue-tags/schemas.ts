import { Type } from '@sinclair/typebox';
import type { SystemTagOnRow } from '../../../db/queries/clue-self-tags';
import { IdString, StringEnum } from '../../validation';

const NStr = Type.Union([Type.String(), Type.Null()]);

export const TagIds = (minItems: number) =>
  Type.Array(IdString, { minItems, maxItems: 100, uniqueItems: true, description: 'self-built tag ids (selfTag.*)' });
const TargetIds = (what: string) =>
  Type.Optional(Type.Array(IdString, { maxItems: 200, uniqueItems: true, description: what }));

/** Many clues and/or customers; at least one of the two lists must name something. */
export const TargetLists = {
  clueIds: TargetIds('clue ids'),
  customerIds: TargetIds('WeCom customer ids (wecom_customer id, as customer.page answers)'),
};

export const SystemTagOnView = Type.Object({
  place: StringEnum(['clue', 'customer'] as const, 'where the tag sits: on the clue, or on a WeCom customer'),
  clueId: Type.Union([Type.String(), Type.Null()], {
    description: 'the clue carrying the tag, or the clue the carrying customer is linked to',
  }),
  customerId: Type.Union([Type.String(), Type.Null()], { description: 'the customer carrying it (place customer)' }),
  externalUserid: NStr,
  customerName: NStr,
  tagId: Type.String(),
  tagName: Type.String(),
  groupId: Type.String(),
  groupName: Type.String(),
  ctime: Type.String({ description: 'when the tag was put there' }),
  cuser: Type.Union([Type.String(), Type.Null()], { description: 'who put it there' }),
});

export const SystemTagChangesView = Type.Object({
  clues: Type.Array(Type.Object({ clueId: Type.String(), tagIds: Type.Array(Type.String()) })),
  customers: Type.Array(Type.Object({ customerId: Type.String(), tagIds: Type.Array(Type.String()) })),
});

export function presentSystemTagOn(r: SystemTagOnRow) {
  return {
    place: r.place,
    clueId: r.clue_id,
    customerId: r.customer_id,
    externalUserid: r.external_userid,
    customerName: r.customer_name,
    tagId: r.tag_id,
    tagName: r.tag_name,
    groupId: r.group_id,
    groupName: r.group_name,
    ctime: new Date(r.ctime).toISOString(),
    cuser: r.cuser,
  };
}
