import { createHash } from 'node:crypto';
import type { Db, Executor } from '../../db/knex';
import { readQueueHead } from '../../db/queue-head';
import type { XmlElement } from '../../wecom/callback-xml';
import { copyRuleOf } from './event-kinds';

/** Event fields as WeCom names them (Event, ChangeType, UserID...), as parsed from the XML. */
export type EventFields = XmlElement;

export interface StoredEvent {
  id: string;
  corp_id: string;
  event: string | null;
  change_type: string | null;
  payload: EventFields;
  status: string;
  received_at: Date;
}

/**
 * Stores a decrypted callback. WeCom's redeliveries are byte-identical plaintexts, so the digest
 * of the whole plaintext is the dedupe key, and a copy only bumps receive_count. Two changes of one
 * object within a second are byte-identical too: a copy of a `refresh` event (event-kinds.ts) that
 * arrives once applying its first copy began is stored as a new event, to be applied again.
 */
export async function storeCallbackEvent(
  db: Executor,
  corpId: string,
  plaintext: string,
  fields: EventFields,
): Promise<{ id: string; duplicate: boolean }> {
  const dedupeKey = createHash('sha256').update(plaintext, 'utf8').digest('hex');
  const str = (key: string) => {
    const value = fields[key];
    return typeof value === 'string' ? value.slice(0, 64) : null;
  };
  const [row] = (await db('wecom_callback_event')
    .insert({
      corp_id: corpId,
      dedupe_key: dedupeKey,
      msg_type: str('MsgType'),
      event: str('Event'),
      change_type: str('ChangeType'),
      payload: JSON.stringify(fields),
      plaintext,
      refresh_on_copy: copyRuleOf(fields) === 'refresh',
    })
    // The unique index covers only rows that still absorb copies (see the migration).
    .onConflict(db.raw('(corp_id, dedupe_key) WHERE NOT refresh_on_copy OR apply_started_at IS NULL'))
    .merge({ receive_count: db.raw('wecom_callback_event.receive_count + 1') })
    .returning(['id', db.raw('(xmax = 0) AS inserted')])) as Array<{ id: string; inserted: boolean }>;
  if (!row) throw new Error('callback event insert returned no row');
  return { id: row.id, duplicate: !row.inserted };
}

export async function findCallbackEvent(db: Executor, id: string): Promise<StoredEvent | undefined> {
  return db<StoredEvent>('wecom_callback_event')
    .where({ id })
    .first('id', 'corp_id', 'event', 'change_type', 'payload', 'status', 'received_at');
}

/** Events whose processing workflow has not been started yet (for the outbox sweep), with what the UI lists. */
export async function findUnstartedEvents(
  db: Db,
  limit: number,
  olderThanMs: number,
): Promise<Array<{ id: string; corpId: string; type: string; externalUserid: string | null }>> {
  const rows = await readQueueHead(db, (trx) =>
    trx('wecom_callback_event')
      .where({ status: 'pending' })
      .andWhere('received_at', '<', trx.raw(`now() - make_interval(secs => ?)`, [olderThanMs / 1000]))
      .orderBy('received_at')
      .limit(limit)
      .select<Array<{ id: string; corp_id: string; type: string | null; external_userid: string | null }>>(
        'id',
        'corp_id',
        trx.raw("coalesce(nullif(change_type, ''), nullif(event, ''), msg_type) AS type"),
        trx.raw("payload->>'ExternalUserID' AS external_userid"),
      ),
  );
  return rows.map((row) => ({
    id: row.id,
    corpId: row.corp_id,
    type: row.type ?? '',
    externalUserid: row.external_userid,
  }));
}

/** Applying begins: from now on an identical copy of a `refresh` event is a new event. */
export async function markEventApplying(db: Executor, id: string): Promise<void> {
  await db('wecom_callback_event')
    .where({ id })
    .whereNull('apply_started_at')
    .update({ apply_started_at: db.fn.now() });
}

export async function markEventsStarted(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db('wecom_callback_event').whereIn('id', ids).andWhere({ status: 'pending' }).update({ status: 'started' });
}

export async function recordEventStartFailure(db: Executor, ids: string[], message: string): Promise<void> {
  if (ids.length === 0) return;
  await db('wecom_callback_event')
    .whereIn('id', ids)
    .andWhere({ status: 'pending' })
    .update({ error: `workflow not started yet: ${message}`.slice(0, 2000) });
}

export async function finishEvent(
  db: Executor,
  id: string,
  outcome: { status: 'done' | 'failed'; note?: string },
): Promise<void> {
  await db('wecom_callback_event')
    .where({ id })
    .update({ status: outcome.status, error: outcome.note ?? null, processed_at: db.fn.now() });
}
