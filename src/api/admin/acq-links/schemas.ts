import { Type, type TSchema } from '@sinclair/typebox';
import type { AcqLinkRow, AcqRuleRow } from '../../../db/queries/acq-links';
import {
  ALLOCATION_METHODS,
  type AcqRuleInput,
  type AllocationMethod,
  type SaveAcqLinkInput,
} from '../../../domain/acquisition/acq-links';
import { IdValue, idText, StringEnum } from '../../validation';
import { WecomId } from '../groups/schemas';

const NStr = Type.Union([Type.String(), Type.Null()]);
const NInt = Type.Union([Type.Integer(), Type.Null()]);
const iso = (d: Date | string) => new Date(d).toISOString();

const ReadOnlyInt = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });

/** Read-only fields of the seed's body (counters, WeCom's answers, audit): accepted and ignored. */
const readOnly = (description: string, schema: TSchema = Type.String({ maxLength: 2048 })) =>
  Type.Optional(Type.Union([schema, Type.Null()], { description: `${description} (read-only: ignored on save)` }));
const Audit = {
  ctime: readOnly('created at'),
  cuser: readOnly('created by'),
  mtime: readOnly('modified at'),
  muser: readOnly('modified by'),
  isDel: readOnly('deleted flag', ReadOnlyInt),
};

/** A limit where 0 or null means none (the seed's example writes 0). */
const Limit = (description: string) =>
  Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000 }), Type.Null()], { description }));

const State = Type.String({
  minLength: 1,
  maxLength: 30,
  pattern: '^\\S+$',
  description: 'WeCom state (≤ 30 characters, unique per corp); generated when absent',
});
const SkipVerify = Type.Union([Type.Boolean(), StringEnum(['true', 'false'])], {
  description: 'add without verification (the seed writes "true"/"false"); default true',
});
const MethodList = Object.entries(ALLOCATION_METHODS)
  .map(([key, name]) => `${key} ${name}`)
  .join(', ');

export const AllocationRuleBody = Type.Object(
  {
    id: Type.Optional(IdValue),
    userId: Type.Optional(WecomId),
    weight: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100, description: 'share by weight; 0 pauses the rule' }),
    ),
    dailyLimit: Limit('customers per day for this employee; 0 or null: no limit'),
    roundLimit: Limit('customers per round for this employee; 0 or null: no limit'),
    workingHours: Type.Optional(
      Type.Union([Type.String({ format: 'hh-mm-range' }), Type.Literal(''), Type.Null()], {
        description: 'e.g. 09:00-18:00 in the corp time zone; empty: always',
      }),
    ),
    getType: Type.Optional(StringEnum(['qr', 'link'], 'qr: a 「联系我」 QR code, link: a WeCom acquisition link')),
    state: Type.Optional(State),
    configLinkId: readOnly('id of the WeCom object'),
    qrCode: readOnly('QR code image URL'),
    linkUrl: readOnly('acquisition link URL with the rule state'),
    ...Audit,
  },
  { additionalProperties: false },
);

