import type { Db, Executor } from '../../db/knex';
import { findMerge, listMergeItems, setMergeStatus, type MergeMoved } from '../../db/queries/clue-merges';
import { insertClueEvent, type ClueRow } from '../../db/queries/clues';
import { NotFoundError } from '../errors';
import { ensureClueContacts, syncClueColumns } from './contacts';
import { checkMergeable, MERGE_FIELDS, type MergeField } from './merge-request';

const filled = (v: unknown) => v !== null && v !== undefined && !(typeof v === 'string' && v.trim() === '');

/** Moves the merged clue's contacts to the survivor; equal ones (same type and key) are dropped, not doubled. */
async function moveContacts(trx: Executor, survivor: ClueRow, merged: ClueRow, actor: string): Promise<number> {
  const kept = await ensureClueContacts(trx, survivor, actor);
  const incoming = await ensureClueContacts(trx, merged, actor);
  let moved = 0;
  for (const c of incoming) {
    if (kept.some((k) => k.type === c.type && k.value_key === c.value_key)) {
      await trx('clue_contact').where({ id: c.id }).delete();
      continue;
    }
    const hasPrimary = kept.some((k) => k.type === c.type && k.is_primary);
    await trx('clue_contact')
      .where({ id: c.id })
      .update({ clue_id: survivor.id, is_primary: !hasPrimary, mtime: trx.fn.now(), muser: actor });
    kept.push({ ...c, clue_id: survivor.id, is_primary: !hasPrimary });
    moved++;
  }
  await syncClueColumns(trx, survivor, actor);
  return moved;
}

async function moveTags(trx: Executor, survivorId: string, mergedId: string): Promise<number> {
  const result = await trx.raw<{ rowCount: number }>(
    `INSERT INTO clue_self_tag (clue_id, tag_id, ctime, cuser)
     SELECT ?, tag_id, ctime, cuser FROM clue_self_tag WHERE clue_id = ?
     ON CONFLICT (clue_id, tag_id) DO NOTHING`,
    [survivorId, mergedId],
  );
  await trx('clue_self_tag').where({ clue_id: mergedId }).delete();
  return result.rowCount;
}

/** The field values the survivor takes from the merged clue, by the rules of MERGE_FIELDS. */
function fieldsTaken(survivor: ClueRow, merged: ClueRow, picks: Record<string, string>): Record<string, unknown> {
  const taken: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(MERGE_FIELDS) as Array<[MergeField, keyof ClueRow]>) {
    const pick = picks[field];
    const fromMerged = pick === String(merged.id) || (pick === undefined && !filled(survivor[column]));
    if (fromMerged && filled(merged[column]) && merged[column] !== survivor[column]) taken[column] = merged[column];
  }
  return taken;
}

/**
 * Moves one clue of a merge into its survivor, in one transaction: contacts, system tags,
 * follow-ups and WeCom customer links; field values by the merge's rules; the merged clue marked
 * merged-into and closed (its open assignment ended); both timelines told. The item's done_at is
 * set in the same transaction, so a retry (after a crash, or a second request) moves nothing and
 * returns what was moved the first time. Assignment rows stay on their clue (their seq is the
 * distribution's idempotency key); the survivor's detail reads them through merged_into_clue_id.
 */
