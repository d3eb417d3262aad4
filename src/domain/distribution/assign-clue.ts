import type { Db, Executor } from '../../db/knex';
import {
  endOpenAssignments,
  findAssignment,
  hasFollowUpSince,
  insertAssignment,
  listExpiredOwners,
  type ClueAssignmentRow,
} from '../../db/queries/clue-assignments';
import { insertClueEvent, type ClueRow } from '../../db/queries/clues';
import {
  findMatchingPolicyId,
  incrementCounter,
  listMembersWithCounters,
  lockPolicy,
  setPolicyRound,
  type DistributionPolicyRow,
} from '../../db/queries/distribution-policies';
import { NotFoundError, ValidationError } from '../errors';
import { selectMember, type MemberLoad } from './select-member';
import { localDay } from './working-hours';

export interface AssignmentView {
  seq: number;
  employeeUserid: string;
  employeeName: string | null;
  policyId: string | null;
  kind: 'auto' | 'manual';
  assignedAt: string;
  followUpSlaSeconds: number;
}

export type AutoAssignResult =
  | { kind: 'assigned'; assignment: AssignmentView }
  | { kind: 'wait'; reason: string; retryAt: string | null; policyId: string | null }
  /** The clue is no longer distributable (closed, deleted, followed or already owned beyond this step). */
  | { kind: 'settled'; status: string; seq: number };

export interface DistributionDefaults {
  /** SLA for clues assigned by hand when no policy applies. */
  defaultFollowUpSlaSeconds: number;
  defaultTimeZone: string;
}

/**
 * Locks the clue row. Callers that lock a policy lock it first: a clue row is then held only for
 * the assignment itself, never while waiting for a policy, so intake and edits of the clue are not
 * held up behind other clues' turns. NO KEY UPDATE: rows referencing the clue can still be added.
 */
async function lockClue(trx: Executor, clueId: string): Promise<ClueRow> {
  const clue = await trx<ClueRow>('clue').where({ id: clueId }).forNoKeyUpdate().first();
  if (!clue) throw new NotFoundError('clue', clueId, 'CLUE_NOT_FOUND');
  return clue;
}

async function readClue(trx: Executor, clueId: string): Promise<ClueRow> {
  const clue = await trx<ClueRow>('clue').where({ id: clueId }).first();
  if (!clue) throw new NotFoundError('clue', clueId, 'CLUE_NOT_FOUND');
  return clue;
}

const isOpen = (clue: ClueRow, expectedSeq: number): boolean =>
  clue.assignment_seq === expectedSeq && clue.is_del === 0 && ['pending', 'waiting'].includes(clue.status);

function view(row: ClueAssignmentRow, slaSeconds: number): AssignmentView {
  return {
    seq: row.seq,
    employeeUserid: row.employee_userid,
    employeeName: row.employee_name,
    policyId: row.policy_id,
    kind: row.kind,
    assignedAt: new Date(row.assigned_at).toISOString(),
    followUpSlaSeconds: slaSeconds,
  };
}

async function slaFor(trx: Executor, policyId: string | null, defaults: DistributionDefaults): Promise<number> {
  if (!policyId) return defaults.defaultFollowUpSlaSeconds;
  const row = await trx<DistributionPolicyRow>('distribution_policy')
    .where({ id: policyId })
    .first('follow_up_sla_seconds');
  return row?.follow_up_sla_seconds ?? defaults.defaultFollowUpSlaSeconds;
}

/**
 * Assigns the clue by its matching policy, atomically: the policy row is locked, so concurrent
 * clues of one policy take turns and daily/round limits can never be exceeded. `expectedSeq` is
 * the assignment number the caller last saw; a retry of a call that already committed finds its
 * own assignment (seq + 1) and returns it instead of assigning twice.
 */
