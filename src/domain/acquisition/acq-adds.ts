import type { Db, Executor } from '../../db/knex';
import {
  countAcqLinkAdd,
  recordAcqAttribution,
  type AcqAttributionInsert,
  type WelcomeStatus,
} from '../../db/queries/acq-attributions';
import { findAcqSource, findAcqState, type AcqLinkRow } from '../../db/queries/acq-links';
import { QR_KIND } from '../../db/queries/acq-qrs';
import { addCustomerTags } from '../../db/queries/customer-tags';
import { recordCustomerTagChange } from '../tags/tag-change-events';
import { recomputeQrMembers } from './publish-acq-qr';
import type { WecomApi } from '../../wecom/api';
import { WecomApiError, WecomNetworkError } from '../../wecom/errors';
import type { MaterialDeps } from '../materials/materials';
import { sendWithFreshMedia, welcomeContentOf } from '../materials/media';

/** How long WeCom accepts a welcome code after its add event (doc 92137). */
export const WELCOME_CODE_TTL_MS = 20_000;
/** Already chatting / the welcome went out: never retried. */
const ALREADY_SENT_ERRCODE = 41051;
/** Missing, invalid or expired welcome code. */
const BAD_WELCOME_CODE_ERRCODE = 41049;
/** Another app is sending this customer's welcome, or WeCom is busy: worth another try before the deadline. */
const WELCOME_RETRY_ERRCODES: ReadonlySet<number> = new Set([41096, -1]);

/** The change types of an add: a half add (skip-verify, not accepted yet) comes before the full one. */
export const ADD_CHANGES: ReadonlySet<string> = new Set(['add_external_contact', 'add_half_external_contact']);

type Fields = Record<string, unknown>;

export interface WelcomeOutcome {
  status: WelcomeStatus;
  errcode: number | null;
}

/** An add event that came through one of our acquisition states. */
export interface AcqAdd {
  corpId: string;
  link: AcqLinkRow;
  ruleId: string | null;
  state: string;
  changeType: string;
  userid: string;
  externalUserid: string;
  welcomeCode: string | null;
  addedAt: Date;
}

/** A welcome send that may still succeed before the deadline; the caller retries it. */
export class WelcomeRetryableError extends Error {
  override readonly name = 'WelcomeRetryableError';
  readonly code = 'WELCOME_RETRYABLE';
}

function text(fields: Fields, key: string): string {
  const value = fields[key];
  return typeof value === 'string' ? value : '';
}

/** The acquisition add an event is, if it is an add carrying a State we handed to WeCom for a live link. */
export async function findAcqAdd(db: Executor, corpId: string, fields: Fields): Promise<AcqAdd | undefined> {
  const changeType = text(fields, 'ChangeType');
  const state = text(fields, 'State');
  if (text(fields, 'Event') !== 'change_external_contact' || !ADD_CHANGES.has(changeType) || state === '') {
    return undefined;
  }
  const mapped = await findAcqState(db, corpId, state);
  if (!mapped) return undefined;
  const link = await findAcqSource(db, corpId, mapped.link_id);
  if (!link) return undefined;
  const seconds = Number(text(fields, 'CreateTime'));
  return {
    corpId,
    link,
    ruleId: mapped.rule_id,
    state,
    changeType,
    userid: text(fields, 'UserID'),
    externalUserid: text(fields, 'ExternalUserID'),
    welcomeCode: text(fields, 'WelcomeCode') || null,
    addedAt: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date(),
  };
}

/** The add's link sends a welcome, it has something to say, and the event carried the code to send it with. */
export function wantsWelcome(add: AcqAdd): boolean {
  const { link } = add;
  return (
    link.is_send_welcome === 1 && add.welcomeCode !== null && (!!link.welcome_content || link.media_ids.length > 0)
  );
}

/**
 * Sends the link's welcome for this add, before anything else of the add calls WeCom. Returns the
 * outcome to record, null when the link sends none or the event carried no code; throws
 * WelcomeRetryableError (or a network error) only for what may still succeed before the deadline.
 */
