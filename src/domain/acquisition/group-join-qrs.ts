import type { Logger } from 'pino';
import type { Db, Executor } from '../../db/knex';
import {
  findJoinQr,
  insertJoinQr,
  JOIN_QR_STATE_PREFIX,
  joinQrChats,
  liveGroupChatIds,
  lockJoinQr,
  reserveJoinQrId,
  softDeleteJoinQr,
  updateJoinQr,
  type JoinQrChat,
  type JoinQrFields,
  type JoinQrRow,
} from '../../db/queries/group-join-qrs';
import type { WecomApi, WecomApiFactory } from '../../wecom/api';
import type { EndpointBody } from '../../wecom/endpoints';
import { WecomApiError } from '../../wecom/errors';
import { openWecom, wecomCallError } from '../customers/wecom-errors';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { requireChannel } from './channels';

/**
 * Group-join QR codes are WeCom join ways, and WeCom is written in the request, first:
 * - create: add_join_way (and get_join_way for the QR code) under a reserved id whose state
 *   `qj<id>` WeCom echoes on every member who joins; the row is stored only when WeCom took it,
 *   and if storing it fails the new join way is deleted again, so none is left behind unowned;
 * - edit: update_join_way with the code's whole new version while its row is locked; the row
 *   changes only when WeCom took it (WeCom is set back to the old version if the write fails);
 * - delete: del_join_way first ("invalid config_id" counts as gone), then the row is soft-deleted.
 *   Its state stays reserved, so members who joined through it stay attributed.
 * A WeCom refusal leaves the code as it was and answers the refusal (in the caller's language).
 */
export interface JoinQrDeps {
  db: Db;
  wecom: WecomApiFactory;
  logger: Pick<Logger, 'error' | 'warn'>;
}

export const MAX_JOIN_QR_CHATS = 5;
/** WeCom's answer for a config_id it does not know (deleted in WeCom's admin console, say). */
const UNKNOWN_CONFIG_ID = 41044;

export const JOIN_QR_ACTIVE = 1;
export const JOIN_QR_GONE_IN_WECOM = 2;

export interface SaveJoinQrInput {
  id?: string;
  name?: string;
  /** Absent: unchanged; null: no channel. */
  channelId?: string | null;
  scene?: number;
  chatIdList?: string[];
  autoCreateRoom?: number;
  roomBaseName?: string | null;
  roomBaseId?: number | null;
  remark?: string | null;
}

export interface JoinQrDetail {
  code: JoinQrRow;
  chats: JoinQrChat[];
}

export async function getJoinQr(db: Db, corpId: string, id: string): Promise<JoinQrRow> {
  const row = await findJoinQr(db, corpId, id);
  if (!row) throw new NotFoundError('group-join QR code', id, 'JOIN_QR_NOT_FOUND');
  return row;
}

export async function getJoinQrDetail(db: Db, corpId: string, id: string): Promise<JoinQrDetail> {
  const code = await getJoinQr(db, corpId, id);
  return { code, chats: await joinQrChats(db, corpId, code.chat_id_list) };
}

function wayBody(fields: JoinQrFields, state: string): EndpointBody<'addJoinWay'> {
  return {
    scene: fields.scene,
    chat_id_list: fields.chat_id_list,
    auto_create_room: fields.auto_create_room,
    ...(fields.remark !== null ? { remark: fields.remark } : {}),
    ...(fields.room_base_name !== null ? { room_base_name: fields.room_base_name } : {}),
    ...(fields.room_base_id !== null ? { room_base_id: fields.room_base_id } : {}),
    state,
  };
}

/** WeCom's refusals of a join way as errors the admin can act on; the rest as for any WeCom call. */
function joinWayError(error: unknown): unknown {
  if (error instanceof WecomApiError) {
    if (error.errcode === 41091) {
      return ValidationError.field(
        'chatIdList',
        `WeCom binds a code to at most ${MAX_JOIN_QR_CHATS} groups (WeCom errcode 41091)`,
        'rule.joinQrTooManyChats',
        { max: MAX_JOIN_QR_CHATS },
      );
    }
    if (error.errcode === 40050) {
      return ValidationError.field(
        'chatIdList',
        `names a group WeCom does not know (WeCom errcode ${error.errcode})`,
        'rule.groupNotInWecom',
        { errcode: error.errcode },
      );
    }
  }
  return wecomCallError(error);
}