export async function autoAssignClue(
  db: Db,
  input: { clueId: string; expectedSeq: number; now?: Date },
  defaults: DistributionDefaults,
): Promise<AutoAssignResult> {
  return db.transaction(async (trx) => {
    // The policy is matched on the clue as read here; a repeat changing the matched fields meanwhile
    // is no different from one arriving just after the assignment.
    const seen = await readClue(trx, input.clueId);
    const policyId = isOpen(seen, input.expectedSeq) ? await findMatchingPolicyId(trx, seen.id) : undefined;
    const policy = policyId ? await lockPolicy(trx, policyId) : undefined;
    const clue = await lockClue(trx, input.clueId);
    if (clue.assignment_seq > input.expectedSeq) {
      const own = await findAssignment(trx, clue.id, input.expectedSeq + 1);
      if (own && own.kind === 'auto' && clue.assignment_seq === input.expectedSeq + 1) {
        return { kind: 'assigned', assignment: view(own, await slaFor(trx, own.policy_id, defaults)) };
      }
      return { kind: 'settled', status: clue.status, seq: clue.assignment_seq };
    }
    if (clue.is_del !== 0 || !['pending', 'waiting'].includes(clue.status)) {
      return { kind: 'settled', status: clue.status, seq: clue.assignment_seq };
    }
    // Opened between the read and the lock (e.g. recycled to the next member): the next attempt matches it.
    if (!isOpen(seen, input.expectedSeq)) throw new Error(`clue ${clue.id} changed while it was being locked`);

    if (clue.status === 'pending' && !clue.duplicate_of_clue_id) await linkEarlierClueWithSamePhone(trx, clue);
    const now = input.now ?? new Date();
    if (!policy) return markWaiting(trx, clue, null, 'NO_MATCHING_POLICY', null);

    const day = localDay(now, policy.timezone);
    let roundNo = policy.round_day === day ? policy.round_no : 0;
    const rows = await listMembersWithCounters(trx, policy.id, day);
    const members: MemberLoad[] = rows.map((r) => ({
      memberId: r.id,
      employeeUserid: r.employee_userid,
      employeeName: r.employee_name,
      weight: r.weight,
      dailyLimit: r.daily_limit,
      roundLimit: r.round_limit,
      workingHours: r.working_hours,
      active: r.active,
      assignedToday: r.assigned_count ?? 0,
      assignedThisRound: r.counter_round_no === roundNo ? (r.round_count ?? 0) : 0,
    }));
    const excluded = new Set(await listExpiredOwners(trx, clue.id));
    const selection = selectMember(members, now, policy.timezone, excluded);
    if (selection.kind === 'wait') {
      return markWaiting(trx, clue, policy.id, selection.reason, selection.retryAt);
    }

    if (selection.startsNewRound || policy.round_day !== day) {
      roundNo = selection.startsNewRound ? roundNo + 1 : roundNo;
      await setPolicyRound(trx, policy.id, day, roundNo);
    }
    await incrementCounter(trx, selection.member.memberId, day, roundNo);
    const assignment = await recordAssignment(trx, clue, {
      policyId: policy.id,
      memberId: selection.member.memberId,
      employeeUserid: selection.member.employeeUserid,
      employeeName: selection.member.employeeName,
      kind: 'auto',
      operator: null,
    });
    return { kind: 'assigned', assignment: view(assignment, policy.follow_up_sla_seconds) };
  });
}

/** Links the clue to the earliest clue with the same phone number, so a returning customer is not silently duplicated. */
async function linkEarlierClueWithSamePhone(trx: Executor, clue: ClueRow): Promise<void> {
  const earlier = await trx('clue')
    .where({ phone_normalized: clue.phone_normalized, is_del: 0 })
    .whereNull('merged_into_clue_id')
    .andWhere('id', '<', clue.id)
    .orderBy('id')
    .first<{ id: string } | undefined>('id');
  if (!earlier) return;
  await trx('clue').where({ id: clue.id }).update({ duplicate_of_clue_id: earlier.id });
  await insertClueEvent(trx, clue.id, 'duplicate_detected', { duplicateOfClueId: earlier.id }, null);
}

async function markWaiting(
  trx: Executor,
  clue: ClueRow,
  policyId: string | null,
  reason: string,
  retryAt: Date | null,
): Promise<AutoAssignResult> {
  if (clue.status !== 'waiting' || clue.waiting_reason !== reason || clue.policy_id !== policyId) {
    await trx('clue')
      .where({ id: clue.id })
      .update({ status: 'waiting', waiting_reason: reason, policy_id: policyId, mtime: trx.fn.now() });
    await insertClueEvent(trx, clue.id, 'waiting', { reason, policyId, retryAt: retryAt?.toISOString() ?? null }, null);
  }
  return { kind: 'wait', reason, retryAt: retryAt ? retryAt.toISOString() : null, policyId };
}

