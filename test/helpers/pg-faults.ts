import type { Knex } from 'knex';
import type { Db } from '../../src/db/knex';
import { waitFor } from './wait';

export interface HeldLock {
  /** Backend pid of the connection holding the lock. */
  pid: number;
  release(): Promise<void>;
}

/** Runs `sql` in a transaction of its own and keeps that transaction (and the locks it took) open until `release`. */
export async function holdLock(db: Db, sql: string, bindings: Knex.RawBinding[] = []): Promise<HeldLock> {
  const trx = await db.transaction();
  try {
    const { rows } = await trx.raw<{ rows: Array<{ pid: number }> }>('SELECT pg_backend_pid() AS pid');
    await trx.raw(sql, bindings);
    return { pid: Number(rows[0]?.pid), release: () => trx.commit().then(() => undefined) };
  } catch (error) {
    await trx.rollback();
    throw error;
  }
}

/**
 * Backends of this database that wait, directly or behind other waiters, for a lock held by `pid`
 * (the second waiter for a row waits for the first one's tuple lock, not for the holder).
 */
export async function backendsBlockedBy(db: Db, pid: number): Promise<Array<{ pid: number; query: string }>> {
  const { rows } = await db.raw<{ rows: Array<{ pid: number; query: string }> }>(
    `WITH RECURSIVE waiting AS (
       SELECT pid, pg_blocking_pids(pid) AS blockers, query FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'
     ), blocked AS (
       SELECT pid, query FROM waiting WHERE ?::int = ANY (blockers)
        UNION
       SELECT w.pid, w.query FROM waiting w JOIN blocked b ON b.pid = ANY (w.blockers)
     )
     SELECT pid, query FROM blocked`,
    [pid],
  );
  return rows;
}

/** Resolves once at least `count` backends wait for a lock held by `pid`. */
export async function waitForBlockedBackends(db: Db, pid: number, count: number, what: string) {
  return waitFor(
    what,
    async () => {
      const blocked = await backendsBlockedBy(db, pid);
      return blocked.length >= count ? blocked : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 20 },
  );
}

/** Backends of this database waiting for a row or table lock while running a statement that matches `queryLike`. */
export async function countLockWaits(db: Db, queryLike: string): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ n: number }> }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE ?`,
    [queryLike],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Terminates (as a crashed connection would end) the backends of `applicationName` that are inside a
 * transaction or a statement whose text matches one of `queryLike`; resolves with how many were killed.
 */
export async function terminateBackends(
  db: Db,
  filter: { applicationName: string; queryLike: string[]; blockedBy?: number },
): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ n: number }> }>(
    `SELECT count(*)::int AS n FROM (
       SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = ? AND pid <> pg_backend_pid()
          AND state IN ('active', 'idle in transaction')
          AND query LIKE ANY (?::text[])
          AND (?::int IS NULL OR ?::int = ANY (pg_blocking_pids(pid)))
     ) killed`,
    [filter.applicationName, filter.queryLike, filter.blockedBy ?? null, filter.blockedBy ?? null],
  );
  return rows[0]?.n ?? 0;
}

/** Settles with the promise's outcome, or with 'pending' when it is still unsettled after `guardMs`. */
export async function outcomeWithin<T>(
  promise: Promise<T>,
  guardMs: number,
): Promise<{ value: T } | { error: unknown } | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), guardMs);
  });
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      guard,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
