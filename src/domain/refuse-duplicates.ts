import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import {
  ConflictError,
  sqlState,
  SQLSTATE_LOCK_NOT_AVAILABLE,
  SQLSTATE_UNIQUE_VIOLATION,
  UnavailableError,
} from './errors';

/**
 * "Refuse duplicates under concurrency", the one pattern for every save that checks a name (or
 * any natural key) is free and then creates it.
 *
 * - Where a unique index can say it (rows of one table), the index decides and
 *   `conflictOnUniqueViolation` turns its violation into a 409.
 * - Where it cannot (the key lives in WeCom until the answer is mirrored, or the check spans rows
 *   the write does not insert), `withKeyLocks` runs check and write in one transaction holding a
 *   transaction-scoped advisory lock per key: concurrent saves of one key take turns, and the
 *   second one's check sees what the first one wrote.
 */

/** Stable identity of a key, e.g. ['corp-tag-group-name', corpId, name]. */
export type UniqueKey = readonly string[];

/** Long enough for a WeCom round trip of the save that holds the key, short enough to answer. */
const KEY_LOCK_TIMEOUT = '15s';

/** Takes the keys' locks (in one order, so two savers never deadlock) until `trx` ends. */
export async function lockKeys(trx: Knex.Transaction, keys: readonly UniqueKey[]): Promise<void> {
  const ids = [...new Set(keys.map((key) => JSON.stringify(key)))].sort();
  await trx.raw(`SET LOCAL lock_timeout = '${KEY_LOCK_TIMEOUT}'`);
  for (const id of ids) await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [id]);
}

/** Runs `work` in a transaction that holds the locks of `keys`; a saver kept waiting too long gets a 503. */
export async function withKeyLocks<T>(
  db: Db,
  keys: readonly UniqueKey[],
  work: (trx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  try {
    return await db.transaction(async (trx) => {
      await lockKeys(trx, keys);
      return work(trx);
    });
  } catch (error) {
    if (sqlState(error) === SQLSTATE_LOCK_NOT_AVAILABLE) {
      throw new UnavailableError('another save of the same name is still running; retry', 'SAVE_IN_PROGRESS', 1);
    }
    throw error;
  }
}

/**
 * Runs a write; a unique-index violation becomes the ConflictError `conflicts` names for the
 * index (`fallback` for any other unique index).
 */
export async function conflictOnUniqueViolation<T>(
  write: () => Promise<T>,
  conflicts: Readonly<Record<string, () => ConflictError>>,
  fallback: () => ConflictError = () => new ConflictError('the change conflicts with an existing record'),
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (sqlState(error) !== SQLSTATE_UNIQUE_VIOLATION) throw error;
    const constraint = (error as { constraint?: unknown }).constraint;
    const conflict = typeof constraint === 'string' ? conflicts[constraint] : undefined;
    throw (conflict ?? fallback)();
  }
}
