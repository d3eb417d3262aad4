import { Type } from '@sinclair/typebox';
import type { JoinQrChat, JoinQrRow } from '../../../db/queries/group-join-qrs';
import type { JoinQrDetail } from '../../../domain/acquisition/group-join-qrs';
import { MAX_JOIN_QR_CHATS } from '../../../domain/acquisition/group-join-qrs';
import { IdString, RequiredText } from '../../validation';
import { WecomId } from '../groups/schemas';

const NStr = Type.Union([Type.String(), Type.Null()]);
const iso = (d: Date | string) => new Date(d).toISOString();

export const JoinQrStatus = Type.Integer({
  minimum: 1,
  maximum: 2,
  description: '1 in use, 2 WeCom no longer has the join way (found when editing it)',
});

export const SaveJoinQrBody = Type.Object(
  {
    id: Type.Optional(IdString),
    name: Type.Optional(RequiredText(64, 'what the admin UI calls the code')),
    channelId: Type.Optional(Type.Union([IdString, Type.Null()], { description: 'acquisition channel; null: none' })),
    scene: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2,
        description: 'WeCom scene: 2 group QR code (default), 1 mini-program plugin',
      }),
    ),
    chatIdList: Type.Optional(
      Type.Array(WecomId, {
        minItems: 1,
        maxItems: MAX_JOIN_QR_CHATS,
        uniqueItems: true,
        description: 'live customer groups of the corp (as mirrored), filled in this order',
      }),
    ),
    autoCreateRoom: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1, description: '1 (default, as WeCom): a new group when all are full' }),
    ),
    roomBaseName: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 40 }), Type.Null()], {
        description: 'name prefix of auto-created groups',
      }),
    ),
    roomBaseId: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), Type.Null()], {
        description: 'first sequence number of auto-created groups',
      }),
    ),
    remark: Type.Optional(
      Type.Union([Type.String({ maxLength: 30 }), Type.Null()], { description: 'remark kept in WeCom (≤ 30)' }),
    ),
  },
  { additionalProperties: false },
);

export const JoinQrView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  channelId: NStr,
  channelName: NStr,
  channelType: NStr,
  scene: Type.Integer(),
  chatIdList: Type.Array(Type.String()),
  autoCreateRoom: Type.Integer(),
  roomBaseName: NStr,
  roomBaseId: Type.Union([Type.Integer(), Type.Null()]),
  state: Type.String({ description: 'the state WeCom reports on every member who joins through the code' }),
  remark: NStr,
  configId: Type.String({ description: 'WeCom config_id of the join way' }),
  qrCode: Type.Union([Type.String({ description: 'URL of the QR code image (scene 2)' }), Type.Null()]),
  status: Type.Integer({ description: '1 in use, 2 WeCom no longer has the join way' }),
  joinCount: Type.Integer({ description: 'joins through the code (a member who left and came back counts twice)' }),
  memberCount: Type.Integer({ description: 'of those, members still in their group' }),
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export const JoinQrChatView = Type.Object({
  chatId: Type.String(),
  name: Type.Union([Type.String(), Type.Null()], { description: 'null when the mirror does not know the group' }),
  owner: NStr,
  dismissed: Type.Boolean(),
  memberCount: Type.Integer({ description: 'members in the group now' }),
});

export const JoinQrDetailView = Type.Object({
  ...JoinQrView.properties,
  chats: Type.Array(JoinQrChatView),
});

export function presentJoinQr(r: JoinQrRow) {
  return {
    id: r.id,
    name: r.name,
    channelId: r.channel_id,
    channelName: r.channel_name,
    channelType: r.channel_type,
    scene: r.scene,
    chatIdList: r.chat_id_list,
    autoCreateRoom: r.auto_create_room,
    roomBaseName: r.room_base_name,
    roomBaseId: r.room_base_id,
    state: r.state,
    remark: r.remark,
    configId: r.config_id,
    qrCode: r.qr_code,
    status: r.status,
    joinCount: r.join_count,
    memberCount: r.member_count,
    ctime: iso(r.ctime),
    cuser: r.cuser,
    mtime: iso(r.mtime),
    muser: r.muser,
  };
}

const presentChat = (c: JoinQrChat) => ({
  chatId: c.chat_id,
  name: c.name,
  owner: c.owner,
  dismissed: c.dismissed,
  memberCount: c.current_members,
});

export function presentJoinQrDetail(d: JoinQrDetail) {
  return { ...presentJoinQr(d.code), chats: d.chats.map(presentChat) };
}