async function recordAssignment(
  trx: Executor,
  clue: ClueRow,
  a: {
    policyId: string | null;
    memberId: string | null;
    employeeUserid: string;
    employeeName: string | null;
    kind: 'auto' | 'manual';
    operator: string | null;
  },
): Promise<ClueAssignmentRow> {
  const seq = clue.assignment_seq + 1;
  await endOpenAssignments(trx, clue.id, 'reassigned');
  const row = await insertAssignment(trx, {
    clue_id: clue.id,
    seq,
    policy_id: a.policyId,
    member_id: a.memberId,
    employee_userid: a.employeeUserid,
    employee_name: a.employeeName,
    kind: a.kind,
    operator: a.operator,
  });
  await trx('clue')
    .where({ id: clue.id })
    .update({
      status: 'assigned',
      owner_userid: a.employeeUserid,
      owner_name: a.employeeName,
      assigned_at: row.assigned_at,
      assignment_seq: seq,
      policy_id: a.policyId ?? clue.policy_id,
      waiting_reason: null,
      mtime: trx.fn.now(),
      muser: a.operator,
    });
  await insertClueEvent(
    trx,
    clue.id,
    'assigned',
    { seq, kind: a.kind, employeeUserid: a.employeeUserid, employeeName: a.employeeName, policyId: a.policyId },
    a.operator,
  );
  return row;
}

/**
 * Assigns the clue to a chosen employee (admin action). When the employee is a member of the
 * clue's policy their counters count it; limits do not block a deliberate manual choice.
 */
export async function assignClueManually(
  db: Db,
  input: {
    clueId: string;
    expectedSeq: number;
    employeeUserid: string;
    employeeName?: string | null;
    operator: string;
  },
  defaults: DistributionDefaults,
): Promise<AssignmentView> {
  if (!input.employeeUserid.trim())
    throw ValidationError.field('employeeUserid', 'must not be blank', 'field.notBlank');
  for (let attempt = 1; ; attempt++) {
    const assigned = await db.transaction(async (trx) => {
      const seen = await readClue(trx, input.clueId);
      const policyId = seen.policy_id ?? (await findMatchingPolicyId(trx, seen.id)) ?? null;
      const policy = policyId ? await lockPolicy(trx, policyId) : undefined;
      const clue = await lockClue(trx, input.clueId);
      if (clue.assignment_seq > input.expectedSeq) {
        const own = await findAssignment(trx, clue.id, input.expectedSeq + 1);
        if (own && own.kind === 'manual' && own.employee_userid === input.employeeUserid) {
          return view(own, await slaFor(trx, own.policy_id, defaults));
        }
      }
      if (clue.is_del !== 0) throw new NotFoundError('clue', clue.id, 'CLUE_NOT_FOUND');
      // Assigned under another policy between the read and the lock: its counters are not the ones held.
      if (clue.policy_id !== null && clue.policy_id !== policyId) return undefined;
      return assignManuallyLocked(trx, clue, policyId, policy, input, defaults);
    });
    if (assigned) return assigned;
    if (attempt >= 3) throw new Error(`clue ${input.clueId} kept changing its policy during a manual assignment`);
  }
}

/** The manual assignment proper, with the clue (and its policy, when any) locked. */
async function assignManuallyLocked(
  trx: Executor,
  clue: ClueRow,
  policyId: string | null,
  policy: DistributionPolicyRow | undefined,
  input: { employeeUserid: string; employeeName?: string | null; operator: string },
  defaults: DistributionDefaults,
): Promise<AssignmentView> {
  let memberId: string | null = null;
  let employeeName = input.employeeName ?? null;
  let sla = defaults.defaultFollowUpSlaSeconds;
  if (policy) {
    sla = policy.follow_up_sla_seconds;
    const now = new Date();
    const day = localDay(now, policy.timezone);
    const member = await trx('distribution_member')
      .where({ policy_id: policy.id, employee_userid: input.employeeUserid, is_del: 0 })
      .first<{ id: string; employee_name: string | null } | undefined>('id', 'employee_name');
    if (member) {
      memberId = member.id;
      employeeName = employeeName ?? member.employee_name;
      const roundNo = policy.round_day === day ? policy.round_no : 0;
      if (policy.round_day !== day) await setPolicyRound(trx, policy.id, day, roundNo);
      await incrementCounter(trx, member.id, day, roundNo);
    }
  }
  const row = await recordAssignment(trx, clue, {
    policyId,
    memberId,
    employeeUserid: input.employeeUserid,
    employeeName,
    kind: 'manual',
    operator: input.operator,
  });
  return view(row, sla);
}

