import { Type } from '@sinclair/typebox';
import { CUSTOMER_SORT_FIELDS, type WecomCustomerRow } from '../../../db/queries/wecom-customers';
import type { CustomerWithCount, CustomerWithRelations } from '../../../domain/customers/customers';
import type { LiveCustomer } from '../../../domain/customers/live-customer';
import { PageRequest } from '../../paging';
import { IdString } from '../../validation';
import { WecomUserid } from '../employees/schemas';
import { ExternalUserid, presentRelation, RelationView } from '../relations/schemas';

const NStr = Type.Union([Type.String(), Type.Null()]);
const NInt = Type.Union([Type.Integer(), Type.Null()]);
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const PageCustomersBody = PageRequest(
  {
    name: Type.Optional(Type.String({ maxLength: 128, description: 'part of the name, case-insensitive' })),
    externalUserid: Type.Optional(ExternalUserid),
    type: Type.Optional(Type.Unsafe<1 | 2>({ type: 'integer', enum: [1, 2], description: '1 WeChat, 2 WeCom user' })),
    gender: Type.Optional(
      Type.Unsafe<0 | 1 | 2>({ type: 'integer', enum: [0, 1, 2], description: '0 unknown, 1 male, 2 female' }),
    ),
    phone: Type.Optional(Type.String({ maxLength: 32, description: 'part of the local phone number' })),
    followUserid: Type.Optional(WecomUserid),
    addTimeFrom: Type.Optional(Type.String({ format: 'date-time', description: 'first added at or after' })),
    addTimeTo: Type.Optional(Type.String({ format: 'date-time', description: 'first added before' })),
    includeDeleted: Type.Optional(Type.Boolean({ description: 'also list customers no employee follows any more' })),
    corpTagIds: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: 100,
        description: 'WeCom corp tag ids the customer carries (on any of its relations)',
      }),
    ),
    selfTagIds: Type.Optional(
      Type.Array(IdString, { maxItems: 100, description: 'self-built tag ids the customer carries' }),
    ),
    tagMatch: Type.Optional(
      Type.Unsafe<'any' | 'all'>({
        type: 'string',
        enum: ['any', 'all'],
        description: 'any (default): one of the given tags is enough; all: every given tag is needed',
      }),
    ),
  },
  CUSTOMER_SORT_FIELDS,
);

export const SaveCustomerBody = Type.Object(
  {
    id: IdString,
    localRemark: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()])),
    phone: Type.Optional(
      Type.Union([Type.String({ maxLength: 32 }), Type.Null()], {
        description: 'normalised (+86, spaces, dashes removed); null or empty clears it',
      }),
    ),
    clueId: Type.Optional(
      Type.Union([IdString, Type.Null()], { description: 'the clue this customer is; null unlinks' }),
    ),
  },
  { additionalProperties: false },
);

export const ByExternalUseridQuery = Type.Object({ externalUserid: ExternalUserid });

export const GrowthStatsBody = Type.Object(
  {
    from: Type.String({ format: 'date', description: 'first day, YYYY-MM-DD' }),
    to: Type.String({ format: 'date', description: 'last day (inclusive), YYYY-MM-DD; at most 366 days' }),
    timeZone: Type.Optional(Type.String({ format: 'iana-zone', description: 'days are counted here; Asia/Shanghai' })),
  },
  { additionalProperties: false },
);

const CustomerFields = {
  id: Type.String(),
  externalUserid: Type.String(),
  name: Type.String(),
  type: NInt,
  gender: NInt,
  avatar: NStr,
  corpName: NStr,
  corpFullName: NStr,
  position: NStr,
  unionid: NStr,
  externalProfile: Type.Unknown(),
  localRemark: NStr,
  phone: NStr,
  clueId: NStr,
  firstAddTime: NStr,
  validRelationCount: Type.Integer({ description: 'employees following the customer now' }),
  deleted: Type.Boolean({ description: 'no employee follows the customer any more' }),
  delTime: NStr,
  ctime: Type.String(),
  mtime: Type.String(),
  muser: NStr,
};

export const CustomerView = Type.Object(CustomerFields);
const AcquisitionView = Type.Object({
  linkId: Type.String(),
  ruleId: NStr,
  channelId: NStr,
  userid: Type.String({ description: 'the employee added' }),
  state: Type.String(),
  addTime: Type.String(),
  welcomeStatus: Type.Union(
    [Type.Literal('sent'), Type.Literal('already_sent'), Type.Literal('expired'), Type.Literal('failed'), Type.Null()],
    {
      description: 'sent | already_sent | expired | failed (welcomeErrcode says why); null: the link sends none',
    },
  ),
  welcomeErrcode: NInt,
});

export const CustomerDetailView = Type.Object({
  ...CustomerFields,
  relations: Type.Array(RelationView),
  acquisitions: Type.Array(AcquisitionView, { description: 'adds through acquisition links, newest first' }),
});

