import type { Db, Executor } from '../../db/knex';
import {
  findPolicyById,
  listMembers,
  type DistributionMemberRow,
  type DistributionPolicyRow,
  type RecycleMode,
} from '../../db/queries/distribution-policies';
import { corpOfActor, requireEmployees } from '../employee-references';
import { NotFoundError, ValidationError } from '../errors';
import { parseWorkingHours } from './working-hours';

export interface PolicyMemberInput {
  employeeUserid: string;
  employeeName?: string | null;
  weight: number;
  dailyLimit?: number | null;
  roundLimit?: number | null;
  workingHours?: string | null;
  active?: boolean;
}

export interface PolicyInput {
  id?: string;
  name: string;
  priority?: number;
  enabled?: boolean;
  matchSources?: number[];
  matchTags?: string[];
  matchLandPages?: string[];
  matchPartnerIds?: string[];
  timezone?: string;
  followUpSlaSeconds: number;
  recycleMode?: RecycleMode;
  members: PolicyMemberInput[];
}

export interface PolicyWithMembers {
  policy: DistributionPolicyRow;
  members: DistributionMemberRow[];
}

function checkMembers(members: PolicyMemberInput[]): void {
  const seen = new Set<string>();
  members.forEach((m, i) => {
    const key = m.employeeUserid.toLowerCase();
    if (seen.has(key))
      throw ValidationError.field(`members[${i}].employeeUserid`, 'appears twice in this policy', 'rule.twiceInPolicy');
    seen.add(key);
    try {
      parseWorkingHours(m.workingHours);
    } catch {
      throw ValidationError.field(
        `members[${i}].workingHours`,
        'must be a time range like 09:00-18:00',
        'format.hh-mm-range',
      );
    }
  });
}

/**
 * Adds a policy, or modifies it when `id` is given. Members are matched by employee userid so a
 * kept member keeps its id and today's counters; members no longer listed are removed. When the
 * admin works on a WeCom corp (`corpId`, else the actor's own), every member must be a live
 * employee of it; without a corp there is no employee directory to check against.
 */
export async function savePolicy(
  db: Db,
  input: PolicyInput,
  actor: string,
  corpId?: string,
): Promise<PolicyWithMembers> {
  checkMembers(input.members);
  const corp = corpId ?? (await corpOfActor(db, actor));
  if (corp !== undefined) {
    await requireEmployees(
      db,
      corp,
      input.members.map((m, i) => ({ field: `members[${i}].employeeUserid`, userid: m.employeeUserid })),
    );
  }
  return db.transaction(async (trx) => {
    const values = {
      name: input.name.trim(),
      priority: input.priority ?? 100,
      enabled: input.enabled ?? true,
      match_sources: input.matchSources ?? [],
      match_tags: input.matchTags ?? [],
      match_land_pages: input.matchLandPages ?? [],
      match_partner_ids: input.matchPartnerIds ?? [],
      timezone: input.timezone ?? 'Asia/Shanghai',
      follow_up_sla_seconds: input.followUpSlaSeconds,
      recycle_mode: input.recycleMode ?? 'pool',
      muser: actor,
      mtime: trx.fn.now(),
    };
    let policyId: string;
    if (input.id) {
      const existing = await trx('distribution_policy').where({ id: input.id, is_del: 0 }).forUpdate().first('id');
      if (!existing) throw new NotFoundError('distribution policy', input.id, 'POLICY_NOT_FOUND');
      await trx('distribution_policy').where({ id: input.id }).update(values);
      policyId = input.id;
    } else {
      const [row] = await trx('distribution_policy')
        .insert({ ...values, cuser: actor })
        .returning('id');
      policyId = (row as { id: string }).id;
    }
    await replaceMembers(trx, policyId, input.members, actor);
    return loadPolicy(trx, policyId);
  });
}

async function replaceMembers(
  trx: Executor,
  policyId: string,
  members: PolicyMemberInput[],
  actor: string,
): Promise<void> {
  const existing = await trx<DistributionMemberRow>('distribution_member').where({ policy_id: policyId, is_del: 0 });
  const byUserid = new Map(existing.map((m) => [m.employee_userid.toLowerCase(), m]));
  for (const m of members) {
    const values = {
      employee_userid: m.employeeUserid,
      employee_name: m.employeeName ?? null,
      weight: m.weight,
      daily_limit: m.dailyLimit ?? null,
      round_limit: m.roundLimit ?? null,
      working_hours: m.workingHours?.trim() ? m.workingHours.trim() : null,
      active: m.active ?? true,
      muser: actor,
      mtime: trx.fn.now(),
    };
    const current = byUserid.get(m.employeeUserid.toLowerCase());
    if (current) {
      await trx('distribution_member').where({ id: current.id }).update(values);
      byUserid.delete(m.employeeUserid.toLowerCase());
    } else {
      await trx('distribution_member').insert({ ...values, policy_id: policyId, cuser: actor });
    }
  }
  const removed = [...byUserid.values()].map((m) => m.id);
  if (removed.length > 0) {
    await trx('distribution_member')
      .whereIn('id', removed)
      .update({ is_del: 1, active: false, muser: actor, mtime: trx.fn.now() });
  }
}

export async function loadPolicy(db: Executor, id: string): Promise<PolicyWithMembers> {
  const policy = await findPolicyById(db, id);
  if (!policy) throw new NotFoundError('distribution policy', id, 'POLICY_NOT_FOUND');
  return { policy, members: await listMembers(db, [id]) };
}

export async function deletePolicies(db: Db, ids: string[], actor: string): Promise<number> {
  return db('distribution_policy')
    .whereIn('id', ids)
    .andWhere({ is_del: 0 })
    .update({ is_del: 1, enabled: false, muser: actor, mtime: db.fn.now() });
}

const SORT_COLUMNS: Record<string, string> = { id: 'id', priority: 'priority', name: 'name', ctime: 'ctime' };

export async function pagePolicies(
  db: Db,
  q: {
    pageNum: number;
    pageSize: number;
    name?: string;
    enabled?: boolean;
    sortField?: string;
    sortOrder?: 'asc' | 'desc';
  },
): Promise<{ list: PolicyWithMembers[]; total: number }> {
  const base = db('distribution_policy').where({ is_del: 0 });
  if (q.name) base.andWhereILike('name', `%${q.name.replace(/[\\%_]/g, '\\$&')}%`);
  if (q.enabled !== undefined) base.andWhere({ enabled: q.enabled });
  const [{ count }] = (await base.clone().count({ count: '*' })) as [{ count: string }];
  const rows: DistributionPolicyRow[] = await base
    .clone()
    .select('*')
    .orderBy(SORT_COLUMNS[q.sortField ?? 'priority'] ?? 'priority', q.sortOrder ?? 'asc')
    .orderBy('id', 'asc')
    .limit(q.pageSize)
    .offset((q.pageNum - 1) * q.pageSize);
  const members = await listMembers(
    db,
    rows.map((r) => r.id),
  );
  return {
    list: rows.map((policy) => ({ policy, members: members.filter((m) => m.policy_id === policy.id) })),
    total: Number(count),
  };
}

/** Clues waiting for an eligible member that a change to this policy may unblock. */
export async function listWaitingClueIds(db: Db, policyId: string, limit = 1000): Promise<string[]> {
  const rows = await db('clue')
    .where({ status: 'waiting', is_del: 0 })
    .andWhere((q) => q.where({ policy_id: policyId }).orWhereNull('policy_id'))
    .orderBy('id')
    .limit(limit)
    .select('id');
  return rows.map((r: { id: string }) => r.id);
}
