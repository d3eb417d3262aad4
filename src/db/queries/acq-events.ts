import type { Executor } from '../knex';

/** One applied `customer_acquisition` callback (see the migration). */
export interface AcqEventRow {
  id: string;
  corp_id: string;
  event_id: string;
  change_type: string;
  link_id: string | null;
  wecom_link_id: string | null;
  userid: string | null;
  external_userid: string | null;
  detail: Record<string, unknown> | null;
  occurred_at: Date;
  ctime: Date;
}

export type AcqEventInsert = Omit<AcqEventRow, 'id' | 'ctime'>;

/** Records the event once; false when this callback event was recorded before (its effect already happened). */
export async function recordAcqEvent(db: Executor, row: AcqEventInsert): Promise<boolean> {
  const inserted = (await db('acq_event')
    .insert({ ...row, detail: row.detail === null ? null : JSON.stringify(row.detail) })
    .onConflict('event_id')
    .ignore()
    .returning('id')) as Array<{ id: string }>;
  return inserted.length > 0;
}

/** The link (live, of the corp) a WeCom link_id belongs to: its own acquisition link or one of its rules'. */
export async function findLinkOfWecomLink(
  db: Executor,
  corpId: string,
  wecomLinkId: string,
): Promise<{ id: string; status: number; ruleUserId: string | null } | undefined> {
  const { rows } = (await db.raw(
    `SELECT l.id::text AS id, l.status, NULL AS rule_user_id
       FROM acq_link l
      WHERE l.corp_id = ? AND l.wecom_link_id = ? AND l.is_del = 0
     UNION ALL
     SELECT l.id::text, l.status, r.user_id
       FROM acq_link_rule r JOIN acq_link l ON l.id = r.link_id
      WHERE r.corp_id = ? AND r.config_link_id = ? AND r.wecom_kind = 'link' AND r.is_del = 0 AND l.is_del = 0
      LIMIT 1`,
    [corpId, wecomLinkId, corpId, wecomLinkId],
  )) as { rows: Array<{ id: string; status: number; rule_user_id: string | null }> };
  const row = rows[0];
  return row && { id: row.id, status: row.status, ruleUserId: row.rule_user_id };
}

/** A published link becomes abnormal (status 2) with the reason; a draft or a link already abnormal is left alone. */
export async function markAcqLinkAbnormal(db: Executor, linkId: string, reason: string): Promise<boolean> {
  const changed = await db('acq_link')
    .where({ id: linkId, status: 1 })
    .update({ status: 2, status_reason: reason, mtime: db.fn.now() });
  return changed > 0;
}

export async function countAcqLinkProfileOpen(db: Executor, linkId: string): Promise<void> {
  await db('acq_link').where({ id: linkId }).increment('open_profile_count', 1);
}

/** The corp's latest acquisition events of the given kinds, newest first. */
export async function listAcqEvents(
  db: Executor,
  corpId: string,
  changeTypes: readonly string[],
  limit: number,
): Promise<AcqEventRow[]> {
  return db<AcqEventRow>('acq_event')
    .where({ corp_id: corpId })
    .whereIn('change_type', [...changeTypes])
    .orderBy([
      { column: 'occurred_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
}
