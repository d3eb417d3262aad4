import type { EndpointBody, EndpointResponse } from '../../endpoints';
import { WecomError } from '../errors';
import type { SimContactWay, SimCorp, SimJoinWay } from '../state';
import { requireChat } from './groups';
import type { HandlerTable } from './types';

const MAX_STATE_LENGTH = 30;
const MAX_REMARK_LENGTH = 30;
const MAX_ROOM_BASE_NAME_LENGTH = 40;
const MAX_JOIN_WAY_CHATS = 5;
const FOURTEEN_DAYS = 14 * 86400;

function checkState(state: string | undefined): void {
  if (state !== undefined && [...state].length > MAX_STATE_LENGTH) {
    throw new WecomError(40058, `state exceeds ${MAX_STATE_LENGTH} characters`);
  }
}

function qrCode(corp: SimCorp): string {
  return `https://wework.qpic.cn/wwpic/${corp.rng.int(100000, 999999)}_${corp.newId('')}/0`;
}

type ContactWayFields = Partial<EndpointBody<'addContactWay'>>;

/** Validates a contact way as it would stand after applying `fields` (WeCom checks the result, not the patch). */
function checkContactWay(corp: SimCorp, way: SimContactWay): void {
  if (way.type !== 1 && way.type !== 2) throw new WecomError(40058, 'invalid type');
  if (way.scene !== 1 && way.scene !== 2) throw new WecomError(40058, 'invalid scene');
  if (way.style !== undefined && (way.style < 1 || way.style > (way.type === 1 ? 3 : 2))) throw new WecomError(41042);
  if (way.remark !== undefined && [...way.remark].length > MAX_REMARK_LENGTH) {
    throw new WecomError(40058, `remark exceeds ${MAX_REMARK_LENGTH} characters`);
  }
  checkState(way.state);
  if (way.type === 1 && (way.user.length !== 1 || way.party.length > 0)) {
    throw new WecomError(40058, 'a single-member contact way takes exactly one user and no party');
  }
  if (way.type === 2 && way.user.length + way.party.length === 0)
    throw new WecomError(40058, 'user and party are empty');
  for (const userid of way.user) {
    const employee = corp.employee(userid);
    if (!employee) throw new WecomError(40003);
    if (employee.status !== 1) throw new WecomError(41054);
  }
  for (const id of way.party) if (!corp.departments.has(id)) throw new WecomError(60123);
  if (way.isTemp) {
    if (way.expiresIn !== undefined && (way.expiresIn <= 0 || way.expiresIn > FOURTEEN_DAYS)) {
      throw new WecomError(40058, 'invalid expires_in');
    }
    if (way.chatExpiresIn !== undefined && (way.chatExpiresIn <= 0 || way.chatExpiresIn > FOURTEEN_DAYS)) {
      throw new WecomError(40058, 'invalid chat_expires_in');
    }
  }
}

function applyContactWay(way: SimContactWay, fields: ContactWayFields): SimContactWay {
  const next: SimContactWay = { ...way };
  if (fields.type !== undefined) next.type = fields.type;
  if (fields.scene !== undefined) next.scene = fields.scene;
  if (fields.style !== undefined) next.style = fields.style;
  if (fields.remark !== undefined) next.remark = fields.remark;
  if (fields.skip_verify !== undefined) next.skipVerify = fields.skip_verify;
  if (fields.state !== undefined) next.state = fields.state;
  if (fields.user !== undefined) next.user = [...fields.user];
  if (fields.party !== undefined) next.party = [...fields.party];
  if (fields.is_temp !== undefined) next.isTemp = fields.is_temp;
  if (fields.expires_in !== undefined) next.expiresIn = fields.expires_in;
  if (fields.chat_expires_in !== undefined) next.chatExpiresIn = fields.chat_expires_in;
  if (fields.unionid !== undefined) next.unionid = fields.unionid;
  if (fields.conclusions !== undefined) next.conclusions = fields.conclusions;
  return next;
}

function requireContactWay(corp: SimCorp, configId: string): SimContactWay {
  if (configId === '') throw new WecomError(41043);
  const way = corp.contactWays.get(configId);
  if (!way) throw new WecomError(41044);
  return way;
}

function presentContactWay(way: SimContactWay): EndpointResponse<'getContactWay'>['contact_way'] {
  const out: EndpointResponse<'getContactWay'>['contact_way'] = {
    config_id: way.configId,
    type: way.type,
    scene: way.scene,
    skip_verify: way.skipVerify,
    user: [...way.user],
    party: [...way.party],
    is_temp: way.isTemp,
  };
  if (way.style !== undefined) out.style = way.style;
  if (way.remark !== undefined) out.remark = way.remark;
  if (way.state !== undefined) out.state = way.state;
  if (way.qrCode !== undefined) out.qr_code = way.qrCode;
  if (way.isTemp) {
    out.expires_in = way.expiresIn ?? 7 * 86400;
    out.chat_expires_in = way.chatExpiresIn ?? 86400;
    if (way.unionid !== undefined) out.unionid = way.unionid;
    if (way.conclusions !== undefined) out.conclusions = way.conclusions;
  }
  return out;
}

