import type { Executor } from '../knex';

/** What one batch of mirrored rows did to the table. */
export interface UpsertCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export const noCounts = (): UpsertCounts => ({ created: 0, updated: 0, unchanged: 0 });

export function addCounts(a: UpsertCounts, b: UpsertCounts): UpsertCounts {
  return { created: a.created + b.created, updated: a.updated + b.updated, unchanged: a.unchanged + b.unchanged };
}

/**
 * PostgreSQL's wire protocol counts a statement's bind parameters in 16 bits (65,535 at most); a
 * batch stays well under it, so a large corp's employees (6,000 at 300,000 customers, 22 values
 * each) go in several statements rather than failing.
 */
export const MAX_BIND_PARAMETERS = 30_000;

/** `rows` in consecutive slices of at most `maxParameters / columns` rows, order kept. */
export function inParameterBatches<T>(rows: readonly T[], columns: number, maxParameters = MAX_BIND_PARAMETERS): T[][] {
  const size = Math.max(1, Math.floor(maxParameters / Math.max(1, columns)));
  const batches: T[][] = [];
  for (let i = 0; i < rows.length; i += size) batches.push(rows.slice(i, i + size));
  return batches;
}

export interface MirrorUpsertOptions {
  /** Full-sync run that saw these rows (reconciliation marks the rows it did not see). */
  syncRunId?: string;
  /** Bump mtime even when nothing changed: a callback's fresh read, which a running sync must not reconcile away. */
  touch?: boolean;
  actor?: string;
  /** Columns that only ever move earlier (the stored and the new value's LEAST); not counted as a change. */
  earliest?: readonly string[];
}

/**
 * Inserts or updates rows mirrored from WeCom, keyed by `conflict`. A row whose mirrored fields
 * are unchanged keeps its mtime (a second identical sync changes nothing); a row that was
 * soft-deleted comes back. A row with nothing new is not written at all, which spares PostgreSQL
 * a dead row version per repeated sighting (a customer shows up once per employee who follows it).
 * Every row must carry the same keys.
 */
export async function upsertMirrorRows(
  db: Executor,
  table: string,
  conflict: readonly string[],
  rows: ReadonlyArray<Record<string, unknown>>,
  options: MirrorUpsertOptions = {},
): Promise<UpsertCounts> {
  const counts = noCounts();
  // One statement may not touch a row twice: the last occurrence of a key wins.
  const byKey = new Map<string, Record<string, unknown>>();
  for (const row of rows) byKey.set(JSON.stringify(conflict.map((column) => row[column])), row);
  rows = [...byKey.values()];
  if (rows.length === 0) return counts;
  const first = rows[0] as Record<string, unknown>;
  const earliest = options.earliest ?? [];
  const fields = Object.keys(first).filter((key) => !conflict.includes(key) && !earliest.includes(key));
  const actor = options.actor ?? 'wecom-sync';
  const values = rows.map((row) => ({
    ...row,
    seen_sync_run: options.syncRunId ?? null,
    is_del: 0,
    del_time: null,
    cuser: actor,
    muser: actor,
  }));
  const existing = (column: string) => `"${table}"."${column}"`;
  const changedTest = `(${[...fields.map(existing), existing('is_del')].join(', ')}) IS DISTINCT FROM (${[
    ...fields.map((f) => `EXCLUDED."${f}"`),
    '0',
  ].join(', ')})`;
  const merge: Record<string, unknown> = {};
  for (const field of fields) merge[field] = db.raw('??', [`excluded.${field}`]);
  for (const column of earliest) merge[column] = db.raw(`LEAST(${existing(column)}, EXCLUDED."${column}")`);
  merge['is_del'] = 0;
  merge['del_time'] = null;
  merge['seen_sync_run'] = db.raw(`COALESCE(EXCLUDED.seen_sync_run, ${existing('seen_sync_run')})`);
  const worthWriting = [
    changedTest,
    `EXCLUDED.seen_sync_run IS NOT NULL AND EXCLUDED.seen_sync_run IS DISTINCT FROM ${existing('seen_sync_run')}`,
    ...earliest.map(
      (column) =>
        `EXCLUDED."${column}" < ${existing(column)} OR (${existing(column)} IS NULL AND EXCLUDED."${column}" IS NOT NULL)`,
    ),
  ];
  merge['muser'] = db.raw(`CASE WHEN ${changedTest} THEN EXCLUDED.muser ELSE ${existing('muser')} END`);
  merge['mtime'] = options.touch
    ? db.raw('now()')
    : db.raw(`CASE WHEN ${changedTest} THEN now() ELSE ${existing('mtime')} END`);

  const returning = [db.raw('(xmax = 0) AS inserted'), db.raw('(mtime = now()) AS changed')];
  // Statements of one call run in key order, as one statement would lock the rows.
  for (const batch of inParameterBatches(values, Object.keys(values[0] as object).length)) {
    const upsert = db(table)
      .insert(batch)
      .onConflict([...conflict])
      .merge(merge);
    if (!options.touch) upsert.whereRaw(worthWriting.map((test) => `(${test})`).join(' OR '));
    const result = (await upsert.returning(returning)) as Array<{ inserted: boolean; changed: boolean }>;
    for (const row of result) {
      if (row.inserted) counts.created++;
      else if (row.changed) counts.updated++;
    }
  }
  // Rows not returned were left as they were.
  counts.unchanged = rows.length - counts.created - counts.updated;
  return counts;
}
