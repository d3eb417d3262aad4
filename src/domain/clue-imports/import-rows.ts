import type { Db } from '../../db/knex';
import {
  advanceClueImport,
  allocateClueIds,
  earliestCluesByPhone,
  findClueImportById,
  finishClueImport,
  insertImportedClues,
  insertImportRows,
  type ChunkCounts,
  type ClueImportRow,
  type ImportedClueInsert,
  type ImportRowInsert,
} from '../../db/queries/clue-imports';
import { CLUE_SOURCE_IMPORT, manualClueFields } from '../clues/create-clue';
import type { FileStore } from '../files/file-store';
import { normalizeChinaPhone } from '../phone';
import { headerOfField, IMPORT_COLUMNS, type ImportField } from './import-columns';
import { readSheetRows, type SheetRow } from './read-sheet';

/** A problem of one row's field, its reason in Chinese (what the error report shows). */
export interface RowProblem {
  field: string;
  reason: string;
}

/** Validates a row's fields with the rules of the collect API; [] when the row is valid. */
export type RowValidator = (record: Partial<Record<ImportField, string>>) => RowProblem[];

export interface ImportDeps {
  db: Db;
  files: FileStore;
  validateRow: RowValidator;
}

/** Rows committed per transaction: the checkpoint moves this far at a time. */
export const IMPORT_CHUNK_ROWS = 1000;

/** Thrown when an import cannot go on at all (its file is gone): retrying cannot help. */
export class ClueImportBrokenError extends Error {
  override readonly name = 'ClueImportBrokenError';
}

export interface SliceOptions {
  /** Stop after the chunk that ends past this time (ms since epoch); the import resumes from its checkpoint. */
  deadline?: number;
  /** 'held' leaves the clues to the import's paced release; 'pending' hands them to the outbox at once. */
  distributionState: 'pending' | 'held';
  /** Told after each committed chunk (an activity heartbeats here). */
  onChunk?(state: ClueImportRow): void;
  chunkRows?: number;
}

export interface SliceResult {
  finished: boolean;
  import: ClueImportRow;
}

function recordOf(cells: string[]): Partial<Record<ImportField, string>> {
  const record: Partial<Record<ImportField, string>> = {};
  IMPORT_COLUMNS.forEach((column, i) => {
    const cell = cells[i];
    if (cell) record[column.field] = cell;
  });
  return record;
}

/**
 * Writes one chunk in one transaction: its clues, its row outcomes and the checkpoint after it.
 * The import row is locked first and rows before its checkpoint are dropped, so two attempts of
 * the same slice (a worker thought dead) never store a row twice; (import, row) is also unique.
 */
