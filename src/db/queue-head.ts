import type { Knex } from 'knex';
import type { Db } from './knex';

/**
 * Runs a read of the head of an outbox queue (a partial index on the pending rows, read in its
 * order with a LIMIT) so that it walks the index whatever the planner's statistics say.
 * Statistics lag a burst (autoanalyze runs a minute later at best, never with autovacuum off), and
 * with them the planner sorts the whole queue: 300 ms for 100,000 pending clues instead of under
 * 1 ms. The settings last only for this transaction.
 */
export async function readQueueHead<T>(db: Db, read: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await trx.raw("SELECT set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true)");
    return read(trx);
  });
}