export function presentCustomer(c: WecomCustomerRow, validRelationCount: number) {
  return {
    id: c.id,
    externalUserid: c.external_userid,
    name: c.name,
    type: c.type,
    gender: c.gender,
    avatar: c.avatar,
    corpName: c.corp_name,
    corpFullName: c.corp_full_name,
    position: c.position,
    unionid: c.unionid,
    externalProfile: c.external_profile ?? null,
    localRemark: c.local_remark,
    phone: c.phone,
    clueId: c.clue_id,
    firstAddTime: iso(c.first_add_time),
    validRelationCount,
    deleted: c.is_del !== 0,
    delTime: iso(c.del_time),
    ctime: iso(c.ctime) as string,
    mtime: iso(c.mtime) as string,
    muser: c.muser,
  };
}

export const presentCustomerWithCount = (c: CustomerWithCount) => presentCustomer(c.customer, c.validRelationCount);

export function presentCustomerDetail(d: CustomerWithRelations) {
  const relations = d.relations.map(presentRelation);
  const acquisitions = d.acquisitions.map((a) => ({
    linkId: a.link_id,
    ruleId: a.rule_id,
    channelId: a.channel_id,
    userid: a.userid,
    state: a.state,
    addTime: iso(a.added_at) as string,
    welcomeStatus: a.welcome_status,
    welcomeErrcode: a.welcome_errcode,
  }));
  return { ...presentCustomer(d.customer, relations.filter((r) => r.valid).length), relations, acquisitions };
}

const Figures = {
  added: Type.Integer({ description: 'relations created' }),
  retained: Type.Integer({ description: 'of those, still valid now' }),
  lost: Type.Integer({ description: 'lostByEmployee + lostByCustomer + lostOther' }),
  lostByEmployee: Type.Integer({ description: 'the employee deleted the customer' }),
  lostByCustomer: Type.Integer({ description: 'the customer deleted the employee' }),
  lostOther: Type.Integer({ description: 'gone from WeCom without a callback' }),
  transferredOut: Type.Integer({ description: 'moved to another employee (the customer stays; not lost)' }),
  netGrowth: Type.Integer({ description: 'added - lost' }),
  survivalRate: Type.Union([Type.Number(), Type.Null()], { description: 'retained / added; null when none added' }),
};

export const GrowthStatsView = Type.Object({
  from: Type.String(),
  to: Type.String(),
  timeZone: Type.String(),
  days: Type.Array(Type.Object({ day: Type.String({ description: 'YYYY-MM-DD' }), ...Figures })),
  total: Type.Object(Figures),
});

const LiveTag = Type.Object({ groupName: Type.String(), tagName: Type.String(), tagId: NStr, type: Type.Integer() });

export const LiveCustomerView = Type.Object({
  externalContact: Type.Object({
    externalUserid: Type.String(),
    name: Type.String(),
    type: Type.Integer(),
    gender: Type.Integer(),
    avatar: NStr,
    corpName: NStr,
    corpFullName: NStr,
    position: NStr,
    unionid: NStr,
    externalProfile: Type.Unknown(),
  }),
  followUsers: Type.Array(
    Type.Object({
      userid: Type.String(),
      employeeName: NStr,
      remark: Type.String(),
      description: Type.String(),
      addTime: Type.String(),
      remarkCorpName: NStr,
      remarkMobiles: Type.Array(Type.String()),
      operUserid: NStr,
      addWay: Type.Integer(),
      state: NStr,
      wechatChannelsNickname: NStr,
      tags: Type.Array(LiveTag),
    }),
  ),
  mirrorCustomerId: Type.Union([Type.String(), Type.Null()], { description: 'the mirrored customer, if any' }),
});

export function presentLiveCustomer(live: LiveCustomer) {
  const c = live.contact;
  return {
    externalContact: {
      externalUserid: c.external_userid,
      name: c.name,
      type: c.type,
      gender: c.gender,
      avatar: c.avatar ?? null,
      corpName: c.corp_name ?? null,
      corpFullName: c.corp_full_name ?? null,
      position: c.position ?? null,
      unionid: c.unionid ?? null,
      externalProfile: c.external_profile ?? null,
    },
    followUsers: live.followUsers.map((f) => ({
      userid: f.userid,
      employeeName: live.employeeNames.get(f.userid) ?? null,
      remark: f.remark,
      description: f.description,
      addTime: new Date(f.createtime * 1000).toISOString(),
      remarkCorpName: f.remark_corp_name ?? null,
      remarkMobiles: f.remark_mobiles ?? [],
      operUserid: f.oper_userid ?? null,
      addWay: f.add_way,
      state: f.state ?? null,
      wechatChannelsNickname: f.wechat_channels?.nickname ?? null,
      tags: (f.tags ?? []).map((t) => ({
        groupName: t.group_name,
        tagName: t.tag_name,
        tagId: t.tag_id ?? null,
        type: t.type,
      })),
    })),
    mirrorCustomerId: live.mirrorCustomerId,
  };
}
