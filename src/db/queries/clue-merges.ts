import type { Executor } from '../knex';

export interface ClueMergeRow {
  id: string;
  survivor_clue_id: string;
  request_key: string;
  field_picks: Record<string, string> | null;
  status: 'running' | 'done' | 'failed';
  error: string | null;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
}

export interface MergeMoved {
  contacts: number;
  tags: number;
  followUps: number;
  customers: number;
  assignments: number;
  fields: string[];
}

export interface ClueMergeItemRow {
  merge_id: string;
  clue_id: string;
  position: number;
  moved: MergeMoved | null;
  done_at: Date | null;
}

/** The key of a merge request: the same survivor and set of merged clues is the same merge. */
export const mergeRequestKey = (survivorId: string, mergedIds: string[]): string =>
  `${survivorId}<${[...mergedIds].sort((a, b) => Number(a) - Number(b)).join(',')}`;

export async function findMergeByKey(db: Executor, key: string): Promise<ClueMergeRow | undefined> {
  return db<ClueMergeRow>('clue_merge').where({ request_key: key }).first();
}

export async function findMerge(db: Executor, id: string): Promise<ClueMergeRow | undefined> {
  return db<ClueMergeRow>('clue_merge').where({ id }).first();
}

/** Inserts the merge and its items; a concurrent insert of the same key wins and is returned instead. */
export async function insertMerge(
  db: Executor,
  merge: { survivorId: string; mergedIds: string[]; fieldPicks: Record<string, string> | null; cuser: string },
): Promise<ClueMergeRow> {
  const key = mergeRequestKey(merge.survivorId, merge.mergedIds);
  const [row] = (await db('clue_merge')
    .insert({
      survivor_clue_id: merge.survivorId,
      request_key: key,
      field_picks: merge.fieldPicks ? JSON.stringify(merge.fieldPicks) : null,
      cuser: merge.cuser,
    })
    .onConflict('request_key')
    .ignore()
    .returning('*')) as ClueMergeRow[];
  if (!row) return (await findMergeByKey(db, key))!;
  await db('clue_merge_item').insert(
    merge.mergedIds.map((clueId, position) => ({ merge_id: row.id, clue_id: clueId, position })),
  );
  return row;
}

export async function listMergeItems(db: Executor, mergeId: string): Promise<ClueMergeItemRow[]> {
  return db<ClueMergeItemRow>('clue_merge_item').where({ merge_id: mergeId }).orderBy('position');
}

export async function setMergeStatus(
  db: Executor,
  mergeId: string,
  status: ClueMergeRow['status'],
  error: string | null = null,
): Promise<void> {
  await db('clue_merge')
    .where({ id: mergeId })
    .update({ status, error: error?.slice(0, 512) ?? null, mtime: db.fn.now() });
}
