import type { Executor } from '../knex';

/**
 * Small shapes every corp-scoped table shares (corp_id, id, is_del, mtime/muser): one place for
 * the edits admins make to mirror and local rows, so each table module keeps only what is its own.
 */

/** A LIKE pattern matching `text` anywhere, with LIKE's own wildcards in `text` taken literally. */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, '\\$&')}%`;

/** Updates one row of the corp by id, stamping who changed it and when; undefined when the corp has no such row. */
export async function updateCorpRow<Row>(
  db: Executor,
  table: string,
  corpId: string,
  id: string,
  values: object,
  actor: string,
): Promise<Row | undefined> {
  const [row] = (await db(table)
    .where({ corp_id: corpId, id })
    .update({ ...values, muser: actor, mtime: db.fn.now() })
    .returning('*')) as Row[];
  return row;
}

/** Soft-deletes the corp's live rows whose `column` is one of `values`; returns the ids it deleted. */
export async function softDeleteCorpRows(
  db: Executor,
  table: string,
  corpId: string,
  column: string,
  values: readonly string[],
  actor: string,
): Promise<string[]> {
  if (values.length === 0) return [];
  const rows: Array<{ id: string }> = await db(table)
    .where({ corp_id: corpId, is_del: 0 })
    .whereIn(column, [...values])
    .update({ is_del: 1, mtime: db.fn.now(), muser: actor })
    .returning('id');
  return rows.map((r) => r.id);
}

/** A fresh id of `table`'s bigserial, for a row whose generated fields (a state) need its id before it is written. */
export async function reserveRowId(db: Executor, table: string): Promise<string> {
  const result = await db.raw<{ rows: Array<{ id: string }> }>(
    "SELECT nextval(pg_get_serial_sequence(?, 'id'))::text AS id",
    [table],
  );
  const id = result.rows[0]?.id;
  if (!id) throw new Error(`no id from the sequence of ${table}`);
  return id;
}
