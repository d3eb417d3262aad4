import type { Executor } from '../knex';

export type RecycleMode = 'pool' | 'next_member';

export interface DistributionPolicyRow {
  id: string;
  name: string;
  priority: number;
  enabled: boolean;
  match_sources: number[];
  match_tags: string[];
  match_land_pages: string[];
  match_partner_ids: string[];
  timezone: string;
  follow_up_sla_seconds: number;
  recycle_mode: RecycleMode;
  round_day: string | null;
  round_no: number;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

export interface DistributionMemberRow {
  id: string;
  policy_id: string;
  employee_userid: string;
  employee_name: string | null;
  weight: number;
  daily_limit: number | null;
  round_limit: number | null;
  working_hours: string | null;
  active: boolean;
  is_del: number;
  ctime: Date;
  mtime: Date;
}

export interface MemberWithCounters extends DistributionMemberRow {
  assigned_count: number | null;
  counter_round_no: number | null;
  round_count: number | null;
}

export async function findPolicyById(db: Executor, id: string): Promise<DistributionPolicyRow | undefined> {
  return db<DistributionPolicyRow>('distribution_policy').where({ id, is_del: 0 }).first();
}

export async function lockPolicy(db: Executor, id: string): Promise<DistributionPolicyRow | undefined> {
  return db<DistributionPolicyRow>('distribution_policy').where({ id }).forUpdate().first();
}

/** The enabled policy with the lowest priority whose criteria all match the clue (empty criteria match anything). */
export async function findMatchingPolicyId(db: Executor, clueId: string): Promise<string | undefined> {
  const result = await db.raw<{ rows: Array<{ id: string }> }>(
    `SELECT p.id FROM distribution_policy p, clue c
      WHERE c.id = ? AND p.enabled AND p.is_del = 0
        AND (cardinality(p.match_sources) = 0 OR c.source = ANY (p.match_sources))
        AND (cardinality(p.match_tags) = 0 OR c.tag = ANY (p.match_tags))
        AND (cardinality(p.match_partner_ids) = 0 OR c.partner_id = ANY (p.match_partner_ids))
        AND (cardinality(p.match_land_pages) = 0
             OR EXISTS (SELECT 1 FROM unnest(p.match_land_pages) lp WHERE starts_with(c.land_page, lp)))
      ORDER BY p.priority, p.id
      LIMIT 1`,
    [clueId],
  );
  return result.rows[0]?.id;
}

export async function listMembersWithCounters(
  db: Executor,
  policyId: string,
  day: string,
): Promise<MemberWithCounters[]> {
  return db('distribution_member as m')
    .leftJoin('distribution_counter as c', function joinCounter() {
      this.on('c.member_id', 'm.id').andOn('c.day', db.raw('?::date', [day]));
    })
    .where({ 'm.policy_id': policyId, 'm.is_del': 0 })
    .orderBy('m.id')
    .select('m.*', 'c.assigned_count', 'c.round_no as counter_round_no', 'c.round_count');
}

export async function listMembers(db: Executor, policyIds: string[]): Promise<DistributionMemberRow[]> {
  if (policyIds.length === 0) return [];
  return db<DistributionMemberRow>('distribution_member')
    .whereIn('policy_id', policyIds)
    .andWhere({ is_del: 0 })
    .orderBy('id');
}

/** Counts one assignment for a member on a day, inside the given round (a new round restarts the round count). */
export async function incrementCounter(db: Executor, memberId: string, day: string, roundNo: number): Promise<void> {
  await db.raw(
    `INSERT INTO distribution_counter AS c (member_id, day, assigned_count, round_no, round_count)
     VALUES (?, ?, 1, ?, 1)
     ON CONFLICT (member_id, day) DO UPDATE SET
       assigned_count = c.assigned_count + 1,
       round_count = CASE WHEN c.round_no = EXCLUDED.round_no THEN c.round_count + 1 ELSE 1 END,
       round_no = EXCLUDED.round_no`,
    [memberId, day, roundNo],
  );
}

export async function setPolicyRound(db: Executor, policyId: string, day: string, roundNo: number): Promise<void> {
  await db('distribution_policy').where({ id: policyId }).update({ round_day: day, round_no: roundNo });
}
