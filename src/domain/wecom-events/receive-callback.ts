import type { Db } from '../../db/knex';
import { findWecomCorp, type WecomCorpRow } from '../../db/queries/wecom-corps';
import { CallbackCryptoError, openCallback, verifyUrlEcho } from '../../wecom/callback-crypto';
import { CallbackXmlError, parseCallbackEnvelope, parseCallbackEvent } from '../../wecom/callback-xml';
import { NotFoundError, UnauthorizedError, ValidationError } from '../errors';
import { storeCallbackEvent } from './event-store';

export interface SignedQuery {
  msgSignature: string;
  timestamp: string;
  nonce: string;
}

export interface ReceivedEvent {
  eventId: string;
  /** A copy taken by an event already stored and still to apply (or applied once only): nothing new to process. */
  duplicate: boolean;
  event: string;
  changeType: string;
  corpId: string;
  /** The customer the event is about, when it names one. */
  externalUserid: string | null;
}

export async function loadCallbackCorp(db: Db, corpId: string): Promise<WecomCorpRow> {
  const corp = await findWecomCorp(db, corpId);
  if (!corp) throw new NotFoundError('WeCom corp', corpId, 'WECOM_CORP_NOT_FOUND');
  return corp;
}

/** A signed timestamp far from now is a replay of a captured request (or a badly wrong clock). */
function assertFresh(timestamp: string, maxAgeSeconds: number, now: Date): void {
  const seconds = Number(timestamp);
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now.getTime() / 1000 - seconds) > maxAgeSeconds) {
    throw new UnauthorizedError(
      `callback timestamp outside the accepted ${maxAgeSeconds} s window`,
      'WECOM_CALLBACK_STALE',
    );
  }
}

function asDomainError(error: unknown): unknown {
  if (error instanceof CallbackCryptoError) {
    return new UnauthorizedError(`callback rejected: ${error.message}`, `WECOM_${error.code}`);
  }
  if (error instanceof CallbackXmlError)
    return ValidationError.field('body', error.message, 'rule.callbackXml', { detail: error.message });
  return error;
}

/** WeCom's URL check: the decrypted echostr, to be answered verbatim. */
export function answerUrlCheck(corp: WecomCorpRow, query: SignedQuery & { echostr: string }): string {
  try {
    return verifyUrlEcho({
      token: corp.callback_token,
      encodingAESKey: corp.encoding_aes_key,
      receiveId: corp.corp_id,
      ...query,
    });
  } catch (error) {
    throw asDomainError(error);
  }
}

/**
 * Checks, decrypts and stores one POSTed callback. Nothing is written unless the signature, the
 * timestamp window, the receive id and the event XML are all valid; the row is committed before
 * this returns, so the HTTP answer never precedes durability.
 */
export async function receiveEncryptedCallback(
  db: Db,
  corp: WecomCorpRow,
  query: SignedQuery,
  body: string,
  options: { maxAgeSeconds: number; now?: Date },
): Promise<ReceivedEvent> {
  assertFresh(query.timestamp, options.maxAgeSeconds, options.now ?? new Date());
  let plaintext: string;
  try {
    const envelope = parseCallbackEnvelope(body);
    plaintext = openCallback({
      token: corp.callback_token,
      encodingAESKey: corp.encoding_aes_key,
      receiveId: corp.corp_id,
      encrypted: envelope.encrypt,
      ...query,
    });
  } catch (error) {
    throw asDomainError(error);
  }
  return receivePlainEvent(db, corp, plaintext);
}

/** Stores a decrypted event (also the operators' self-test entry point). */
export async function receivePlainEvent(db: Db, corp: WecomCorpRow, plaintext: string): Promise<ReceivedEvent> {
  let parsed;
  try {
    parsed = parseCallbackEvent(plaintext);
  } catch (error) {
    throw asDomainError(error);
  }
  if (parsed.toUserName && parsed.toUserName !== corp.corp_id) {
    throw ValidationError.field(
      'ToUserName',
      `event is addressed to ${parsed.toUserName}, not ${corp.corp_id}`,
      'rule.eventForOtherCorp',
      { toUserName: parsed.toUserName, corpId: corp.corp_id },
    );
  }
  const stored = await storeCallbackEvent(db, corp.corp_id, plaintext, parsed.fields);
  const text = (key: string) => {
    const value = parsed.fields[key];
    return typeof value === 'string' ? value : '';
  };
  return {
    eventId: stored.id,
    duplicate: stored.duplicate,
    event: text('Event'),
    changeType: text('ChangeType'),
    corpId: corp.corp_id,
    externalUserid: text('ExternalUserID') || null,
  };
}
