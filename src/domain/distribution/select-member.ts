import { isWithinWorkingHours, nextLocalMidnight, nextOpening, parseWorkingHours } from './working-hours';

export interface MemberLoad {
  memberId: string;
  employeeUserid: string;
  employeeName: string | null;
  weight: number;
  dailyLimit: number | null;
  roundLimit: number | null;
  workingHours: string | null;
  active: boolean;
  /** Clues assigned to this member today (corp time zone). */
  assignedToday: number;
  /** Clues assigned to this member in the policy's current round. */
  assignedThisRound: number;
}

export type WaitReason = 'NO_MEMBERS' | 'OUTSIDE_WORKING_HOURS' | 'DAILY_LIMIT_REACHED';

export type Selection =
  | { kind: 'chosen'; member: MemberLoad; startsNewRound: boolean }
  | { kind: 'wait'; reason: WaitReason; retryAt: Date | null };

/**
 * Picks the member who receives the next clue. Eligible: active, positive weight, not excluded,
 * inside working hours, under the daily limit and under the round limit. When every otherwise
 * eligible member has used up the round, a new round starts. Among the eligible, the member with
 * the lowest (assignedToday + 1) / weight wins (ties: fewer today, then lower member id): a smooth
 * weighted rotation whose shares match the weights to within one clue, without random streaks.
 */
export function selectMember(
  members: MemberLoad[],
  now: Date,
  timeZone: string,
  excludedUserids: ReadonlySet<string> = new Set(),
): Selection {
  const candidates = members.filter((m) => m.active && m.weight > 0 && !excludedUserids.has(m.employeeUserid));
  if (candidates.length === 0) return { kind: 'wait', reason: 'NO_MEMBERS', retryAt: null };

  const underDaily = (m: MemberLoad) => m.dailyLimit === null || m.assignedToday < m.dailyLimit;
  const open = candidates.filter((m) => isWithinWorkingHours(parseWorkingHours(m.workingHours), now, timeZone));
  const openWithCapacity = open.filter(underDaily);
  if (openWithCapacity.length === 0) {
    return {
      kind: 'wait',
      reason: open.length === 0 ? 'OUTSIDE_WORKING_HOURS' : 'DAILY_LIMIT_REACHED',
      retryAt: earliestEligibility(candidates, now, timeZone),
    };
  }

  const underRound = openWithCapacity.filter((m) => m.roundLimit === null || m.assignedThisRound < m.roundLimit);
  const startsNewRound = underRound.length === 0;
  const pool = startsNewRound ? openWithCapacity : underRound;
  const best = pool.reduce((a, b) => (compare(a, b) <= 0 ? a : b));
  return { kind: 'chosen', member: best, startsNewRound };
}

function compare(a: MemberLoad, b: MemberLoad): number {
  const byRatio = (a.assignedToday + 1) / a.weight - (b.assignedToday + 1) / b.weight;
  if (byRatio !== 0) return byRatio;
  if (a.assignedToday !== b.assignedToday) return a.assignedToday - b.assignedToday;
  return BigInt(a.memberId) < BigInt(b.memberId) ? -1 : 1;
}

/** When the first of these members can take a clue again: their next window today, or after the daily reset. */
function earliestEligibility(members: MemberLoad[], now: Date, timeZone: string): Date {
  const midnight = nextLocalMidnight(now, timeZone);
  let earliest: Date | null = null;
  for (const m of members) {
    const hours = parseWorkingHours(m.workingHours);
    const from = m.dailyLimit !== null && m.assignedToday >= m.dailyLimit ? midnight : now;
    const at = nextOpening(hours, from, timeZone);
    if (earliest === null || at < earliest) earliest = at;
  }
  return earliest ?? midnight;
}
