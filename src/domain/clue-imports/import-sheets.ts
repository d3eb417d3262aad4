import type { Executor } from '../../db/knex';
import { reportedImportRows, type ReportedImportRow } from '../../db/queries/clue-imports';
import { openChunkedSheet, openChunkedSheets, type SpreadsheetExport } from '../spreadsheet-export';
import { IMPORT_COLUMNS, templateHeader } from './import-columns';

const REPORT_CHUNK_ROWS = 1000;

/** What the duplicate row repeats, in the words of the report. */
export function duplicateReason(row: Pick<ReportedImportRow, 'duplicate_of_clue_id' | 'duplicate_of_row'>): string {
  return row.duplicate_of_row !== null
    ? `手机号与第 ${row.duplicate_of_row} 行重复（已关联线索 #${row.duplicate_of_clue_id}）`
    : `手机号与已有线索 #${row.duplicate_of_clue_id} 重复（已关联）`;
}

/** Why a failed row was refused: each bad column with its reason. */
export function failureReason(row: Pick<ReportedImportRow, 'problems'>): string {
  return (row.problems ?? []).map((p) => `${p.column}：${p.reason}`).join('；');
}

const cellColumns = IMPORT_COLUMNS.map((c) => ({ header: c.header, width: c.width }));
const cellsOf = (row: ReportedImportRow) => IMPORT_COLUMNS.map((_, i) => row.cells?.[i] || null);

/**
 * The error report of an import: sheet 错误行 holds every refused row as it was uploaded, with its
 * row number and reason; sheet 重复行 every row whose phone repeats an earlier clue (imported and
 * linked to it).
 */
export function openImportErrorReport(db: Executor, importId: string): Promise<SpreadsheetExport> {
  const read = (outcome: 'failed' | 'duplicate') => (afterRow: string, limit: number) =>
    reportedImportRows(db, importId, outcome, Number(afterRow), limit);
  return openChunkedSheets([
    {
      sheetName: '错误行',
      columns: [{ header: '行号', width: 8 }, ...cellColumns, { header: '错误原因', width: 60 }],
      readChunk: read('failed'),
      idOf: (row: ReportedImportRow) => String(row.row_number),
      cellsOf: (row: ReportedImportRow) => [row.row_number, ...cellsOf(row), failureReason(row)],
      chunkSize: REPORT_CHUNK_ROWS,
    },
    {
      sheetName: '重复行',
      columns: [
        { header: '行号', width: 8 },
        ...cellColumns,
        { header: '重复说明', width: 50 },
        { header: '导入的线索ID', width: 14 },
      ],
      readChunk: read('duplicate'),
      idOf: (row: ReportedImportRow) => String(row.row_number),
      cellsOf: (row: ReportedImportRow) => [row.row_number, ...cellsOf(row), duplicateReason(row), row.clue_id],
      chunkSize: REPORT_CHUNK_ROWS,
    },
  ]);
}

/** The import template: the header row only (a sample row would be imported by whoever forgets to delete it). */
export function openImportTemplate(): Promise<SpreadsheetExport> {
  return openChunkedSheet<never>({
    sheetName: '线索',
    columns: IMPORT_COLUMNS.map((c) => ({ header: templateHeader(c), width: c.width })),
    readChunk: () => Promise.resolve([]),
    idOf: () => '0',
    cellsOf: () => [],
    chunkSize: 1,
  });
}