type JoinWayFields = EndpointBody<'addJoinWay'>;

function buildJoinWay(corp: SimCorp, configId: string, fields: JoinWayFields, qr: string | undefined): SimJoinWay {
  if (fields.scene !== 1 && fields.scene !== 2) throw new WecomError(40058, 'invalid scene');
  if (fields.chat_id_list.length > MAX_JOIN_WAY_CHATS) throw new WecomError(41091);
  if (fields.chat_id_list.length === 0) throw new WecomError(40058, 'chat_id_list is empty');
  for (const chatId of fields.chat_id_list) requireChat(corp, chatId);
  checkState(fields.state);
  const autoCreateRoom = fields.auto_create_room ?? 1;
  if (autoCreateRoom !== 0 && autoCreateRoom !== 1) throw new WecomError(40058, 'invalid auto_create_room');
  if (fields.room_base_name !== undefined && [...fields.room_base_name].length > MAX_ROOM_BASE_NAME_LENGTH) {
    throw new WecomError(40058, `room_base_name exceeds ${MAX_ROOM_BASE_NAME_LENGTH} characters`);
  }
  return {
    configId,
    scene: fields.scene,
    // WeCom truncates an over-long join-way remark instead of refusing it.
    remark: fields.remark === undefined ? undefined : [...fields.remark].slice(0, MAX_REMARK_LENGTH).join(''),
    autoCreateRoom,
    roomBaseName: fields.room_base_name,
    roomBaseId: fields.room_base_id,
    chatIds: [...fields.chat_id_list],
    state: fields.state,
    qrCode: fields.scene === 2 ? (qr ?? qrCode(corp)) : undefined,
  };
}

function requireJoinWay(corp: SimCorp, configId: string): SimJoinWay {
  if (configId === '') throw new WecomError(41043);
  const way = corp.joinWays.get(configId);
  if (!way) throw new WecomError(41044);
  return way;
}

export const wayHandlers = {
  addContactWay: ({ corp }, { body }) => {
    const draft: SimContactWay = applyContactWay(
      { configId: '', createdAt: corp.now(), type: 0, scene: 0, skipVerify: true, user: [], party: [], isTemp: false },
      body,
    );
    checkContactWay(corp, draft);
    const way: SimContactWay = { ...draft, configId: corp.newHex(32) };
    if (way.scene === 2) way.qrCode = qrCode(corp);
    corp.contactWays.set(way.configId, way);
    const out: EndpointResponse<'addContactWay'> = { config_id: way.configId };
    if (way.qrCode !== undefined) out.qr_code = way.qrCode;
    return out;
  },
  getContactWay: ({ corp }, { body }) => ({ contact_way: presentContactWay(requireContactWay(corp, body.config_id)) }),
  updateContactWay: ({ corp }, { body }) => {
    const way = requireContactWay(corp, body.config_id);
    const next = applyContactWay(way, body);
    checkContactWay(corp, next);
    if (next.scene === 2 && next.qrCode === undefined) next.qrCode = qrCode(corp);
    if (next.scene !== 2) delete next.qrCode;
    corp.contactWays.set(way.configId, next);
    return {};
  },
  delContactWay: ({ corp }, { body }) => {
    corp.contactWays.delete(requireContactWay(corp, body.config_id).configId);
    return {};
  },

  addJoinWay: ({ corp }, { body }) => {
    const way = buildJoinWay(corp, corp.newHex(32), body, undefined);
    corp.joinWays.set(way.configId, way);
    return { config_id: way.configId };
  },
  getJoinWay: ({ corp }, { body }) => {
    const way = requireJoinWay(corp, body.config_id);
    const join_way: EndpointResponse<'getJoinWay'>['join_way'] = {
      config_id: way.configId,
      scene: way.scene,
      auto_create_room: way.autoCreateRoom,
      chat_id_list: [...way.chatIds],
    };
    if (way.remark !== undefined) join_way.remark = way.remark;
    if (way.roomBaseName !== undefined) join_way.room_base_name = way.roomBaseName;
    if (way.roomBaseId !== undefined) join_way.room_base_id = way.roomBaseId;
    if (way.state !== undefined) join_way.state = way.state;
    if (way.qrCode !== undefined) join_way.qr_code = way.qrCode;
    return { join_way };
  },
  updateJoinWay: ({ corp }, { body }) => {
    const way = requireJoinWay(corp, body.config_id);
    const { config_id: _ignored, ...fields } = body;
    corp.joinWays.set(way.configId, buildJoinWay(corp, way.configId, fields, way.qrCode));
    return {};
  },
  delJoinWay: ({ corp }, { body }) => {
    corp.joinWays.delete(requireJoinWay(corp, body.config_id).configId);
    return {};
  },
} satisfies Partial<HandlerTable>;
