import type { Executor } from '../knex';
import { CLUE_FIELD_COLUMNS, clueFieldRecord, type ClueFields } from './clues';

export type ClueImportStatus = 'running' | 'done' | 'failed';
export type ClueImportMode = 'direct' | 'workflow';
export type ImportRowOutcome = 'ok' | 'failed' | 'duplicate';

export interface ClueImportRow {
  id: string;
  content_sha256: string;
  file_key: string;
  file_name: string;
  file_size: string;
  mode: ClueImportMode;
  status: ClueImportStatus;
  workflow_id: string | null;
  rows_total: number | null;
  next_row: number;
  rows_done: number;
  rows_ok: number;
  rows_failed: number;
  rows_duplicate: number;
  released_through_row: number;
  rows_released: number;
  error: string | null;
  finished_at: Date | null;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
}

export interface ClueImportInsert {
  contentSha256: string;
  fileKey: string;
  fileName: string;
  fileSize: number;
  mode: ClueImportMode;
  workflowId: string | null;
  cuser: string;
}

/** Inserts the import, or answers undefined when an import of the same content exists (a concurrent upload). */
export async function insertClueImport(db: Executor, row: ClueImportInsert): Promise<ClueImportRow | undefined> {
  const result = await db.raw<{ rows: ClueImportRow[] }>(
    `INSERT INTO clue_import (content_sha256, file_key, file_name, file_size, mode, workflow_id, cuser)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (content_sha256) DO NOTHING RETURNING *`,
    [row.contentSha256, row.fileKey, row.fileName, row.fileSize, row.mode, row.workflowId, row.cuser],
  );
  return result.rows[0];
}

export async function setClueImportWorkflow(db: Executor, id: string, workflowId: string): Promise<void> {
  await db('clue_import').where({ id }).update({ workflow_id: workflowId, mode: 'workflow' });
}

export async function deleteClueImport(db: Executor, id: string): Promise<void> {
  await db('clue_import_row').where({ import_id: id }).delete();
  await db('clue_import').where({ id }).delete();
}

