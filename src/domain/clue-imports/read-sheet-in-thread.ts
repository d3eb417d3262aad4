import path from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { ValidationError } from '../errors';
import { readSheetRows, type SheetRow } from './read-sheet';
import type { FromParent, ThreadInput, ToParent } from './read-sheet-messages';

/** Opens the stored file (again, for a fallback read after the thread ran out of memory). */
export type OpenFile = () => Promise<Readable>;

export interface ThreadedReadOptions {
  /** Old-generation heap of the thread, MiB. */
  heapMiB?: number;
  batchRows?: number;
  /** Told when the thread ran out of heap and the read goes on in this thread. */
  onFallback?(fromRow: number): void;
}

/**
 * A heap for the file's shared strings (tens of MiB for a 50,000-row sheet) and exceljs's parsing,
 * small enough that V8 collects early instead of growing towards the process's multi-GiB limit.
 */
export const SHEET_THREAD_HEAP_MIB = 96;
const SHEET_THREAD_YOUNG_MIB = 8;
const BATCH_ROWS = 500;

/**
 * The thread's script. A worker thread's entry file cannot be TypeScript, even under tsx: when the
 * sources run as they are, the thread registers tsx's require hook and then requires the entry.
 */
function threadScript(): { script: string; eval: boolean } {
  const entry = path.join(__dirname, `read-sheet-thread${path.extname(__filename)}`);
  if (!entry.endsWith('.ts')) return { script: entry, eval: false };
  const hook = require.resolve('tsx/cjs');
  return { script: `require(${JSON.stringify(hook)}); require(${JSON.stringify(entry)});`, eval: true };
}

interface ThreadState {
  batches: SheetRow[][];
  done: boolean;
  failure?: Error;
  outOfMemory: boolean;
  wake?: () => void;
}

/** Feeds the thread the file's bytes one chunk per request. */
function serveInput(thread: Worker, source: Readable): (message: ToParent) => void {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const send = (message: FromParent, transfer: ArrayBuffer[] = []) => {
    try {
      thread.postMessage(message, transfer);
    } catch {
      // the thread is gone; its exit is handled where the rows are read
    }
  };
  return (message) => {
    if (message.t !== 'pull') return;
    chunks.next().then(
      ({ done, value }) => {
        if (done) return send({ t: 'end' });
        // A copy the thread owns: the stream's buffer may be a slice of a pooled one.
        const chunk = new Uint8Array(value);
        send({ t: 'data', chunk }, [chunk.buffer as ArrayBuffer]);
      },
      (error: unknown) => send({ t: 'error', message: error instanceof Error ? error.message : String(error) }),
    );
  };
}

/**
 * readSheetRows in a worker thread with a small heap of its own: the same rows, in order, with the
 * same errors. Should the file need more than that heap, the read goes on in this thread from the
 * first row not yet yielded.
 */
export async function* readSheetRowsInThread(
  open: OpenFile,
  fromRow: number,
  options: ThreadedReadOptions = {},
): AsyncGenerator<SheetRow> {
  const source = await open();
  const input: ThreadInput = { fromRow, batchRows: options.batchRows ?? BATCH_ROWS };
  const { script, eval: isCode } = threadScript();
  const thread = new Worker(script, {
    eval: isCode,
    workerData: input,
    resourceLimits: {
      maxOldGenerationSizeMb: options.heapMiB ?? SHEET_THREAD_HEAP_MIB,
      maxYoungGenerationSizeMb: SHEET_THREAD_YOUNG_MIB,
    },
  });
  const state: ThreadState = { batches: [], done: false, outOfMemory: false };
  const notify = () => {
    state.wake?.();
    state.wake = undefined;
  };
  const serve = serveInput(thread, source);
  thread.on('message', (message: ToParent) => {
    if (message.t === 'pull') return serve(message);
    if (message.t === 'rows') state.batches.push(message.rows);
    else if (message.t === 'done') state.done = true;
    else if (message.t === 'failed') {
      state.failure = message.problems
        ? new ValidationError(message.problems)
        : new Error(message.message ?? 'reading the sheet failed');
    }
    notify();
  });
  thread.on('error', (error: Error & { code?: string }) => {
    if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') state.outOfMemory = true;
    else state.failure ??= error;
    notify();
  });
  thread.on('exit', (code) => {
    if (!state.done && !state.failure && !state.outOfMemory) {
      state.failure = new Error(`the sheet-reading thread exited (code ${code}) before the end of the sheet`);
    }
    notify();
  });

  let nextRow = fromRow;
  try {
    for (;;) {
      const batch = state.batches.shift();
      if (batch) {
        try {
          thread.postMessage({ t: 'ack' } satisfies FromParent);
        } catch {
          // the thread has already ended; its remaining batches are here
        }
        for (const row of batch) {
          nextRow = row.rowNumber + 1;
          yield row;
        }
        continue;
      }
      if (state.done) return;
      if (state.failure) throw state.failure;
      if (state.outOfMemory) break;
      await new Promise<void>((resolve) => (state.wake = resolve));
    }
  } finally {
    source.destroy();
    await thread.terminate();
  }
  options.onFallback?.(nextRow);
  yield* readSheetRows(await open(), nextRow);
}