async function writeChunk(
  deps: ImportDeps,
  importId: string,
  rows: SheetRow[],
  options: SliceOptions,
): Promise<ClueImportRow | undefined> {
  return deps.db.transaction(async (trx) => {
    const current = await findClueImportById(trx, importId, { forUpdate: true });
    if (!current || current.status !== 'running') return current;
    const todo = rows.filter((row) => row.rowNumber >= current.next_row);
    if (todo.length === 0) return current;

    const checked = todo.map((row) => {
      const record = recordOf(row.cells);
      const problems = deps.validateRow(record);
      const phone = problems.length === 0 ? normalizeChinaPhone(record.linkManTel ?? '') : null;
      return { row, record, problems, phone };
    });
    const phones = [...new Set(checked.flatMap((c) => (c.phone ? [c.phone] : [])))];
    const earlier = await earliestCluesByPhone(trx, importId, phones);
    const ids = await allocateClueIds(trx, checked.filter((c) => c.phone).length);

    const clues: ImportedClueInsert[] = [];
    const outcomes: ImportRowInsert[] = [];
    const counts: ChunkCounts = { ok: 0, failed: 0, duplicate: 0 };
    let nextId = 0;
    for (const { row, record, problems, phone } of checked) {
      if (!phone) {
        counts.failed++;
        const reasons = problems.length > 0 ? problems : [{ field: 'linkManTel', reason: '必须是中国大陆的电话号码' }];
        outcomes.push({
          rowNumber: row.rowNumber,
          outcome: 'failed',
          clueId: null,
          duplicateOfClueId: null,
          duplicateOfRow: null,
          problems: reasons.map((p) => ({ column: headerOfField(p.field), field: p.field, reason: p.reason })),
          cells: row.cells,
        });
        continue;
      }
      const id = ids[nextId++] as string;
      const first = earlier.get(phone);
      clues.push({
        id,
        rowNumber: row.rowNumber,
        fields: manualClueFields(
          { ...record, linkManName: record.linkManName ?? '', linkManTel: record.linkManTel ?? '' },
          phone,
          CLUE_SOURCE_IMPORT,
        ),
        duplicateOfClueId: first?.clueId ?? null,
      });
      if (first) counts.duplicate++;
      else {
        counts.ok++;
        // Later rows of this chunk with the same phone repeat this one.
        earlier.set(phone, { clueId: id, row: row.rowNumber });
      }
      outcomes.push({
        rowNumber: row.rowNumber,
        outcome: first ? 'duplicate' : 'ok',
        clueId: id,
        duplicateOfClueId: first?.clueId ?? null,
        duplicateOfRow: first?.row ?? null,
        problems: null,
        cells: first ? row.cells : null,
      });
    }
    await insertImportedClues(trx, importId, clues, {
      distributionState: options.distributionState,
      actor: current.cuser ?? 'system',
    });
    await insertImportRows(trx, importId, outcomes);
    const lastRow = todo[todo.length - 1]!.rowNumber;
    await advanceClueImport(trx, importId, lastRow + 1, counts);
    return findClueImportById(trx, importId);
  });
}

/**
 * Imports the rows of a running import from its checkpoint on: streams the stored file, validates
 * each row, commits chunk by chunk (the next chunk is read while the previous one is written) and,
 * on reaching the end, marks the import done. With a deadline it may stop earlier; calling it
 * again continues where the last committed chunk ended, also after a crash.
 */
export async function importRowsFromCheckpoint(
  deps: ImportDeps,
  importId: string,
  options: SliceOptions,
): Promise<SliceResult> {
  const start = await findClueImportById(deps.db, importId);
  if (!start) throw new ClueImportBrokenError(`clue import ${importId} does not exist`);
  if (start.status !== 'running') return { finished: true, import: start };
  const file = await deps.files.get(start.file_key);
  if (!file) throw new ClueImportBrokenError(`the file of clue import ${importId} is gone (${start.file_key})`);

  const chunkRows = options.chunkRows ?? IMPORT_CHUNK_ROWS;
  let latest: ClueImportRow = start;
  let writing: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  // The write in flight is awaited before the next starts; its error is kept until then.
  const write = (rows: SheetRow[]) =>
    writeChunk(deps, importId, rows, options).then(
      (state) => {
        if (state) latest = state;
        if (state && state.status !== 'running') stopped = true;
        options.onChunk?.(latest);
      },
      (error: unknown) => {
        failure = { error };
      },
    );
  const settle = async () => {
    await writing;
    writing = undefined;
    if (failure) throw failure.error;
  };

  let chunk: SheetRow[] = [];
  for await (const row of readSheetRows(file.body, start.next_row)) {
    chunk.push(row);
    if (chunk.length < chunkRows) continue;
    await settle();
    writing = write(chunk);
    chunk = [];
    if (stopped || (options.deadline !== undefined && Date.now() >= options.deadline)) {
      await settle();
      return { finished: stopped, import: latest };
    }
  }
  await settle();
  if (chunk.length > 0 && !stopped) {
    writing = write(chunk);
    await settle();
  }
  if (!stopped) {
    await finishClueImport(deps.db, importId, { status: 'done' });
    latest = (await findClueImportById(deps.db, importId)) ?? latest;
  }
  return { finished: true, import: latest };
}

/** Marks a running import failed (its file cannot be read on); rows committed so far stay. */
export async function failClueImport(db: Db, importId: string, error: string): Promise<void> {
  await finishClueImport(db, importId, { status: 'failed', error });
}
