import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { ValidationError } from '../errors';
import { columnOfHeader, IMPORT_COLUMNS } from './import-columns';

/** A data row of the sheet: its number as Excel shows it, and its cells in IMPORT_COLUMNS order ('' when empty). */
export interface SheetRow {
  rowNumber: number;
  cells: string[];
}

/** The header row is row 1; data starts below it. */
export const FIRST_DATA_ROW = 2;

/** The file is not an .xlsx workbook (checked by content, never by name). */
export const notXlsx = () =>
  ValidationError.field('file', 'must be an .xlsx workbook (Excel 2007 or later)', 'rule.xlsxFile');

const headerRowMissing = () =>
  ValidationError.field(
    'file',
    'must have the header row of the template in row 1 of its first worksheet',
    'rule.importHeaderRow',
  );

/** The text a cell shows, whatever exceljs made of it (number, rich text, hyperlink, formula result). */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(0) : String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const v = value as { richText?: Array<{ text: string }>; text?: unknown; result?: unknown };
    if (Array.isArray(v.richText))
      return v.richText
        .map((part) => part.text)
        .join('')
        .trim();
    if (v.text !== undefined) return cellText(v.text);
    if (v.result !== undefined) return cellText(v.result);
  }
  return '';
}

/** Sheet column number of each template column (0 when the sheet lacks it); refuses a sheet without the required ones. */
function headerMapping(values: unknown[]): number[] {
  const mapping = IMPORT_COLUMNS.map(() => 0);
  values.forEach((value, columnNumber) => {
    const column = columnOfHeader(cellText(value));
    const index = column ? IMPORT_COLUMNS.indexOf(column) : -1;
    if (index >= 0 && mapping[index] === 0) mapping[index] = columnNumber;
  });
  const missing = IMPORT_COLUMNS.filter((column, i) => column.required && mapping[i] === 0).map((c) => c.header);
  if (missing.length > 0) {
    throw ValidationError.field(
      'file',
      `lacks the required columns ${missing.join('、')} in its header row`,
      'rule.importColumnsMissing',
      { columns: missing.join('、') },
    );
  }
  return mapping;
}

/**
 * Streams the data rows of the first worksheet from `fromRow` on (rows before it are parsed and
 * skipped), with flat memory. Blank rows are skipped. Throws a ValidationError of `file` for a stream
 * that is not an .xlsx workbook or a header without the required columns; the input is destroyed when the
 * caller stops early.
 */
export async function* readSheetRows(input: Readable, fromRow = FIRST_DATA_ROW): AsyncGenerator<SheetRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  let sawSheet = false;
  try {
    for await (const worksheet of reader) {
      sawSheet = true;
      let mapping: number[] | undefined;
      for await (const row of worksheet) {
        const values = row.values as unknown[];
        if (!mapping) {
          if (row.number !== 1) throw headerRowMissing();
          mapping = headerMapping(values);
          continue;
        }
        if (row.number < fromRow) continue;
        const cells = mapping.map((columnNumber) => (columnNumber === 0 ? '' : cellText(values[columnNumber])));
        if (cells.every((cell) => cell === '')) continue;
        yield { rowNumber: row.number, cells };
      }
      if (!mapping) throw headerRowMissing();
      return;
    }
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw notXlsx();
  } finally {
    input.destroy();
  }
  if (!sawSheet) throw headerRowMissing();
}
