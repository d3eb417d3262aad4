import { Type } from '@sinclair/typebox';
import type { ClueImportRow, ReportedImportRow } from '../../../db/queries/clue-imports';
import { duplicateReason } from '../../../domain/clue-imports/import-sheets';

const NStr = Type.Union([Type.String(), Type.Null()]);
const NInt = Type.Union([Type.Integer(), Type.Null()]);
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** How many refused and duplicate rows an import's answer lists; the error report has them all. */
export const LISTED_ROWS = 200;

export const ImportProblemView = Type.Object({
  row: Type.Integer({ description: 'row number in the sheet (the header is row 1)' }),
  column: Type.String({ description: 'the column header, e.g. 手机号' }),
  field: Type.String({ description: 'the clue field of the column, e.g. linkManTel' }),
  reason: Type.String({ description: 'why the value was refused, in Chinese' }),
});

export const ImportDuplicateView = Type.Object({
  row: Type.Integer(),
  clueId: Type.String({ description: 'the clue imported from this row' }),
  duplicateOfClueId: Type.String({ description: 'the earliest clue with the same phone, linked' }),
  duplicateOfRow: NInt,
  reason: Type.String(),
});

export const ClueImportView = Type.Object({
  id: Type.String(),
  fileName: Type.String(),
  fileSize: Type.Integer(),
  mode: Type.String({ description: 'direct: imported within the upload request; workflow: importCluesWorkflow' }),
  status: Type.String({ description: 'running | done | failed' }),
  reused: Type.Boolean({ description: 'the same file was uploaded before: this is that import, nothing new stored' }),
  workflowId: NStr,
  rowsTotal: Type.Union([Type.Integer(), Type.Null()], { description: 'data rows of the file, once all are read' }),
  rowsDone: Type.Integer(),
  rowsOk: Type.Integer(),
  rowsFailed: Type.Integer(),
  rowsDuplicate: Type.Integer({ description: 'rows imported as clues linked to an earlier clue with their phone' }),
  rowsReleased: Type.Integer({ description: 'imported clues handed to distribution (workflow mode)' }),
  error: NStr,
  cuser: NStr,
  ctime: Type.String(),
  finishedAt: NStr,
  failures: Type.Array(ImportProblemView, { description: `refused rows' problems, of the first ${LISTED_ROWS} rows` }),
  duplicates: Type.Array(ImportDuplicateView, { description: `the first ${LISTED_ROWS} duplicate rows` }),
});

export function presentClueImport(
  row: ClueImportRow,
  reused: boolean,
  listed: { failed: ReportedImportRow[]; duplicate: ReportedImportRow[] },
) {
  return {
    id: row.id,
    fileName: row.file_name,
    fileSize: Number(row.file_size),
    mode: row.mode,
    status: row.status,
    reused,
    workflowId: row.workflow_id,
    rowsTotal: row.rows_total,
    rowsDone: row.rows_done,
    rowsOk: row.rows_ok,
    rowsFailed: row.rows_failed,
    rowsDuplicate: row.rows_duplicate,
    rowsReleased: row.mode === 'direct' ? row.rows_ok + row.rows_duplicate : row.rows_released,
    error: row.error,
    cuser: row.cuser,
    ctime: iso(row.ctime) as string,
    finishedAt: iso(row.finished_at),
    failures: listed.failed.flatMap((r) =>
      (r.problems ?? []).map((p) => ({ row: r.row_number, column: p.column, field: p.field, reason: p.reason })),
    ),
    duplicates: listed.duplicate.map((r) => ({
      row: r.row_number,
      clueId: r.clue_id ?? '',
      duplicateOfClueId: r.duplicate_of_clue_id ?? '',
      duplicateOfRow: r.duplicate_of_row,
      reason: duplicateReason(r),
    })),
  };
}
