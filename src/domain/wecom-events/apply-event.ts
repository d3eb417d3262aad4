import type { Db } from '../../db/knex';
import type { WecomApi } from '../../wecom/api';
import { WecomApiError } from '../../wecom/errors';
import { readExternalContact } from '../../wecom/read-external-contact';
import { markCorpTagGroupsDeleted, markCorpTagsDeleted, upsertCorpTagGroups } from '../wecom-mirror/corp-tags';
import {
  endRelation,
  endRelationsMissingFromRead,
  recordAddOfGoneRelation,
  RelationStatus,
  upsertCustomerPairs,
} from '../wecom-mirror/customers';
import { markGroupChatDismissed, recordGroupDepartures, upsertGroupChat } from '../wecom-mirror/group-chats';
import {
  markDepartmentDeleted,
  markEmployeeDeleted,
  renameEmployee,
  upsertDepartments,
  upsertEmployees,
} from '../wecom-mirror/org';
import { attributeAcqAdd, findAcqAdd, type WelcomeOutcome } from '../acquisition/acq-adds';
import { applyAcquisitionCallback } from '../acquisition/acq-callbacks';
import { linkAcquiredCustomerToClue } from '../customers/acquired-clue';
import type { EventFields } from './event-store';
import { openTransfersOfCustomer } from '../../db/queries/customer-transfers';
import { hasAcqAttribution } from '../../db/queries/acq-attributions';

/** What the event workflow learned before applying: the stored event's id and its welcome's outcome. */
export interface ApplyContext {
  eventId?: string;
  welcome?: WelcomeOutcome | null;
}

/** What applying an event did, recorded on the event row. */
export type ApplyOutcome = ({ applied: true; note?: string } | { applied: false; note: string }) & {
  /** In-service transfers the event concerns: their workflows poll WeCom at once. */
  wakeTransfers?: string[];
};

const CALLBACK = { touch: true, actor: 'wecom-callback' } as const;

/** Errcodes meaning the object is gone in WeCom by the time the event is processed. */
const GONE_ERRCODES = new Set([84061, 40096, 46004, 60111, 60123, 40068, 90500, 60011]);

function text(fields: EventFields, key: string): string {
  const value = fields[key];
  return typeof value === 'string' ? value : '';
}

function eventTime(fields: EventFields): Date {
  const seconds = Number(text(fields, 'CreateTime'));
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date();
}

/**
 * Applies one WeCom callback to the mirror. Handlers re-read the object from WeCom instead of
 * trusting the event's order: events may be processed out of order or twice, and a fresh read
 * always converges on WeCom's current state.
 */
export async function applyCallbackEvent(
  db: Db,
  api: WecomApi,
  fields: EventFields,
  context: ApplyContext = {},
): Promise<ApplyOutcome> {
  const event = text(fields, 'Event');
  const change = text(fields, 'ChangeType');
  try {
    switch (event) {
      case 'change_external_contact':
        return await applyExternalContactChange(db, api, change, fields, context);
      case 'change_external_chat':
        return await applyGroupChatChange(db, api, change, fields);
      case 'change_external_tag':
        return await applyTagChange(db, api, change, fields);
      case 'change_contact':
        return await applyContactChange(db, api, change, fields);
      case 'customer_acquisition':
        return await applyAcquisitionCallback(db, api.corpId, fields, context.eventId ?? null);
      default:
        return { applied: false, note: `event ${event || text(fields, 'MsgType')} is recorded but not mirrored` };
    }
  } catch (error) {
    if (error instanceof WecomApiError && GONE_ERRCODES.has(error.errcode)) {
      return { applied: false, note: `object no longer readable in WeCom (${error.errcode}); nothing to mirror` };
    }
    throw error;
  }
}

/** Reads a customer with all its follow users (paged past 500), mirrors it as the truth and returns their userids. */
async function refreshCustomer(db: Db, api: WecomApi, externalUserid: string): Promise<string[]> {
  const { contact, followUsers } = await readExternalContact(api, externalUserid);
  const pairs = followUsers.map((follow) => ({ external_contact: contact, follow_info: follow }));
  await db.transaction(async (trx) => {
    await upsertCustomerPairs(trx, api.corpId, pairs, CALLBACK);
    await endRelationsMissingFromRead(
      trx,
      api.corpId,
      externalUserid,
      pairs.map((p) => p.follow_info.userid),
      new Date(),
    );
  });
  return pairs.map((p) => p.follow_info.userid);
}

/**
 * An add is a fact even when its relation is gone by the time WeCom is read (deleted at once):
 * it is then recorded from the event, and the deletion's event says who ended it.
 */
