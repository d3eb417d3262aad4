import type { Db, Executor } from '../knex';
import { readQueueHead } from '../queue-head';
import { whereOwnerInScope, type Viewer } from './data-scope';

export type ClueStatus = 'pending' | 'waiting' | 'assigned' | 'followed' | 'pool' | 'closed';

export interface ClueRow {
  id: string;
  partner_id: string | null;
  business_id: string | null;
  link_man_name: string;
  link_man_tel: string;
  phone_normalized: string;
  email: string | null;
  address: string | null;
  wechat: string | null;
  remark: string | null;
  source: number | null;
  from_page: string | null;
  land_page: string | null;
  submit_page: string | null;
  device: string | null;
  tag: string | null;
  se: string | null;
  chat: string | null;
  status: ClueStatus;
  /** held: an imported clue its import has not handed to distribution yet (see clue-imports). */
  distribution_state: 'pending' | 'started' | 'held';
  dispatch_attempts: number;
  last_dispatch_error: string | null;
  distribution_started_at: Date | null;
  policy_id: string | null;
  owner_userid: string | null;
  owner_name: string | null;
  assigned_at: Date | null;
  assignment_seq: number;
  first_follow_up_at: Date | null;
  waiting_reason: string | null;
  duplicate_of_clue_id: string | null;
  /** Set once a merge moved this clue into another (the survivor); the row stays readable. */
  merged_into_clue_id: string | null;
  merged_at: Date | null;
  receive_count: number;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

export interface ClueFields {
  linkManName: string;
  linkManTel: string;
  phoneNormalized: string;
  email: string | null;
  address: string | null;
  wechat: string | null;
  remark: string | null;
  source: number | null;
  fromPage: string | null;
  landPage: string | null;
  submitPage: string | null;
  device: string | null;
  tag: string | null;
  se: string | null;
  chat: string | null;
}

const COLUMNS: Array<[keyof ClueFields, string]> = [
  ['linkManName', 'link_man_name'],
  ['linkManTel', 'link_man_tel'],
  ['phoneNormalized', 'phone_normalized'],
  ['email', 'email'],
  ['address', 'address'],
  ['wechat', 'wechat'],
  ['remark', 'remark'],
  ['source', 'source'],
  ['fromPage', 'from_page'],
  ['landPage', 'land_page'],
  ['submitPage', 'submit_page'],
  ['device', 'device'],
  ['tag', 'tag'],
  ['se', 'se'],
  ['chat', 'chat'],
];

// Column types of the recordset the batch is read from (json_to_recordset needs them spelled out).
const COLUMN_TYPES: Record<string, string> = { source: 'integer' };

const FIELD_LIST = COLUMNS.map(([, c]) => c).join(', ');

/** The clue's field columns with their recordset types, for statements that read clues from json_to_recordset. */
export const CLUE_FIELD_COLUMNS: ReadonlyArray<{ column: string; type: string }> = COLUMNS.map(([, c]) => ({
  column: c,
  type: COLUMN_TYPES[c] ?? 'text',
}));

/** A clue's fields keyed by their columns. */
export function clueFieldRecord(fields: ClueFields): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, column] of COLUMNS) record[column] = fields[key];
  return record;
}

/*
 * A repeat updates its clue in place, or, when `skipHeld` and another transaction holds the row,
 * is queued in clue_intake_deferred (as is a repeat whose earlier repeats still wait there, so
 * they apply in order) to be applied once the row is free. Repeated rows are locked in id order
 * and new clues inserted in key order, so concurrent batches cannot deadlock. The clue table is
 * only reached through its indexes (a LATERAL ... LIMIT 1 per input row, = ANY of an array):
 * statistics lag a burst (and autovacuum may be off), and a plan that scans the table would make
 * every intake statement as slow as the table is large.
 */
