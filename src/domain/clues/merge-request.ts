import type { Db, Executor } from '../../db/knex';
import { findMerge, insertMerge, listMergeItems, type ClueMergeRow } from '../../db/queries/clue-merges';
import { findClueInScope, type ClueRow } from '../../db/queries/clues';
import type { Viewer } from '../../db/queries/data-scope';
import { ConflictError, NotFoundError, ValidationError } from '../errors';

/** Clue fields a merge resolves: the survivor's non-empty value wins unless `fieldPicks` names the clue to take it from. */
export const MERGE_FIELDS = {
  linkManName: 'link_man_name',
  address: 'address',
  remark: 'remark',
  tag: 'tag',
  se: 'se',
  device: 'device',
  fromPage: 'from_page',
  landPage: 'land_page',
  submitPage: 'submit_page',
} as const;
export type MergeField = keyof typeof MERGE_FIELDS;

export interface MergeRequest {
  survivorId: string;
  mergedIds: string[];
  fieldPicks?: Partial<Record<MergeField, string>>;
}

/**
 * Refuses a merge that cannot be made: a clue into itself, a clue missing or outside the viewer's
 * scope (without a viewer: missing), a survivor merged away, a clue merged into another clue, or
 * clues whose WeCom customers belong to different corps. Returns the clues still to merge.
 */
export async function checkMergeable(
  db: Executor,
  viewer: Viewer | null,
  request: MergeRequest,
): Promise<{ survivor: ClueRow; pending: ClueRow[] }> {
  if (request.mergedIds.includes(request.survivorId))
    throw ValidationError.field('mergedIds', 'a clue cannot be merged into itself', 'rule.mergeIntoSelf');
  const ids = [request.survivorId, ...request.mergedIds];
  for (const [field, clueId] of Object.entries(request.fieldPicks ?? {})) {
    if (!ids.includes(clueId))
      throw ValidationError.field(
        `fieldPicks.${field}`,
        'must be the survivor or one of the merged clues',
        'rule.mergePick',
      );
  }
  const clues: ClueRow[] = [];
  for (const id of ids) {
    const clue = viewer
      ? await findClueInScope(db, viewer, id)
      : await db<ClueRow>('clue').where({ id, is_del: 0 }).first();
    if (!clue) throw new NotFoundError('clue', id, 'CLUE_NOT_FOUND');
    clues.push(clue);
  }
  const [survivor, ...merged] = clues as [ClueRow, ...ClueRow[]];
  if (survivor.merged_into_clue_id)
    throw new ConflictError(`survivor ${survivor.id} was itself merged away`, 'MERGE_SURVIVOR_MERGED', {
      id: String(survivor.id),
      survivorId: String(survivor.merged_into_clue_id),
    });
  for (const clue of merged) {
    if (clue.merged_into_clue_id && String(clue.merged_into_clue_id) !== String(survivor.id))
      throw new ConflictError(`clue ${clue.id} was merged into another clue`, 'CLUE_MERGED_ELSEWHERE', {
        id: String(clue.id),
        survivorId: String(clue.merged_into_clue_id),
      });
  }
  const corps = (await db('wecom_customer').whereIn('clue_id', ids).where({ is_del: 0 }).distinct('corp_id')) as Array<{
    corp_id: string;
  }>;
  if (corps.length > 1)
    throw new ConflictError('the clues’ WeCom customers belong to different corps', 'MERGE_ACROSS_CORPS');
  return { survivor, pending: merged.filter((c) => !c.merged_into_clue_id) };
}

/**
 * Records a merge request (or finds the same request made before) after checking it. When every
 * clue is already merged into the survivor nothing is recorded: `merge` is the merge that did it.
 */
export async function requestMerge(
  db: Db,
  viewer: Viewer,
  request: MergeRequest,
  actor: string,
): Promise<{ merge: ClueMergeRow; alreadyMerged: boolean }> {
  return db.transaction(async (trx) => {
    const { survivor, pending } = await checkMergeable(trx, viewer, request);
    if (pending.length === 0) {
      const item = (await trx('clue_merge_item as i')
        .join('clue_merge as m', 'm.id', 'i.merge_id')
        .whereIn('i.clue_id', request.mergedIds)
        .where('m.survivor_clue_id', survivor.id)
        .whereNotNull('i.done_at')
        .orderBy('i.merge_id', 'desc')
        .first('i.merge_id')) as { merge_id: string } | undefined;
      const done = item ? await findMerge(trx, item.merge_id) : undefined;
      if (!done) throw new ConflictError('the clues are already merged', 'MERGE_NOTHING_TO_DO');
      return { merge: done, alreadyMerged: true };
    }
    const merge = await insertMerge(trx, {
      survivorId: String(survivor.id),
      mergedIds: pending.map((c) => String(c.id)),
      fieldPicks: request.fieldPicks && Object.keys(request.fieldPicks).length > 0 ? request.fieldPicks : null,
      cuser: actor,
    });
    return { merge, alreadyMerged: false };
  });
}

export interface MergeReport {
  mergeId: string;
  survivorId: string;
  status: ClueMergeRow['status'];
  error: string | null;
  items: Array<{ clueId: string; done: boolean; moved: unknown }>;
  ctime: Date;
  cuser: string | null;
}

/** A merge and how far it got, when its survivor is in the viewer's data scope. */
export async function readMerge(db: Db, viewer: Viewer, mergeId: string): Promise<MergeReport> {
  const merge = await findMerge(db, mergeId);
  if (!merge || !(await findClueInScope(db, viewer, merge.survivor_clue_id)))
    throw new NotFoundError('merge', mergeId, 'MERGE_NOT_FOUND');
  const items = await listMergeItems(db, mergeId);
  return {
    mergeId: String(merge.id),
    survivorId: String(merge.survivor_clue_id),
    status: merge.status,
    error: merge.error,
    items: items.map((i) => ({ clueId: String(i.clue_id), done: i.done_at !== null, moved: i.moved })),
    ctime: merge.ctime,
    cuser: merge.cuser,
  };
}
