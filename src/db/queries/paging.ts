import type { Knex } from 'knex';

export interface PageWindow {
  /** 1-based. */
  pageNum: number;
  pageSize: number;
}

/**
 * The filtered query's total row count and one page of it. `shape` selects and orders the page;
 * its order must end on a unique column, or rows could repeat or vanish between pages.
 */
export async function readPage<Row>(
  filtered: Knex.QueryBuilder,
  window: PageWindow,
  shape: (query: Knex.QueryBuilder) => Knex.QueryBuilder,
): Promise<{ rows: Row[]; total: number }> {
  const [counted] = (await filtered.clone().count({ count: '*' })) as Array<{ count: string | number }>;
  const rows = (await shape(filtered.clone())
    .limit(window.pageSize)
    .offset((window.pageNum - 1) * window.pageSize)) as Row[];
  return { rows, total: Number(counted?.count ?? 0) };
}