const upsertSql = (skipHeld: boolean) => `
WITH input AS (
  SELECT * FROM json_to_recordset(?::json) AS r(
    partner_id bigint, business_id text, ${COLUMNS.map(([, c]) => `${c} ${COLUMN_TYPES[c] ?? 'text'}`).join(', ')}, actor text)
), known AS MATERIALIZED (
  SELECT c.id, i.partner_id, i.business_id
    FROM input i
   CROSS JOIN LATERAL (
     SELECT id FROM clue WHERE partner_id = i.partner_id AND business_id = i.business_id LIMIT 1
   ) c
), free AS MATERIALIZED (
  SELECT c.id FROM clue c WHERE c.id = ANY (ARRAY(SELECT id FROM known))
   ORDER BY c.id FOR NO KEY UPDATE${skipHeld ? ' SKIP LOCKED' : ''}
), held AS MATERIALIZED (
  SELECT k.id, k.partner_id, k.business_id FROM known k
   WHERE k.id NOT IN (SELECT id FROM free)
      OR EXISTS (SELECT 1 FROM clue_intake_deferred d WHERE d.clue_id = k.id)
), up AS (
  INSERT INTO clue (partner_id, business_id, ${FIELD_LIST}, cuser, muser)
  SELECT partner_id, business_id, ${FIELD_LIST}, actor, actor
    FROM input i
   WHERE NOT EXISTS (SELECT 1 FROM held h WHERE h.partner_id = i.partner_id AND h.business_id = i.business_id)
   ORDER BY partner_id, business_id
  ON CONFLICT (partner_id, business_id) DO UPDATE SET
    ${COLUMNS.map(([, c]) => `${c} = EXCLUDED.${c}`).join(', ')},
    receive_count = clue.receive_count + 1,
    mtime = now(),
    muser = EXCLUDED.muser
  RETURNING id, partner_id, business_id, muser, (xmax = 0) AS inserted
), ev AS (
  -- The first intake is the clue row itself (ctime, cuser); only repeats need an event row.
  INSERT INTO clue_event (clue_id, kind, cuser)
  SELECT id, 'intake_update', muser FROM up WHERE NOT inserted
), queued AS (
  INSERT INTO clue_intake_deferred (clue_id, ${FIELD_LIST}, cuser)
  SELECT h.id, ${COLUMNS.map(([, c]) => `i.${c}`).join(', ')}, i.actor
    FROM held h JOIN input i ON i.partner_id = h.partner_id AND i.business_id = h.business_id
), result AS (
  SELECT id, partner_id, business_id, inserted, false AS deferred FROM up
  UNION ALL
  SELECT id, partner_id, business_id, false, true FROM held
), receipt AS (
  INSERT INTO clue_intake_receipt (batch_key, results)
  SELECT ?::uuid, coalesce(jsonb_agg(jsonb_build_object(
    'id', r.id::text, 'partner_id', r.partner_id::text, 'business_id', r.business_id,
    'inserted', r.inserted, 'deferred', r.deferred)), '[]'::jsonb)
    FROM result r
)
SELECT * FROM result`;
const UPSERT_WAITING_SQL = upsertSql(false);
const UPSERT_SKIPPING_SQL = upsertSql(true);

export interface PartnerClueUpsert {
  partnerId: string;
  businessId: string;
  fields: ClueFields;
  actor: string;
}

export interface PartnerClueWritten {
  id: string;
  /** The businessId was new: this intake created the clue. */
  inserted: boolean;
  /** A repeat whose clue row was held elsewhere: stored, and applied to the clue once the row is free. */
  deferred: boolean;
}

/** Identifies a partner clue: what the unique index (partner_id, business_id) compares. */
export const partnerClueKey = (partnerId: string, businessId: string): string => `${partnerId}\u0000${businessId}`;

/**
 * Inserts each partner clue or, when the partner already sent its businessId, updates it in
 * place (or queues the update, see above) — one statement for the whole batch, so concurrent
 * retries of one businessId serialise on the unique index and exactly one of them reports
 * `inserted`. The batch's keys must be distinct. Resolves with one result per item, in the
 * items' order.
 */
export async function upsertPartnerClues(
  db: Executor,
  items: PartnerClueUpsert[],
  options: { skipHeld: boolean; batchKey: string },
): Promise<PartnerClueWritten[]> {
  const records = items.map((item) => {
    const record: Record<string, unknown> = {
      partner_id: item.partnerId,
      business_id: item.businessId,
      actor: item.actor,
    };
    for (const [key, column] of COLUMNS) record[column] = item.fields[key];
    return record;
  });
  // A named statement is parsed and planned once per connection: for this wide upsert that is
  // about half of PostgreSQL's work per statement.
  const result = await db
    .raw<{
      rows: Array<{ id: string; partner_id: string; business_id: string; inserted: boolean; deferred: boolean }>;
    }>(options.skipHeld ? UPSERT_SKIPPING_SQL : UPSERT_WAITING_SQL, [JSON.stringify(records), options.batchKey])
    .options({ name: options.skipHeld ? 'clue_partner_upsert_batch_skipping' : 'clue_partner_upsert_batch' });
  return resultsInItemOrder(items, result.rows);
}

