/**
 * Worker-thread side of readSheetRowsInThread: parses the workbook whose bytes the parent sends
 * on request and posts its rows back in batches, never more than READ_AHEAD_BATCHES ahead of
 * what the parent has taken. exceljs's garbage and its cache of the file's shared strings live in
 * this thread's small heap, which is freed whole when the thread ends.
 */
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { ValidationError } from '../errors';
import { readSheetRows, type SheetRow } from './read-sheet';
import { READ_AHEAD_BATCHES, type FromParent, type ThreadInput, type ToParent } from './read-sheet-messages';

if (!parentPort) throw new Error('read-sheet-thread runs as a worker thread only');
const port = parentPort;
const { fromRow, batchRows } = workerData as ThreadInput;
const post = (message: ToParent) => port.postMessage(message);

// Each _read asks the parent for one chunk; the next _read comes only after it was pushed.
const input = new Readable({ read: () => post({ t: 'pull' }) });
let credit = READ_AHEAD_BATCHES;
let wake: (() => void) | undefined;
port.on('message', (message: FromParent) => {
  switch (message.t) {
    case 'data':
      input.push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
      return;
    case 'end':
      input.push(null);
      return;
    case 'error':
      input.destroy(new Error(message.message));
      return;
    case 'ack':
      credit++;
      wake?.();
      return;
  }
});

async function flush(batch: SheetRow[]): Promise<void> {
  while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
  credit--;
  post({ t: 'rows', rows: batch });
}

async function main(): Promise<void> {
  let batch: SheetRow[] = [];
  try {
    for await (const row of readSheetRows(input, fromRow)) {
      batch.push(row);
      if (batch.length < batchRows) continue;
      await flush(batch);
      batch = [];
    }
    if (batch.length > 0) await flush(batch);
    post({ t: 'done' });
  } catch (error) {
    post(
      error instanceof ValidationError
        ? { t: 'failed', problems: error.problems }
        : { t: 'failed', message: error instanceof Error ? error.message : String(error) },
    );
  }
  port.close();
}

void main();