export const SaveAcqLinkBody = Type.Object(
  {
    id: Type.Optional(IdValue),
    linkName: Type.Optional(
      Type.String({ minLength: 1, maxLength: 30, pattern: '\\S', description: '≤ 30 characters' }),
    ),
    channelId: Type.Optional(Type.Union([IdValue, Type.Null()])),
    channelType: Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Null()])),
    userList: Type.Optional(Type.Array(WecomId, { maxItems: 500, description: 'employees of the WeCom link range' })),
    departmentList: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9]{1,10}$', maxLength: 10 }), {
        maxItems: 500,
        description: 'WeCom department ids',
      }),
    ),
    userJson: Type.Optional(
      Type.Array(
        Type.Object(
          {
            userid: WecomId,
            name: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
            position: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        { maxItems: 500, description: 'the employees as the admin UI picked them' },
      ),
    ),
    allocationMethod: Type.Optional(
      StringEnum(Object.keys(ALLOCATION_METHODS) as AllocationMethod[], `how customers are shared: ${MethodList}`),
    ),
    allocationRules: Type.Optional(
      Type.Array(AllocationRuleBody, {
        maxItems: 500,
        description: 'the whole rule set: matched by id, else by userId; rules left out (or isDel 1) are removed',
      }),
    ),
    dailyLimit: Limit('customers per day over the whole link; 0 or null: no limit'),
    priorityType: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: 2 }), Type.Null()], {
        description: '1 prefer an existing friend corp-wide, 2 within priorityUseridList; 0 or null: none',
      }),
    ),
    priorityUseridList: Type.Optional(Type.Array(WecomId, { maxItems: 1000 })),
    skipVerify: Type.Optional(SkipVerify),
    cstTags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100, description: 'WeCom corp tag ids' }),
    ),
    isSendWelcome: Type.Optional(Type.Integer({ minimum: 0, maximum: 1, description: '1 send the welcome message' })),
    welcomeContent: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])),
    mediaIds: Type.Optional(Type.Array(IdValue, { maxItems: 9, description: 'materials sent with the welcome (≤ 9)' })),
    status: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1, description: '0 draft, 1 publish (2 is set by the system)' }),
    ),
    state: Type.Optional(State),
    addFriendCount: readOnly('adds through the link', ReadOnlyInt),
    openProfileCount: readOnly('profile opens through the link', ReadOnlyInt),
    url: readOnly('WeCom acquisition link URL'),
    linkId: readOnly('WeCom acquisition link id'),
    configLinkId: readOnly('unused at link level'),
    qrCode: readOnly('unused at link level'),
    linkUrl: readOnly('unused at link level'),
    getType: readOnly('unused at link level'),
    userId: readOnly('a page filter, unused on save'),
    weight: readOnly('unused at link level', ReadOnlyInt),
    roundLimit: readOnly('unused at link level', ReadOnlyInt),
    workingHours: readOnly('unused at link level'),
    createTime: readOnly('created at'),
    ...Audit,
  },
  { additionalProperties: false },
);

type SaveBody = {
  [K in keyof typeof SaveAcqLinkBody.static]: (typeof SaveAcqLinkBody.static)[K];
};

const limitOf = (v: number | null | undefined) => (v === undefined ? undefined : v === 0 ? null : v);

/** The domain's input from the seed-shaped body: ids as digit strings, 0 limits as none, read-only fields dropped. */
export function saveInputOf(body: SaveBody): SaveAcqLinkInput {
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return defined({
    id: body.id === undefined ? undefined : idText(body.id),
    linkName: body.linkName?.trim(),
    channelId: body.channelId === undefined ? undefined : body.channelId === null ? null : idText(body.channelId),
    channelType: body.channelType,
    userList: body.userList,
    departmentList: body.departmentList,
    userJson: body.userJson,
    allocationMethod: body.allocationMethod,
    allocationRules: body.allocationRules
      ?.filter((r) => r.isDel !== 1)
      .map(
        (r) =>
          defined({
            id: r.id === undefined ? undefined : idText(r.id),
            userId: r.userId,
            weight: r.weight,
            dailyLimit: limitOf(r.dailyLimit),
            roundLimit: limitOf(r.roundLimit),
            workingHours: r.workingHours,
            getType: r.getType,
            state: r.state,
          }) as AcqRuleInput,
      ),
    dailyLimit: limitOf(body.dailyLimit),
    priorityType: body.priorityType === 0 ? null : body.priorityType,
    priorityUseridList: body.priorityUseridList,
    skipVerify: body.skipVerify === undefined ? undefined : body.skipVerify === true || body.skipVerify === 'true',
    cstTags: body.cstTags,
    isSendWelcome: body.isSendWelcome,
    welcomeContent: body.welcomeContent,
    mediaIds: body.mediaIds?.map(idText),
    status: body.status,
    state: body.state,
  }) as SaveAcqLinkInput;
}