async function onWecom<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw joinWayError(error);
  }
}

const isUnknownConfigId = (error: unknown) => error instanceof WecomApiError && error.errcode === UNKNOWN_CONFIG_ID;

/** Checks what only the database can tell: the channel is the corp's, the groups are its live groups. */
async function checkReferences(db: Executor, corpId: string, fields: JoinQrFields, input: SaveJoinQrInput) {
  if (input.channelId !== undefined && input.channelId !== null) {
    fields.channel_type = await requireChannel(db, corpId, input.channelId);
  }
  if (input.chatIdList !== undefined) {
    const live = await liveGroupChatIds(db, corpId, input.chatIdList);
    const unknown = input.chatIdList.map((chatId, i) => ({ chatId, i })).filter(({ chatId }) => !live.has(chatId));
    if (unknown.length > 0) {
      throw new ValidationError(
        unknown.map(({ chatId, i }) => ({
          field: `chatIdList[${i}]`,
          message: `no live customer group ${chatId} in WeCom corp ${corpId}`,
          messageKey: 'rule.unknownGroupChat',
          params: { chatId, corpId },
        })),
      );
    }
  }
}

async function qrCodeOf(api: WecomApi, configId: string, scene: number): Promise<string | null> {
  if (scene !== 2) return null;
  const answer = await onWecom(() => api.call('getJoinWay', { body: { config_id: configId } }));
  return answer.join_way.qr_code ?? null;
}

/** Deletes a join way nobody will own; a failure is logged with the config_id, for a person to clean up. */
async function dropJoinWay(deps: JoinQrDeps, api: WecomApi, corpId: string, configId: string): Promise<void> {
  try {
    await api.call('delJoinWay', { body: { config_id: configId } });
  } catch (error) {
    if (isUnknownConfigId(error)) return;
    deps.logger.error(
      { err: error, corpId, configId },
      'a WeCom join way created for a group-join QR code that was not stored could not be deleted',
    );
  }
}

async function createJoinQr(deps: JoinQrDeps, corpId: string, input: SaveJoinQrInput, actor: string) {
  const missing = (['name', 'chatIdList'] as const).filter((f) => input[f] === undefined);
  if (missing.length > 0) {
    throw new ValidationError(
      missing.map((field) => ({
        field,
        message: 'is required to add a group-join QR code',
        messageKey: 'rule.requiredForNewJoinQr',
      })),
    );
  }
  const fields: JoinQrFields = {
    name: (input.name as string).trim(),
    channel_id: input.channelId ?? null,
    channel_type: null,
    scene: input.scene ?? 2,
    chat_id_list: input.chatIdList as string[],
    auto_create_room: input.autoCreateRoom ?? 1,
    room_base_name: input.roomBaseName ?? null,
    room_base_id: input.roomBaseId ?? null,
    remark: input.remark ?? null,
  };
  await checkReferences(deps.db, corpId, fields, input);
  const api = await openWecom(deps.wecom, corpId);
  const id = await reserveJoinQrId(deps.db);
  const state = `${JOIN_QR_STATE_PREFIX}${id}`;
  const { config_id: configId } = await onWecom(() => api.call('addJoinWay', { body: wayBody(fields, state) }));
  try {
    const qrCode = await qrCodeOf(api, configId, fields.scene);
    await insertJoinQr(deps.db, corpId, { ...fields, id, state, config_id: configId, qr_code: qrCode }, actor);
  } catch (error) {
    await dropJoinWay(deps, api, corpId, configId);
    throw error;
  }
  return id;
}

type EditOutcome = { kind: 'saved' } | { kind: 'gone' };