interface WrittenRow {
  id: string;
  partner_id: string;
  business_id: string;
  inserted: boolean;
  deferred: boolean;
}

function resultsInItemOrder(items: PartnerClueUpsert[], rows: WrittenRow[]): PartnerClueWritten[] {
  const byKey = new Map(rows.map((row) => [partnerClueKey(row.partner_id, row.business_id), row]));
  return items.map((item) => {
    const row = byKey.get(partnerClueKey(item.partnerId, item.businessId));
    if (!row) throw new Error(`clue upsert returned no row for businessId ${item.businessId}`);
    return { id: row.id, inserted: row.inserted, deferred: row.deferred };
  });
}

/**
 * What the intake statement of `batchKey` answered, when it committed; undefined when it did not
 * (or its receipt has already been cleared, see clearIntakeReceipts).
 */
export async function findIntakeReceipt(
  db: Executor,
  items: PartnerClueUpsert[],
  batchKey: string,
): Promise<PartnerClueWritten[] | undefined> {
  const row = await db('clue_intake_receipt')
    .where({ batch_key: batchKey })
    .first<{ results: WrittenRow[] } | undefined>('results');
  if (!row) return undefined;
  return resultsInItemOrder(items, row.results);
}

/** Drops receipts older than `maxAgeSeconds`: they are read only right after a lost connection. */
export async function clearIntakeReceipts(db: Executor, maxAgeSeconds: number): Promise<number> {
  return db('clue_intake_receipt')
    .where('ctime', '<', db.raw(`now() - make_interval(secs => ?)`, [maxAgeSeconds]))
    .delete();
}

/*
 * Applies queued repeats to the clues whose rows are free now (a held row is skipped, never waited
 * for): the latest repeat's fields, one receive per repeat, one intake_update event per repeat at
 * the time it arrived.
 */
const APPLY_DEFERRED_SQL = `
WITH target AS MATERIALIZED (
  SELECT c.id FROM clue c
   WHERE c.id = ANY (ARRAY(SELECT DISTINCT clue_id FROM clue_intake_deferred ORDER BY clue_id LIMIT ?))
   ORDER BY c.id
     FOR NO KEY UPDATE SKIP LOCKED
), taken AS (
  DELETE FROM clue_intake_deferred d USING target t WHERE d.clue_id = t.id RETURNING d.*
), latest AS (
  SELECT DISTINCT ON (clue_id) * FROM taken ORDER BY clue_id, id DESC
), counts AS (
  SELECT clue_id, count(*)::int AS n FROM taken GROUP BY clue_id
), applied AS (
  UPDATE clue c
     SET ${COLUMNS.map(([, c]) => `${c} = l.${c}`).join(', ')},
         receive_count = c.receive_count + n.n, mtime = now(), muser = l.cuser
    FROM latest l JOIN counts n ON n.clue_id = l.clue_id
   WHERE c.id = l.clue_id
  RETURNING c.id
), ev AS (
  INSERT INTO clue_event (clue_id, kind, cuser, ctime)
  SELECT clue_id, 'intake_update', cuser, ctime FROM taken ORDER BY id
)
SELECT (SELECT count(*)::int FROM applied) AS applied,
       (SELECT count(DISTINCT clue_id)::int FROM clue_intake_deferred
         WHERE clue_id NOT IN (SELECT id FROM target)) AS waiting`;

/**
 * Applies the queued repeats of up to `limit` clues whose rows are free; `waiting` counts the
 * clues whose repeats are still queued (rows held elsewhere, or beyond the limit).
 */
export async function applyDeferredClueIntakes(
  db: Executor,
  limit: number,
): Promise<{ applied: number; waiting: number }> {
  const result = await db.raw<{ rows: Array<{ applied: number; waiting: number }> }>(APPLY_DEFERRED_SQL, [limit]);
  return { applied: result.rows[0]?.applied ?? 0, waiting: result.rows[0]?.waiting ?? 0 };
}