async function applyAdd(
  db: Db,
  api: WecomApi,
  pair: { externalUserid: string; userid: string },
  added: { addTime: Date; state: string | null },
): Promise<ApplyOutcome> {
  let live: string[];
  try {
    live = await refreshCustomer(db, api, pair.externalUserid);
  } catch (error) {
    // 84061: no relation left with anyone, so the customer itself is not readable either.
    if (!(error instanceof WecomApiError && error.errcode === 84061)) throw error;
    live = [];
  }
  if (live.includes(pair.userid)) return { applied: true };
  const seenGoneAt = new Date();
  await db.transaction((trx) => recordAddOfGoneRelation(trx, api.corpId, pair, added, seenGoneAt));
  return { applied: true, note: 'relation already gone in WeCom; recorded from the event' };
}

async function applyExternalContactChange(
  db: Db,
  api: WecomApi,
  change: string,
  fields: EventFields,
  context: ApplyContext,
): Promise<ApplyOutcome> {
  const pair = { externalUserid: text(fields, 'ExternalUserID'), userid: text(fields, 'UserID') };
  const at = eventTime(fields);
  switch (change) {
    case 'add_external_contact': {
      const outcome = await applyAdd(db, api, pair, { addTime: at, state: text(fields, 'State') || null });
      return withAcquisition(db, api, fields, context, outcome);
    }
    case 'add_half_external_contact': {
      const outcome = await applyEditOrHalfAdd(db, api, pair, at);
      return withAcquisition(db, api, fields, context, outcome);
    }
    case 'edit_external_contact': {
      const outcome = await applyEditOrHalfAdd(db, api, pair, at);
      // The phone of a customer a link brought is often written into the remark after the add.
      const clue = (await hasAcqAttribution(db, api.corpId, pair))
        ? await linkAcquiredCustomerToClue(db, api.corpId, pair)
        : null;
      if (!clue) return outcome;
      const note = [outcome.note, `linked to clue ${clue.clueId} by ${clue.matchedBy}`].filter(Boolean).join('; ');
      return { ...outcome, note } as ApplyOutcome;
    }
    case 'del_external_contact': {
      const transferred = text(fields, 'Source') === 'DELETE_BY_TRANSFER';
      const status = transferred ? RelationStatus.transferred : RelationStatus.deletedByEmployee;
      const ended = await endRelation(db, api.corpId, pair, status, at, text(fields, 'Source') || 'employee');
      const wake = transferred ? await openTransfersOfCustomer(db, api.corpId, pair.externalUserid) : [];
      const outcome: ApplyOutcome = ended
        ? { applied: true }
        : { applied: false, note: 'relation re-added after the event or already ended' };
      return wake.length > 0 ? { ...outcome, wakeTransfers: wake } : outcome;
    }
    case 'del_follow_user': {
      const ended = await endRelation(db, api.corpId, pair, RelationStatus.deletedByCustomer, at, 'customer');
      return ended ? { applied: true } : { applied: false, note: 'relation re-added after the event or already ended' };
    }
    case 'transfer_fail': {
      // UserID is the takeover member; which outcome it was, transfer_result tells the workflow.
      const wake = await openTransfersOfCustomer(db, api.corpId, pair.externalUserid, pair.userid);
      const note = `transfer failed: ${text(fields, 'FailReason')}`;
      return wake.length > 0 ? { applied: true, note, wakeTransfers: wake } : { applied: false, note };
    }
    default:
      return { applied: false, note: `change_external_contact/${change} is recorded but not mirrored` };
  }
}

async function applyEditOrHalfAdd(
  db: Db,
  api: WecomApi,
  pair: { externalUserid: string; userid: string },
  at: Date,
): Promise<ApplyOutcome> {
  try {
    await refreshCustomer(db, api, pair.externalUserid);
  } catch (error) {
    // 84061: no relation left with anyone (deleted again before we read it).
    if (error instanceof WecomApiError && error.errcode === 84061) {
      await endRelation(db, api.corpId, pair, RelationStatus.goneFromWecom, at, 'wecom-read');
      return { applied: true, note: 'relation already gone in WeCom' };
    }
    throw error;
  }
  return { applied: true };
}