export async function sendAcqWelcome(
  deps: MaterialDeps,
  api: WecomApi,
  add: AcqAdd,
  now: () => Date = () => new Date(),
): Promise<WelcomeOutcome | null> {
  const { link } = add;
  if (!wantsWelcome(add) || !add.welcomeCode) return null;
  if (now().getTime() >= add.addedAt.getTime() + WELCOME_CODE_TTL_MS) return { status: 'expired', errcode: null };
  const welcomeCode = add.welcomeCode;
  try {
    await sendWithFreshMedia(deps, add.corpId, link.media_ids, (materials) =>
      api.call('sendWelcomeMessage', {
        body: { welcome_code: welcomeCode, ...welcomeContentOf(materials, link.welcome_content ?? undefined) },
      }),
    );
    return { status: 'sent', errcode: null };
  } catch (error) {
    if (error instanceof WecomApiError) {
      if (error.errcode === ALREADY_SENT_ERRCODE) return { status: 'already_sent', errcode: error.errcode };
      if (error.errcode === BAD_WELCOME_CODE_ERRCODE) return { status: 'expired', errcode: error.errcode };
      if (WELCOME_RETRY_ERRCODES.has(error.errcode)) throw new WelcomeRetryableError(error.message);
      return { status: 'failed', errcode: error.errcode };
    }
    if (error instanceof WecomNetworkError) throw error;
    // A material deleted since the link was saved, a file missing from the store: nothing a retry fixes.
    return { status: 'failed', errcode: null };
  }
}

/**
 * Records the add against its link, rule and channel (once per add, however often the callback
 * comes), counts it on the link when new, then runs what follows an attribution.
 */
export async function attributeAcqAdd(
  db: Db,
  api: WecomApi,
  add: AcqAdd,
  context: { eventId: string | null; welcome: WelcomeOutcome | null },
): Promise<{ counted: boolean }> {
  const row: AcqAttributionInsert = {
    corp_id: add.corpId,
    external_userid: add.externalUserid,
    userid: add.userid,
    link_id: add.link.id,
    rule_id: add.ruleId,
    channel_id: add.link.channel_id,
    state: add.state,
    event_id: context.eventId,
    change_type: add.changeType,
    added_at: add.addedAt,
    welcome_status: context.welcome?.status ?? null,
    welcome_errcode: context.welcome?.errcode ?? null,
  };
  const counted = await db.transaction(async (trx) => {
    const isNew = await recordAcqAttribution(trx, row);
    // A half add (skip-verify, not accepted yet) is followed by the full add that makes the friend.
    const counts = isNew && add.changeType === 'add_external_contact';
    if (counts) await countAcqLinkAdd(trx, add.link.id);
    return counts;
  });
  await afterAcqAttribution(db, api, add);
  return { counted };
}

/**
 * What an attributed add sets off, after the welcome and the mirror refresh: the link's corp tags
 * (marked in WeCom, then in our mirror, since API writes fire no callback). Idempotent, so it runs
 * on every copy of the event. An add through a multi-person channel QR code may take a member to
 * their daily limit: the code's member list is recomputed (and pushed only if it changed).
 */
export async function afterAcqAttribution(db: Db, api: WecomApi, add: AcqAdd): Promise<void> {
  const tags = add.link.cst_tags;
  if (tags.length > 0 && add.changeType === 'add_external_contact') {
    await api.call('markTag', { body: { userid: add.userid, external_userid: add.externalUserid, add_tag: tags } });
    const key = { externalUserid: add.externalUserid, userid: add.userid, source: 'corp' } as const;
    // Only what this copy of the event newly tagged is recorded, so a redelivery adds no entry.
    await db.transaction(async (trx) => {
      const added = await addCustomerTags(trx, add.corpId, key, tags, 'acquisition');
      await recordCustomerTagChange(trx, add.corpId, key, { added, removed: [] }, null, {
        via: 'acquisition',
        linkId: String(add.link.id),
        linkName: add.link.link_name,
        linkKind: add.link.kind,
      });
    });
  }
  if (add.link.kind === QR_KIND && add.changeType === 'add_external_contact') {
    await recomputeQrMembers(db, api, add.link.id);
  }
}