export async function findClueImportById(
  db: Executor,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ClueImportRow | undefined> {
  const q = db<ClueImportRow>('clue_import').where({ id });
  if (options.forUpdate) q.forUpdate();
  return q.first();
}

export async function findClueImportByHash(db: Executor, sha256: string): Promise<ClueImportRow | undefined> {
  return db<ClueImportRow>('clue_import').where({ content_sha256: sha256 }).first();
}

/** The earliest live clue of each phone, and its row when it came from import `importId`. */
export async function earliestCluesByPhone(
  db: Executor,
  importId: string,
  phones: string[],
): Promise<Map<string, { clueId: string; row: number | null }>> {
  const found = new Map<string, { clueId: string; row: number | null }>();
  if (phones.length === 0) return found;
  const result = await db.raw<{ rows: Array<{ phone_normalized: string; id: string; row_number: number | null }> }>(
    // A clue comes from at most one import row: the probe reads the clue_id index alone, whatever
    // the statistics of a table that grows by a chunk at a time say.
    `SELECT c.phone_normalized, c.id, CASE WHEN r.import_id = ? THEN r.row_number END AS row_number
       FROM unnest(?::text[]) AS p(phone)
      CROSS JOIN LATERAL (
        SELECT id, phone_normalized FROM clue WHERE phone_normalized = p.phone AND is_del = 0 ORDER BY id LIMIT 1
      ) c
       LEFT JOIN LATERAL (
        SELECT import_id, row_number FROM clue_import_row WHERE clue_id = c.id LIMIT 1
      ) r ON true`,
    [importId, phones],
  );
  for (const row of result.rows) found.set(row.phone_normalized, { clueId: row.id, row: row.row_number });
  return found;
}

/** `count` fresh clue ids, in ascending order. */
export async function allocateClueIds(db: Executor, count: number): Promise<string[]> {
  if (count === 0) return [];
  const result = await db.raw<{ rows: Array<{ id: string }> }>(
    `SELECT nextval(pg_get_serial_sequence('clue', 'id'))::text AS id FROM generate_series(1, ?)`,
    [count],
  );
  return result.rows.map((r) => r.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
}

export interface ImportedClueInsert {
  id: string;
  rowNumber: number;
  fields: ClueFields;
  duplicateOfClueId: string | null;
}

const columnList = CLUE_FIELD_COLUMNS.map((c) => c.column).join(', ');
/*
 * The chunk's clues, each with its 'imported' event (and 'duplicate_detected' when it repeats an
 * earlier clue's phone, as a clue entered by hand gets), in one statement.
 */
const INSERT_IMPORTED_SQL = `
WITH input AS (
  SELECT * FROM json_to_recordset(?::json) AS r(
    id bigint, row_number integer, duplicate_of_clue_id bigint,
    ${CLUE_FIELD_COLUMNS.map((c) => `${c.column} ${c.type}`).join(', ')})
), ins AS (
  INSERT INTO clue (id, ${columnList}, duplicate_of_clue_id, distribution_state, cuser, muser)
  SELECT id, ${columnList}, duplicate_of_clue_id, ?, ?, ? FROM input ORDER BY id
  RETURNING id
), ev AS (
  INSERT INTO clue_event (clue_id, kind, detail, cuser)
  SELECT id, 'imported', jsonb_build_object('importId', ?::text, 'row', row_number), ? FROM input ORDER BY id
), dup AS (
  INSERT INTO clue_event (clue_id, kind, detail, cuser)
  SELECT id, 'duplicate_detected', jsonb_build_object('duplicateOfClueId', duplicate_of_clue_id::text), NULL
    FROM input WHERE duplicate_of_clue_id IS NOT NULL ORDER BY id
)
SELECT count(*)::int AS n FROM ins`;

export async function insertImportedClues(
  db: Executor,
  importId: string,
  clues: ImportedClueInsert[],
  options: { distributionState: 'pending' | 'held'; actor: string },
): Promise<number> {
  if (clues.length === 0) return 0;
  const records = clues.map((c) => ({
    id: c.id,
    row_number: c.rowNumber,
    duplicate_of_clue_id: c.duplicateOfClueId,
    ...clueFieldRecord(c.fields),
  }));
  const result = await db
    .raw<{ rows: Array<{ n: number }> }>(INSERT_IMPORTED_SQL, [
      JSON.stringify(records),
      options.distributionState,
      options.actor,
      options.actor,
      importId,
      options.actor,
    ])
    .options({ name: 'clue_import_insert_clues' });
  return result.rows[0]?.n ?? 0;
}

export interface ImportRowInsert {
  rowNumber: number;
  outcome: ImportRowOutcome;
  clueId: string | null;
  duplicateOfClueId: string | null;
  duplicateOfRow: number | null;
  problems: Array<{ column: string; field: string; reason: string }> | null;
  cells: string[] | null;
}

export async function insertImportRows(db: Executor, importId: string, rows: ImportRowInsert[]): Promise<void> {
  if (rows.length === 0) return;
  const records = rows.map((r) => ({
    row_number: r.rowNumber,
    outcome: r.outcome,
    clue_id: r.clueId,
    duplicate_of_clue_id: r.duplicateOfClueId,
    duplicate_of_row: r.duplicateOfRow,
    problems: r.problems,
    cells: r.cells,
  }));
  await db
    .raw(
      `INSERT INTO clue_import_row
         (import_id, row_number, outcome, clue_id, duplicate_of_clue_id, duplicate_of_row, problems, cells)
       SELECT ?, row_number, outcome, clue_id, duplicate_of_clue_id, duplicate_of_row, problems, cells
         FROM json_to_recordset(?::json) AS r(row_number integer, outcome text, clue_id bigint,
              duplicate_of_clue_id bigint, duplicate_of_row integer, problems jsonb, cells jsonb)`,
      [importId, JSON.stringify(records)],
    )
    .options({ name: 'clue_import_insert_rows' });
}

export interface ChunkCounts {
  ok: number;
  failed: number;
  duplicate: number;
}

/** Counts a committed chunk and moves the checkpoint past its last row. */
export async function advanceClueImport(db: Executor, id: string, nextRow: number, counts: ChunkCounts): Promise<void> {
  await db('clue_import')
    .where({ id })
    .update({
      next_row: nextRow,
      rows_done: db.raw('rows_done + ?', [counts.ok + counts.failed + counts.duplicate]),
      rows_ok: db.raw('rows_ok + ?', [counts.ok]),
      rows_failed: db.raw('rows_failed + ?', [counts.failed]),
      rows_duplicate: db.raw('rows_duplicate + ?', [counts.duplicate]),
      mtime: db.fn.now(),
    });
}

export async function finishClueImport(
  db: Executor,
  id: string,
  outcome: { status: 'done' } | { status: 'failed'; error: string },
): Promise<void> {
  await db('clue_import')
    .where({ id, status: 'running' })
    .update({
      status: outcome.status,
      error: outcome.status === 'failed' ? outcome.error.slice(0, 1000) : null,
      rows_total: db.raw('rows_done'),
      finished_at: db.fn.now(),
      mtime: db.fn.now(),
    });
}

export interface ReportedImportRow {
  row_number: number;
  outcome: ImportRowOutcome;
  clue_id: string | null;
  duplicate_of_clue_id: string | null;
  duplicate_of_row: number | null;
  problems: Array<{ column: string; field: string; reason: string }> | null;
  cells: string[] | null;
}

/** Failed or duplicate rows of an import after `afterRow`, in row order. */
export async function reportedImportRows(
  db: Executor,
  importId: string,
  outcome: 'failed' | 'duplicate',
  afterRow: number,
  limit: number,
): Promise<ReportedImportRow[]> {
  return db('clue_import_row')
    .where({ import_id: importId, outcome })
    .andWhere('row_number', '>', afterRow)
    .orderBy('row_number')
    .limit(limit)
    .select('row_number', 'outcome', 'clue_id', 'duplicate_of_clue_id', 'duplicate_of_row', 'problems', 'cells');
}

/** Clues waiting to be distributed (not yet taken by their workflow) that were not held back by an import. */
export async function countDistributionBacklog(db: Executor, cap: number): Promise<number> {
  const result = await db.raw<{ rows: Array<{ n: number }> }>(
    `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM clue WHERE status = 'pending' AND distribution_state <> 'held' AND is_del = 0 LIMIT ?
     ) b`,
    [cap],
  );
  return result.rows[0]?.n ?? 0;
}

/**
 * Hands the next `limit` held clues of the import (in row order) to the distribution outbox and
 * moves the release checkpoint; `more` says whether rows are left after them.
 */
export async function releaseImportedClues(
  db: Executor,
  importId: string,
  afterRow: number,
  limit: number,
): Promise<{ throughRow: number | null; released: number; more: boolean }> {
  const result = await db.raw<{ rows: Array<{ through_row: number | null; released: number; more: boolean }> }>(
    `WITH next AS MATERIALIZED (
       SELECT row_number, clue_id FROM clue_import_row
        WHERE import_id = ? AND row_number > ? AND clue_id IS NOT NULL
        ORDER BY row_number LIMIT ?
     ), upd AS (
       UPDATE clue c SET distribution_state = 'pending'
         FROM next WHERE c.id = next.clue_id AND c.distribution_state = 'held'
       RETURNING c.id
     )
     SELECT (SELECT max(row_number) FROM next) AS through_row,
            (SELECT count(*)::int FROM upd) AS released,
            EXISTS (SELECT 1 FROM clue_import_row r WHERE r.import_id = ? AND r.clue_id IS NOT NULL
                     AND r.row_number > coalesce((SELECT max(row_number) FROM next), ?)) AS more`,
    [importId, afterRow, limit, importId, afterRow],
  );
  const row = result.rows[0];
  return { throughRow: row?.through_row ?? null, released: row?.released ?? 0, more: row?.more ?? false };
}

export async function recordRelease(db: Executor, id: string, throughRow: number, released: number): Promise<void> {
  await db('clue_import')
    .where({ id })
    .update({ released_through_row: throughRow, rows_released: db.raw('rows_released + ?', [released]) });
}