export async function findClueById(db: Executor, id: string): Promise<ClueRow | undefined> {
  return db<ClueRow>('clue').where({ id, is_del: 0 }).first();
}

/**
 * The clue when its owner is in the viewer's data scope (a pool clue has no owner: only scope all
 * sees it); `forUpdate` locks it for an edit.
 */
export async function findClueInScope(
  db: Executor,
  viewer: Viewer,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ClueRow | undefined> {
  const q = whereOwnerInScope(db('clue').where({ id, is_del: 0 }), viewer, 'owner_userid');
  if (options.forUpdate) q.forUpdate();
  return (await q.first()) as ClueRow | undefined;
}

export async function insertClueEvent(
  db: Executor,
  clueId: string,
  kind: string,
  detail: Record<string, unknown> | null,
  cuser: string | null,
): Promise<void> {
  await db('clue_event').insert({ clue_id: clueId, kind, detail: detail ? JSON.stringify(detail) : null, cuser });
}

/**
 * Clues whose distribution Temporal has not accepted yet, oldest first, with how long ago they
 * were committed. No row locks: two dispatchers starting the same workflow id is harmless, and
 * holding locks across calls to Temporal would block intake.
 */
export async function findPendingDistributions(
  db: Db,
  limit: number,
  olderThanMs: number,
): Promise<Array<{ id: string; business_id: string | null; age_ms: number }>> {
  return readQueueHead(db, async (trx) => {
    const result = await trx.raw<{ rows: Array<{ id: string; business_id: string | null; age_ms: number }> }>(
      `SELECT id, business_id, (extract(epoch FROM now() - ctime) * 1000)::float8 AS age_ms
         FROM clue
        WHERE distribution_state = 'pending' AND ctime <= now() - (? * interval '1 millisecond')
        ORDER BY id
        LIMIT ?`,
      [olderThanMs, limit],
    );
    return result.rows;
  });
}

/** Which of these clues have not been taken up by their workflow yet (status still pending). */
export async function stillPendingAmong(db: Executor, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = (await db('clue')
    .whereIn('id', [...ids])
    .andWhere({ status: 'pending' })
    .select(db.raw('id::text AS id'))) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

export async function markDistributionsStarted(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db('clue')
    .whereIn('id', ids)
    .andWhere('distribution_state', 'pending')
    .update({ distribution_state: 'started', distribution_started_at: db.fn.now() });
}

export async function recordDispatchFailure(db: Executor, ids: string[], message: string): Promise<void> {
  if (ids.length === 0) return;
  await db('clue')
    .whereIn('id', ids)
    .update({ dispatch_attempts: db.raw('dispatch_attempts + 1'), last_dispatch_error: message.slice(0, 500) });
}

/** A clue an admin entered by hand: no partner, no businessId. */
export interface ManualClueInsert {
  fields: ClueFields;
  duplicateOfClueId: string | null;
  /** 'started' when the caller starts the clue's workflow itself (a direct assignment). */
  distributionState: 'pending' | 'started';
  cuser: string;
}

export async function insertManualClue(db: Executor, clue: ManualClueInsert): Promise<ClueRow> {
  const record: Record<string, unknown> = {
    duplicate_of_clue_id: clue.duplicateOfClueId,
    distribution_state: clue.distributionState,
    distribution_started_at: clue.distributionState === 'started' ? db.fn.now() : null,
    cuser: clue.cuser,
    muser: clue.cuser,
  };
  for (const [key, column] of COLUMNS) record[column] = clue.fields[key];
  const [row] = (await db('clue').insert(record).returning('*')) as ClueRow[];
  return row!;
}

/** The earliest live clue with this normalised phone: what a new clue with the same phone is a duplicate of. */
export async function findEarliestClueWithPhone(db: Executor, phoneNormalized: string): Promise<string | undefined> {
  const row = await db('clue')
    .where({ phone_normalized: phoneNormalized, is_del: 0 })
    .whereNull('merged_into_clue_id')
    .orderBy('id')
    .first<{ id: string } | undefined>('id');
  return row?.id;
}

/** Hands a clue whose workflow could not be started by its caller to the dispatcher. */
export async function requeueDistribution(db: Executor, id: string, message: string): Promise<void> {
  await db('clue')
    .where({ id })
    .update({
      distribution_state: 'pending',
      distribution_started_at: null,
      last_dispatch_error: message.slice(0, 500),
    });
}
