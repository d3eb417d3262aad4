import type { Executor } from '../knex';

export interface ClueAssignmentRow {
  id: string;
  clue_id: string;
  seq: number;
  policy_id: string | null;
  member_id: string | null;
  employee_userid: string;
  employee_name: string | null;
  kind: 'auto' | 'manual';
  operator: string | null;
  assigned_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
}

export async function findAssignment(
  db: Executor,
  clueId: string,
  seq: number,
): Promise<ClueAssignmentRow | undefined> {
  return db<ClueAssignmentRow>('clue_assignment').where({ clue_id: clueId, seq }).first();
}

export async function listAssignments(db: Executor, clueId: string): Promise<ClueAssignmentRow[]> {
  return db<ClueAssignmentRow>('clue_assignment').where({ clue_id: clueId }).orderBy('seq');
}

export async function insertAssignment(
  db: Executor,
  row: Omit<ClueAssignmentRow, 'id' | 'assigned_at' | 'ended_at' | 'end_reason'>,
): Promise<ClueAssignmentRow> {
  const [inserted] = await db('clue_assignment').insert(row).returning('*');
  return inserted as ClueAssignmentRow;
}

export async function endOpenAssignments(db: Executor, clueId: string, reason: string): Promise<void> {
  await db('clue_assignment')
    .where({ clue_id: clueId })
    .whereNull('ended_at')
    .update({ ended_at: db.fn.now(), end_reason: reason });
}

/** Employees whose assignment of this clue ran out without a follow-up: the next-member recycle skips them. */
export async function listExpiredOwners(db: Executor, clueId: string): Promise<string[]> {
  const rows = await db('clue_assignment')
    .where({ clue_id: clueId, end_reason: 'sla_expired' })
    .distinct('employee_userid');
  return rows.map((r: { employee_userid: string }) => r.employee_userid);
}

export async function hasFollowUpSince(db: Executor, clueId: string, since: Date): Promise<boolean> {
  const row = await db('clue_follow_up').where({ clue_id: clueId }).andWhere('ctime', '>=', since).first('id');
  return row !== undefined;
}