export async function mergeClueIntoSurvivor(
  db: Db,
  input: { mergeId: string; clueId: string },
): Promise<{ moved: MergeMoved; skipped: boolean }> {
  return db.transaction(async (trx) => {
    const item = (await trx('clue_merge_item')
      .where({ merge_id: input.mergeId, clue_id: input.clueId })
      .forUpdate()
      .first()) as { done_at: Date | null; moved: MergeMoved | null } | undefined;
    const merge = await findMerge(trx, input.mergeId);
    if (!item || !merge) throw new NotFoundError('merge item', `${input.mergeId}/${input.clueId}`, 'MERGE_NOT_FOUND');
    if (item.done_at) return { moved: item.moved!, skipped: true };
    const actor = merge.cuser ?? 'system';
    const survivorId = String(merge.survivor_clue_id);
    // Locked in id order, so two merges touching the same clues cannot deadlock.
    const locked = (await trx('clue')
      .whereIn('id', [survivorId, input.clueId])
      .orderBy('id')
      .forUpdate()
      .select('*')) as ClueRow[];
    const survivor = locked.find((c) => String(c.id) === survivorId)!;
    const merged = locked.find((c) => String(c.id) === input.clueId)!;
    const none: MergeMoved = { contacts: 0, tags: 0, followUps: 0, customers: 0, assignments: 0, fields: [] };
    const { pending } = await checkMergeable(trx, null, { survivorId, mergedIds: [input.clueId] });
    if (pending.length === 0) {
      // Another merge of the same survivor moved it meanwhile.
      await trx('clue_merge_item')
        .where({ merge_id: input.mergeId, clue_id: input.clueId })
        .update({ moved: JSON.stringify(none), done_at: trx.fn.now() });
      return { moved: none, skipped: true };
    }

    const contacts = await moveContacts(trx, survivor, merged, actor);
    const tags = await moveTags(trx, survivorId, input.clueId);
    const followUps = await trx('clue_follow_up')
      .where({ clue_id: input.clueId })
      .update({ clue_id: survivorId, merged_from_clue_id: trx.raw('coalesce(merged_from_clue_id, clue_id)') });
    const customers = await trx('wecom_customer').where({ clue_id: input.clueId }).update({ clue_id: survivorId });
    const [{ count: assignments }] = (await trx('clue_assignment')
      .where({ clue_id: input.clueId })
      .count({ count: '*' })) as [{ count: string }];
    await trx('clue_assignment')
      .where({ clue_id: input.clueId })
      .whereNull('ended_at')
      .update({ ended_at: trx.fn.now(), end_reason: 'merged' });
    const taken = fieldsTaken(survivor, merged, merge.field_picks ?? {});
    if (Object.keys(taken).length > 0)
      await trx('clue')
        .where({ id: survivorId })
        .update({ ...taken, mtime: trx.fn.now(), muser: actor });
    // Closed, so its distribution workflow (told by the merge workflow) ends instead of assigning it again.
    await trx('clue').where({ id: input.clueId }).update({
      merged_into_clue_id: survivorId,
      merged_at: trx.fn.now(),
      status: 'closed',
      waiting_reason: null,
      mtime: trx.fn.now(),
      muser: actor,
    });
    const fields = Object.entries(MERGE_FIELDS)
      .filter(([, column]) => column in taken)
      .map(([field]) => field);
    const moved: MergeMoved = {
      contacts,
      tags,
      followUps,
      customers,
      assignments: Number(assignments),
      fields,
    };
    await insertClueEvent(
      trx,
      survivorId,
      'merged_from',
      { mergedClueId: input.clueId, mergeId: input.mergeId, moved: { contacts, tags, followUps, customers }, fields },
      actor,
    );
    await insertClueEvent(trx, input.clueId, 'merged_into', { survivorId, mergeId: input.mergeId }, actor);
    await trx('clue_merge_item')
      .where({ merge_id: input.mergeId, clue_id: input.clueId })
      .update({ moved: JSON.stringify(moved), done_at: trx.fn.now() });
    return { moved, skipped: false };
  });
}

/** Marks the merge done (every item moved) or failed with the reason; returns the clues merged. */
export async function finishMerge(
  db: Db,
  input: { mergeId: string; error?: string },
): Promise<{ status: 'done' | 'failed' }> {
  const items = await listMergeItems(db, input.mergeId);
  const status = input.error === undefined && items.every((i) => i.done_at !== null) ? 'done' : 'failed';
  await setMergeStatus(db, input.mergeId, status, input.error ?? null);
  return { status };
}
