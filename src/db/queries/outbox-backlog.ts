import type { Executor } from '../knex';

/** Rows of both outboxes still waiting for their workflow to start (each count reads a partial index). */
export async function countPendingOutboxRows(db: Executor): Promise<{ distributions: number; wecomEvents: number }> {
  const result = await db.raw<{ rows: Array<{ distributions: number; wecom_events: number }> }>(
    `SELECT (SELECT count(*)::int FROM clue WHERE distribution_state = 'pending') AS distributions,
            (SELECT count(*)::int FROM wecom_callback_event WHERE status = 'pending') AS wecom_events`,
  );
  const row = result.rows[0];
  return { distributions: row?.distributions ?? 0, wecomEvents: row?.wecom_events ?? 0 };
}