export const AllocationRuleView = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  weight: Type.Integer(),
  dailyLimit: NInt,
  roundLimit: NInt,
  workingHours: NStr,
  getType: Type.String(),
  state: Type.String(),
  configLinkId: Type.Union([Type.String({ description: 'WeCom config_id (qr) or link_id (link)' }), Type.Null()]),
  qrCode: NStr,
  linkUrl: NStr,
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
  isDel: Type.Integer(),
});

export const AcqLinkView = Type.Object({
  id: Type.String(),
  linkName: Type.String(),
  channelId: NStr,
  channelType: NStr,
  userList: Type.Array(Type.String()),
  departmentList: Type.Array(Type.String()),
  userJson: Type.Array(
    Type.Object({ userid: Type.String(), name: Type.Optional(NStr), position: Type.Optional(NStr) }),
  ),
  allocationMethod: Type.String(),
  allocationRules: Type.Array(AllocationRuleView),
  dailyLimit: NInt,
  priorityType: NInt,
  priorityUseridList: Type.Array(Type.String()),
  skipVerify: Type.String({ description: '"true" or "false", as the seed writes it' }),
  cstTags: Type.Array(Type.String()),
  isSendWelcome: Type.Integer(),
  welcomeContent: NStr,
  mediaIds: Type.Array(Type.String()),
  status: Type.Integer({ description: '0 draft, 1 published, 2 link abnormal (see statusReason)' }),
  statusReason: Type.Union([Type.String({ description: 'why WeCom refused the last publishing' }), Type.Null()]),
  publishing: Type.Boolean({ description: 'WeCom is still being brought to the last save' }),
  addFriendCount: Type.Integer(),
  openProfileCount: Type.Integer(),
  state: Type.String(),
  url: Type.Union([Type.String({ description: 'the WeCom acquisition link URL of the whole link' }), Type.Null()]),
  linkId: NStr,
  createTime: Type.String(),
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
  isDel: Type.Integer(),
});

export function presentRule(r: AcqRuleRow) {
  return {
    id: r.id,
    userId: r.user_id,
    weight: r.weight,
    dailyLimit: r.daily_limit,
    roundLimit: r.round_limit,
    workingHours: r.working_hours,
    getType: r.get_type,
    state: r.state,
    configLinkId: r.config_link_id,
    qrCode: r.qr_code,
    linkUrl: r.link_url,
    ctime: iso(r.ctime),
    cuser: r.cuser,
    mtime: iso(r.mtime),
    muser: r.muser,
    isDel: r.is_del,
  };
}

export function presentAcqLink(link: AcqLinkRow, rules: AcqRuleRow[]) {
  return {
    id: link.id,
    linkName: link.link_name,
    channelId: link.channel_id,
    channelType: link.channel_type,
    userList: link.user_list,
    departmentList: link.department_list,
    userJson: link.user_json,
    allocationMethod: link.allocation_method,
    allocationRules: rules.map(presentRule),
    dailyLimit: link.daily_limit,
    priorityType: link.priority_type,
    priorityUseridList: link.priority_userid_list,
    skipVerify: String(link.skip_verify),
    cstTags: link.cst_tags,
    isSendWelcome: link.is_send_welcome,
    welcomeContent: link.welcome_content,
    mediaIds: link.media_ids.map(String),
    status: link.status,
    statusReason: link.status_reason,
    publishing: link.generation > link.applied_generation,
    addFriendCount: link.add_friend_count,
    openProfileCount: link.open_profile_count,
    state: link.state,
    url: link.url,
    linkId: link.wecom_link_id,
    createTime: iso(link.ctime),
    ctime: iso(link.ctime),
    cuser: link.cuser,
    mtime: iso(link.mtime),
    muser: link.muser,
    isDel: link.is_del,
  };
}