/** An add through one of our acquisition states is attributed to its link once the mirror has it. */
async function withAcquisition(
  db: Db,
  api: WecomApi,
  fields: EventFields,
  context: ApplyContext,
  outcome: ApplyOutcome,
): Promise<ApplyOutcome> {
  const add = await findAcqAdd(db, api.corpId, fields);
  if (!add) return outcome;
  const { counted } = await attributeAcqAdd(db, api, add, {
    eventId: context.eventId ?? null,
    welcome: context.welcome ?? null,
  });
  // After the mirror refresh: the relation's remark mobiles and the customer's unionid are read.
  const clue =
    add.changeType === 'add_external_contact'
      ? await linkAcquiredCustomerToClue(db, api.corpId, { externalUserid: add.externalUserid, userid: add.userid })
      : null;
  const note = [
    outcome.note,
    `acquisition link ${add.link.id}${counted ? '' : ' (add already counted)'}`,
    clue ? `linked to clue ${clue.clueId} by ${clue.matchedBy}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return { ...outcome, note } as ApplyOutcome;
}

async function applyGroupChatChange(db: Db, api: WecomApi, change: string, fields: EventFields): Promise<ApplyOutcome> {
  const chatId = text(fields, 'ChatId');
  const at = eventTime(fields);
  if (change === 'dismiss') {
    await markGroupChatDismissed(db, api.corpId, chatId, at);
    return { applied: true };
  }
  const { group_chat } = await api.call('getGroupChat', { body: { chat_id: chatId, need_name: 1 } });
  const quitScene = text(fields, 'QuitScene');
  const leaving = text(fields, 'UpdateDetail') === 'del_member' ? changedMembers(fields) : [];
  await db.transaction(async (trx) => {
    await upsertGroupChat(trx, api.corpId, group_chat, undefined, {
      ...CALLBACK,
      quitAt: at,
      ...(leaving.length > 0 && quitScene !== '' ? { quitScene: Number(quitScene) } : {}),
    });
    // Another event of this group may have been applied first and noticed the departure without
    // its details: the del_member event owns the time and the scene.
    if (leaving.length > 0) {
      await recordGroupDepartures(trx, api.corpId, chatId, leaving, at, quitScene === '' ? null : Number(quitScene));
    }
  });
  return { applied: true };
}

/** The userids of MemChangeList (one <Item> or several). */
function changedMembers(fields: EventFields): string[] {
  const list = fields['MemChangeList'];
  if (!list || typeof list === 'string' || Array.isArray(list)) return [];
  const items = list['Item'];
  const values = Array.isArray(items) ? items : items === undefined ? [] : [items];
  return values.filter((v): v is string => typeof v === 'string');
}

async function applyTagChange(db: Db, api: WecomApi, change: string, fields: EventFields): Promise<ApplyOutcome> {
  const id = text(fields, 'Id');
  const isGroup = text(fields, 'TagType') === 'tag_group';
  const at = eventTime(fields);
  if (change === 'delete') {
    if (isGroup) await markCorpTagGroupsDeleted(db, api.corpId, [id], at);
    else await markCorpTagsDeleted(db, api.corpId, [id], at);
    return { applied: true };
  }
  // create / update / shuffle: read the affected group(s) back (an empty shuffle Id means every group).
  const body = change === 'shuffle' ? (id ? { group_id: [id] } : {}) : isGroup ? { group_id: [id] } : { tag_id: [id] };
  const { tag_group } = await api.call('getCorpTagList', { body });
  await db.transaction((trx) => upsertCorpTagGroups(trx, api.corpId, tag_group, CALLBACK));
  return { applied: true };
}

async function applyContactChange(db: Db, api: WecomApi, change: string, fields: EventFields): Promise<ApplyOutcome> {
  const at = eventTime(fields);
  switch (change) {
    case 'create_user':
    case 'update_user': {
      const from = text(fields, 'UserID');
      const to = text(fields, 'NewUserID');
      if (to && to !== from) await renameEmployee(db, api.corpId, from, to);
      const user = await api.call('getUser', { query: { userid: to || from } });
      const { follow_user } = await api.call('getFollowUserList', { query: {} });
      await upsertEmployees(db, api.corpId, [user], new Set(follow_user), CALLBACK);
      return { applied: true };
    }
    case 'delete_user':
      await markEmployeeDeleted(db, api.corpId, text(fields, 'UserID'), at);
      return { applied: true };
    case 'create_party':
    case 'update_party': {
      const { department } = await api.call('listDepartments', { query: { id: text(fields, 'Id') } });
      const self = department.filter((d) => String(d.id) === text(fields, 'Id'));
      await upsertDepartments(db, api.corpId, self, CALLBACK);
      return { applied: true };
    }
    case 'delete_party':
      await markDepartmentDeleted(db, api.corpId, text(fields, 'Id'), at);
      return { applied: true };
    default:
      return { applied: false, note: `change_contact/${change} is recorded but not mirrored` };
  }
}
