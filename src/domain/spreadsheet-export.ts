import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** One sheet holds 1,048,576 rows, the header included. */
const MAX_SHEET_ROWS = 1_048_575;

/** An export whose first rows are already read: writing it can only fail while streaming. */
export interface SpreadsheetExport {
  /** Writes the workbook to `output` and ends it; resolves with the number of data rows written. */
  writeTo(output: Writable): Promise<number>;
}

export interface ChunkedSheet<Row> {
  sheetName: string;
  columns: ReadonlyArray<{ header: string; width: number }>;
  /** Rows with an id greater than `afterId`, in id order, at most `limit`. */
  readChunk(afterId: string, limit: number): Promise<Row[]>;
  idOf(row: Row): string;
  /** The row's cells in column order; null leaves a cell empty. */
  cellsOf(row: Row): Array<string | number | null>;
  chunkSize: number;
}

/** Resolves once `stream` can take more data (or is gone). */
function roomIn(stream: Writable): Promise<void> {
  if (!stream.writableNeedDrain || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}

/**
 * Prepares an .xlsx of rows read by keyset on id. The first chunk is read here, so a bad filter or
 * a database failure surfaces before any byte is sent; the rest is read chunk by chunk while the
 * workbook streams out, pausing while `output` is full and stopping when it is closed.
 */
export async function openChunkedSheet<Row>(sheet: ChunkedSheet<Row>): Promise<SpreadsheetExport> {
  return openChunkedSheets([sheet]);
}

/** A workbook of several sheets, written one after the other (see openChunkedSheet); counts the rows of all. */
export async function openChunkedSheets(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each sheet has its own row type
  sheets: ReadonlyArray<ChunkedSheet<any>>,
): Promise<SpreadsheetExport> {
  const first = await Promise.all(sheets.map((sheet) => sheet.readChunk('0', sheet.chunkSize)));
  return {
    async writeTo(output: Writable): Promise<number> {
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
        stream: output,
        useStyles: false,
        useSharedStrings: false,
      });
      let total = 0;
      for (const [index, sheet] of sheets.entries()) {
        const worksheet = workbook.addWorksheet(sheet.sheetName);
        worksheet.columns = sheet.columns.map((c) => ({ header: c.header, width: c.width }));
        let written = 0;
        let chunk: unknown[] = first[index] ?? [];
        while (chunk.length > 0) {
          for (const row of chunk.slice(0, MAX_SHEET_ROWS - written)) worksheet.addRow(sheet.cellsOf(row)).commit();
          written += Math.min(chunk.length, MAX_SHEET_ROWS - written);
          await roomIn(output);
          if (output.destroyed) return total + written;
          if (chunk.length < sheet.chunkSize || written >= MAX_SHEET_ROWS) break;
          chunk = await sheet.readChunk(sheet.idOf(chunk[chunk.length - 1]), sheet.chunkSize);
        }
        worksheet.commit();
        total += written;
      }
      await workbook.commit();
      return total;
    },
  };
}