export type FollowUpCheck =
  | { kind: 'followed' }
  | { kind: 'not_yet' }
  /** Someone reassigned the clue meanwhile; the caller's view is stale. */
  | { kind: 'superseded'; seq: number }
  | { kind: 'recycled'; next: 'pool' | 'reassign' };

/**
 * Called when the follow-up SLA of assignment `seq` ran out (or a follow-up was signalled):
 * a follow-up recorded since the assignment settles it; otherwise, when `recycle` is set, the
 * assignment ends and the clue goes back to the pool or on to the next member per policy.
 */
export async function checkFollowUpOrRecycle(
  db: Db,
  input: { clueId: string; seq: number; recycle: boolean },
): Promise<FollowUpCheck> {
  return db.transaction(async (trx) => {
    const clue = await lockClue(trx, input.clueId);
    if (clue.assignment_seq !== input.seq) return { kind: 'superseded', seq: clue.assignment_seq };
    if (clue.status === 'followed') return { kind: 'followed' };
    if (clue.status !== 'assigned' || !clue.assigned_at) return { kind: 'superseded', seq: clue.assignment_seq };
    if (await hasFollowUpSince(trx, clue.id, clue.assigned_at)) {
      await trx('clue').where({ id: clue.id }).update({ status: 'followed', mtime: trx.fn.now() });
      return { kind: 'followed' };
    }
    if (!input.recycle) return { kind: 'not_yet' };

    const policy = clue.policy_id
      ? await trx<DistributionPolicyRow>('distribution_policy').where({ id: clue.policy_id }).first()
      : undefined;
    await endOpenAssignments(trx, clue.id, 'sla_expired');
    let next: 'pool' | 'reassign' = 'pool';
    if (policy?.recycle_mode === 'next_member') {
      const expired = await listExpiredOwners(trx, clue.id);
      const remaining = await trx('distribution_member')
        .where({ policy_id: policy.id, is_del: 0, active: true })
        .andWhere('weight', '>', 0)
        .whereNotIn('employee_userid', expired)
        .first('id');
      if (remaining) next = 'reassign';
    }
    await trx('clue')
      .where({ id: clue.id })
      .update({
        status: next === 'pool' ? 'pool' : 'pending',
        owner_userid: null,
        owner_name: null,
        assigned_at: null,
        mtime: trx.fn.now(),
      });
    await insertClueEvent(trx, clue.id, 'recycled', { seq: input.seq, previousOwner: clue.owner_userid, next }, null);
    return { kind: 'recycled', next };
  });
}

export interface DistributionSnapshot {
  status: string;
  seq: number;
  ownerUserid: string | null;
  assignedAt: string | null;
  followUpSlaSeconds: number;
}

/** Where a distribution stands, for a workflow (re)starting from the database's truth. */
export async function loadDistributionSnapshot(
  db: Db,
  clueId: string,
  defaults: DistributionDefaults,
): Promise<DistributionSnapshot> {
  const clue = await db<ClueRow>('clue').where({ id: clueId }).first();
  if (!clue) throw new NotFoundError('clue', clueId, 'CLUE_NOT_FOUND');
  return {
    status: clue.is_del !== 0 ? 'closed' : clue.status,
    seq: clue.assignment_seq,
    ownerUserid: clue.owner_userid,
    assignedAt: clue.assigned_at ? new Date(clue.assigned_at).toISOString() : null,
    followUpSlaSeconds: await slaFor(db, clue.policy_id, defaults),
  };
}
