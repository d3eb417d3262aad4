import { Type } from '@sinclair/typebox';
import type { AcqRuleRow } from '../../../db/queries/acq-links';
import type { AcqQrRow } from '../../../db/queries/acq-qrs';
import type { SaveAcqQrInput } from '../../../domain/acquisition/acq-qrs';
import { IdValue, idText, StringEnum } from '../../validation';
import { WecomId } from '../groups/schemas';

const NStr = Type.Union([Type.String(), Type.Null()]);
const NInt = Type.Union([Type.Integer(), Type.Null()]);
const iso = (d: Date | string) => new Date(d).toISOString();

const Limit = (description: string) =>
  Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000 }), Type.Null()], { description }));

export const QrMemberBody = Type.Object(
  {
    userId: WecomId,
    weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: '0 pauses the member' })),
    dailyLimit: Limit('customers per day for this member; 0 or null: no limit'),
    roundLimit: Limit(
      'customers per round: a member who had this many adds in the round leaves a multi-person code until every member still open today had theirs',
    ),
    workingHours: Type.Optional(
      Type.Union([Type.String({ format: 'hh-mm-range' }), Type.Literal(''), Type.Null()], {
        description: 'e.g. 09:00-18:00 in Asia/Shanghai; empty: always',
      }),
    ),
  },
  { additionalProperties: false },
);

export const SaveAcqQrBody = Type.Object(
  {
    id: Type.Optional(IdValue),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 30, pattern: '\\S', description: '≤ 30 characters' })),
    channelId: Type.Optional(Type.Union([IdValue, Type.Null()])),
    channelType: Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Null()])),
    type: Type.Optional(StringEnum(['single', 'multi'], 'single: one member (WeCom type 1), multi: several (type 2)')),
    members: Type.Optional(
      Type.Array(QrMemberBody, { maxItems: 100, description: 'the whole member list, matched by userId' }),
    ),
    departmentList: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9]{1,10}$', maxLength: 10 }), {
        maxItems: 100,
        description: 'WeCom department ids (multi-person codes only)',
      }),
    ),
    state: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 30,
        pattern: '^\\S+$',
        description: 'WeCom state (≤ 30 characters, unique per corp with the links); generated when absent',
      }),
    ),
    skipVerify: Type.Optional(Type.Boolean({ description: 'add without verification; default true' })),
    cstTags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100 })),
    isSendWelcome: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 })),
    welcomeContent: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])),
    mediaIds: Type.Optional(Type.Array(IdValue, { maxItems: 9, description: 'materials sent with the welcome (≤ 9)' })),
    remark: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    status: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1, description: '0 draft, 1 publish (2 is set by the system)' }),
    ),
  },
  { additionalProperties: false },
);

const limitOf = (v: number | null | undefined) => (v === undefined ? undefined : v === 0 ? null : v);

export function saveQrInputOf(body: typeof SaveAcqQrBody.static): SaveAcqQrInput {
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return defined({
    id: body.id === undefined ? undefined : idText(body.id),
    name: body.name?.trim(),
    channelId: body.channelId === undefined ? undefined : body.channelId === null ? null : idText(body.channelId),
    channelType: body.channelType,
    type: body.type,
    members: body.members?.map((m) => ({
      userId: m.userId,
      weight: m.weight,
      dailyLimit: limitOf(m.dailyLimit) ?? null,
      roundLimit: limitOf(m.roundLimit) ?? null,
      workingHours: m.workingHours ?? null,
    })),
    departmentList: body.departmentList,
    state: body.state,
    skipVerify: body.skipVerify,
    cstTags: body.cstTags,
    isSendWelcome: body.isSendWelcome,
    welcomeContent: body.welcomeContent,
    mediaIds: body.mediaIds?.map(idText),
    remark: body.remark,
    status: body.status,
  }) as SaveAcqQrInput;
}

export const QrMemberView = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  weight: Type.Integer(),
  dailyLimit: NInt,
  roundLimit: NInt,
  workingHours: NStr,
});

export const AcqQrView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  channelId: NStr,
  channelType: NStr,
  type: Type.String({ description: 'single or multi' }),
  members: Type.Array(QrMemberView),
  departmentList: Type.Array(Type.String()),
  state: Type.String(),
  skipVerify: Type.Boolean(),
  cstTags: Type.Array(Type.String()),
  isSendWelcome: Type.Integer(),
  welcomeContent: NStr,
  mediaIds: Type.Array(Type.String()),
  remark: NStr,
  status: Type.Integer({ description: '0 draft, 1 published, 2 abnormal (see statusReason)' }),
  statusReason: NStr,
  publishing: Type.Boolean({ description: 'WeCom is still being brought to the last save' }),
  configId: Type.Union([Type.String({ description: 'WeCom contact way config_id' }), Type.Null()]),
  qrCode: Type.Union([Type.String({ description: 'the QR code image URL' }), Type.Null()]),
  activeMembers: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: 'the member list WeCom holds now (for multi: the members eligible at the last recompute)',
  }),
  membersNote: Type.Union([Type.String({ description: 'why activeMembers is not the eligible list' }), Type.Null()]),
  addFriendCount: Type.Integer(),
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export function presentAcqQr(code: AcqQrRow, members: AcqRuleRow[]) {
  return {
    id: code.id,
    name: code.link_name,
    channelId: code.channel_id,
    channelType: code.channel_type,
    type: code.qr_type,
    members: members.map((m) => ({
      id: m.id,
      userId: m.user_id,
      weight: m.weight,
      dailyLimit: m.daily_limit,
      roundLimit: m.round_limit,
      workingHours: m.working_hours,
    })),
    departmentList: code.department_list,
    state: code.state,
    skipVerify: code.skip_verify,
    cstTags: code.cst_tags,
    isSendWelcome: code.is_send_welcome,
    welcomeContent: code.welcome_content,
    mediaIds: code.media_ids.map(String),
    remark: code.remark,
    status: code.status,
    statusReason: code.status_reason,
    publishing: code.generation > code.applied_generation,
    configId: code.config_id,
    qrCode: code.qr_code,
    activeMembers: code.pushed_users,
    membersNote: code.members_note,
    addFriendCount: code.add_friend_count,
    ctime: iso(code.ctime),
    cuser: code.cuser,
    mtime: iso(code.mtime),
    muser: code.muser,
  };
}
