import type { FieldProblem } from '../errors';
import type { SheetRow } from './read-sheet';

/** What the reading thread starts with. */
export interface ThreadInput {
  fromRow: number;
  batchRows: number;
}

/** Batches the thread may post before the parent takes one: parsing runs ahead of the writes, a little. */
export const READ_AHEAD_BATCHES = 2;

/** Parent → thread: the file's bytes on request, and a credit for each batch of rows taken. */
export type FromParent =
  { t: 'data'; chunk: Uint8Array } | { t: 'end' } | { t: 'error'; message: string } | { t: 'ack' };

/** Thread → parent. `failed` carries a ValidationError's problems, or the message of anything else. */
export type ToParent =
  | { t: 'pull' }
  | { t: 'rows'; rows: SheetRow[] }
  | { t: 'done' }
  | { t: 'failed'; problems?: FieldProblem[]; message?: string };
