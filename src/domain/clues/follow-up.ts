import type { Db } from '../../db/knex';
import { findClueInScope, insertClueEvent, type ClueRow } from '../../db/queries/clues';
import type { Viewer } from '../../db/queries/data-scope';
import { NotFoundError, ValidationError } from '../errors';
import { normalizeChinaPhone } from '../phone';
import { mergedAway } from './contacts';

export interface ClueEdit {
  linkManName?: string;
  linkManTel?: string;
  email?: string | null;
  address?: string | null;
  wechat?: string | null;
  remark?: string | null;
  tag?: string | null;
}

export interface FollowUpInput {
  content: string;
  method?: string | null;
}

/**
 * Edits a clue's basic information and/or records a manual follow-up, in one transaction.
 * Returns whether a follow-up was recorded (the caller then tells the distribution workflow).
 * A clue outside the viewer's data scope is not found.
 */
export async function updateClueAndFollowUp(
  db: Db,
  viewer: Viewer,
  input: { clueId: string; edit: ClueEdit; followUp?: FollowUpInput },
  actor: { username: string; wecomUserid?: string | null },
): Promise<{ clue: ClueRow; followUpRecorded: boolean }> {
  return db.transaction(async (trx) => {
    const clue = await findClueInScope(trx, viewer, input.clueId, { forUpdate: true });
    if (!clue) throw new NotFoundError('clue', input.clueId, 'CLUE_NOT_FOUND');
    if (clue.merged_into_clue_id) throw mergedAway(clue);
    const changes: Record<string, unknown> = {};
    const e = input.edit;
    if (e.linkManName !== undefined) changes['link_man_name'] = e.linkManName.trim();
    if (e.linkManTel !== undefined) {
      const phone = normalizeChinaPhone(e.linkManTel);
      if (!phone) throw ValidationError.field('linkManTel', 'must be a phone number used in China', 'rule.cnPhone');
      changes['link_man_tel'] = e.linkManTel.trim();
      changes['phone_normalized'] = phone;
    }
    for (const [key, column] of [
      ['email', 'email'],
      ['address', 'address'],
      ['wechat', 'wechat'],
      ['remark', 'remark'],
      ['tag', 'tag'],
    ] as const) {
      if (e[key] !== undefined) changes[column] = e[key] === null || e[key]?.trim() === '' ? null : e[key]?.trim();
    }
    const now = new Date();
    if (Object.keys(changes).length > 0) {
      await trx('clue')
        .where({ id: clue.id })
        .update({ ...changes, mtime: now, muser: actor.username });
      await insertClueEvent(trx, clue.id, 'edited', { fields: Object.keys(changes) }, actor.username);
    }
    let followUpRecorded = false;
    if (input.followUp) {
      await trx('clue_follow_up').insert({
        clue_id: clue.id,
        employee_userid: actor.wecomUserid ?? clue.owner_userid,
        content: input.followUp.content,
        method: input.followUp.method ?? null,
        cuser: actor.username,
        ctime: now,
      });
      const statusChange = clue.status === 'assigned' ? { status: 'followed' } : {};
      await trx('clue')
        .where({ id: clue.id })
        .update({
          ...statusChange,
          first_follow_up_at: clue.first_follow_up_at ?? now,
          mtime: now,
          muser: actor.username,
        });
      await insertClueEvent(trx, clue.id, 'follow_up', { method: input.followUp.method ?? null }, actor.username);
      followUpRecorded = true;
    }
    const updated = await trx<ClueRow>('clue').where({ id: clue.id }).first();
    return { clue: updated as ClueRow, followUpRecorded };
  });
}
