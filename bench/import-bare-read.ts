/**
 * The baseline of bench/import.ts: reads every row of a spreadsheet with exceljs's streaming
 * reader and does nothing else. Run as its own process so its peak RSS is its own; prints one
 * JSON line: rows read, milliseconds, peak RSS in MiB.
 */
import { createReadStream } from 'node:fs';
import ExcelJS from 'exceljs';

async function main(file: string): Promise<void> {
  const started = performance.now();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(createReadStream(file), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  let rows = 0;
  let cells = 0;
  for await (const worksheet of reader) {
    for await (const row of worksheet) {
      // Touch every cell, as any importer must.
      cells += (row.values as unknown[]).length;
      rows++;
    }
    break;
  }
  const ms = performance.now() - started;
  console.log(JSON.stringify({ rows: rows - 1, cells, ms, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
}

main(process.argv[2] ?? '').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
