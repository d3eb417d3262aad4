import { Readable } from 'node:stream';
import { generateImportWorkbook, type GeneratedWorkbook } from '../../bench/import-workbook';
import { ValidationError } from '../../src/domain/errors';
import { readSheetRows, type SheetRow } from '../../src/domain/clue-imports/read-sheet';
import { readSheetRowsInThread } from '../../src/domain/clue-imports/read-sheet-in-thread';

async function collect(rows: AsyncIterable<SheetRow>): Promise<SheetRow[]> {
  const out: SheetRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** Opens the bytes anew on each call, as the file store does, and counts the calls. */
function opener(bytes: Buffer): { open: () => Promise<Readable>; opened: () => number } {
  let count = 0;
  return {
    open: () => {
      count++;
      // Small chunks: the thread asks for many of them.
      return Promise.resolve(Readable.from(chunksOf(bytes, 16 * 1024)));
    },
    opened: () => count,
  };
}

function* chunksOf(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('readSheetRowsInThread', () => {
  let workbook: GeneratedWorkbook;
  let expected: SheetRow[];

  beforeAll(async () => {
    workbook = await generateImportWorkbook(1200);
    expected = await collect(readSheetRows(Readable.from(workbook.bytes)));
  });

  it('yields the same rows as the in-process reader, in order', async () => {
    const file = opener(workbook.bytes);
    const rows = await collect(readSheetRowsInThread(file.open, 2, { batchRows: 100 }));
    expect(rows).toHaveLength(1200);
    expect(rows).toEqual(expected);
    expect(file.opened()).toBe(1);
  });

  it('starts at fromRow', async () => {
    const rows = await collect(readSheetRowsInThread(opener(workbook.bytes).open, 1000));
    expect(rows[0]?.rowNumber).toBe(1000);
    expect(rows).toEqual(expected.filter((row) => row.rowNumber >= 1000));
  });

  it('stops the thread when the reader stops early', async () => {
    const rows: SheetRow[] = [];
    for await (const row of readSheetRowsInThread(opener(workbook.bytes).open, 2, { batchRows: 50 })) {
      rows.push(row);
      if (rows.length === 120) break;
    }
    expect(rows).toEqual(expected.slice(0, 120));
  });

  it('refuses what is not a workbook with the same validation error', async () => {
    const bytes = Buffer.from('PK\u0003\u0004 not really a zip file at all');
    const inProcess = await collect(readSheetRows(Readable.from(bytes))).catch((error: unknown) => error);
    const threaded = await collect(readSheetRowsInThread(opener(bytes).open, 2)).catch((error: unknown) => error);
    expect(inProcess).toBeInstanceOf(ValidationError);
    expect(threaded).toBeInstanceOf(ValidationError);
    expect((threaded as ValidationError).problems).toEqual((inProcess as ValidationError).problems);
  });

  it('goes on in this thread from the first row not yielded when the thread runs out of heap', async () => {
    const file = opener(workbook.bytes);
    const fallbacks: number[] = [];
    const rows = await collect(
      readSheetRowsInThread(file.open, 2, { heapMiB: 1, onFallback: (row) => fallbacks.push(row) }),
    );
    expect(rows).toEqual(expected);
    expect(fallbacks).toHaveLength(1);
    expect(file.opened()).toBe(2);
  });
});