async function editJoinQr(deps: JoinQrDeps, corpId: string, id: string, input: SaveJoinQrInput, actor: string) {
  let pushed: { api: WecomApi; previous: EndpointBody<'updateJoinWay'> } | undefined;
  try {
    const outcome = await deps.db.transaction(async (trx): Promise<EditOutcome> => {
      const current = await lockJoinQr(trx, corpId, id);
      if (!current) throw new NotFoundError('group-join QR code', id, 'JOIN_QR_NOT_FOUND');
      const before: JoinQrFields = {
        name: current.name,
        channel_id: current.channel_id,
        channel_type: current.channel_type,
        scene: current.scene,
        chat_id_list: current.chat_id_list,
        auto_create_room: current.auto_create_room,
        room_base_name: current.room_base_name,
        room_base_id: current.room_base_id,
        remark: current.remark,
      };
      const next: JoinQrFields = {
        ...before,
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(input.channelId !== undefined ? { channel_id: input.channelId, channel_type: null } : {}),
        ...(input.scene !== undefined ? { scene: input.scene } : {}),
        ...(input.chatIdList !== undefined ? { chat_id_list: input.chatIdList } : {}),
        ...(input.autoCreateRoom !== undefined ? { auto_create_room: input.autoCreateRoom } : {}),
        ...(input.roomBaseName !== undefined ? { room_base_name: input.roomBaseName } : {}),
        ...(input.roomBaseId !== undefined ? { room_base_id: input.roomBaseId } : {}),
        ...(input.remark !== undefined ? { remark: input.remark } : {}),
      };
      if (input.channelId === undefined) next.channel_type = before.channel_type;
      await checkReferences(trx, corpId, next, input);
      const wayOf = (f: JoinQrFields) => JSON.stringify(wayBody(f, current.state));
      let wecomPatch: { qr_code: string | null; status: number } | undefined;
      if (wayOf(next) !== wayOf(before)) {
        const api = await openWecom(deps.wecom, corpId);
        try {
          await api.call('updateJoinWay', { body: { config_id: current.config_id, ...wayBody(next, current.state) } });
        } catch (error) {
          if (!isUnknownConfigId(error)) throw joinWayError(error);
          await updateJoinQr(trx, corpId, id, { status: JOIN_QR_GONE_IN_WECOM }, actor);
          return { kind: 'gone' };
        }
        pushed = { api, previous: { config_id: current.config_id, ...wayBody(before, current.state) } };
        wecomPatch = { qr_code: await qrCodeOf(api, current.config_id, next.scene), status: JOIN_QR_ACTIVE };
      }
      await updateJoinQr(trx, corpId, id, { ...next, ...wecomPatch }, actor);
      return { kind: 'saved' };
    });
    if (outcome.kind === 'gone') {
      throw new ConflictError(
        `the join way of group-join QR code ${id} no longer exists in WeCom; delete the code and add a new one`,
        'JOIN_QR_GONE_IN_WECOM',
        { id },
      );
    }
  } catch (error) {
    if (pushed) await restoreJoinWay(deps, pushed.api, corpId, pushed.previous);
    throw error;
  }
}

/** Sets WeCom back to the version the (unchanged) row describes, after the row could not take the new one. */
async function restoreJoinWay(
  deps: JoinQrDeps,
  api: WecomApi,
  corpId: string,
  previous: EndpointBody<'updateJoinWay'>,
): Promise<void> {
  try {
    await api.call('updateJoinWay', { body: previous });
  } catch (error) {
    deps.logger.error(
      { err: error, corpId, configId: previous.config_id },
      'a WeCom join way could not be set back after its group-join QR code failed to save; WeCom holds the newer version',
    );
  }
}

/** Without id a code is created in WeCom and stored (name and chatIdList required); with id the given fields change. */
export async function saveJoinQr(
  deps: JoinQrDeps,
  corpId: string,
  input: SaveJoinQrInput,
  actor: string,
): Promise<JoinQrDetail> {
  let id = input.id;
  if (id === undefined) id = await createJoinQr(deps, corpId, input, actor);
  else await editJoinQr(deps, corpId, id, input, actor);
  return getJoinQrDetail(deps.db, corpId, id);
}

/** Deletes the join way in WeCom, then the code (soft); answers the deleted code. */
export async function deleteJoinQr(deps: JoinQrDeps, corpId: string, id: string, actor: string): Promise<JoinQrRow> {
  return deps.db.transaction(async (trx) => {
    const current = await lockJoinQr(trx, corpId, id);
    if (!current) throw new NotFoundError('group-join QR code', id, 'JOIN_QR_NOT_FOUND');
    const api = await openWecom(deps.wecom, corpId);
    try {
      await api.call('delJoinWay', { body: { config_id: current.config_id } });
    } catch (error) {
      if (!isUnknownConfigId(error)) throw joinWayError(error);
      deps.logger.warn({ corpId, configId: current.config_id }, 'join way was already gone in WeCom');
    }
    await softDeleteJoinQr(trx, corpId, id, actor);
    return { ...current, is_del: 1 };
  });
}
