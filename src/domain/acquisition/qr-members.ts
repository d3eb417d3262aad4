import { DateTime } from 'luxon';
import { isWithinWorkingHours, parseWorkingHours } from '../distribution/working-hours';

/** A member of a multi-person code as its eligibility needs it. */
export interface QrMember {
  userId: string;
  weight: number;
  dailyLimit: number | null;
  roundLimit: number | null;
  workingHours: string | null;
}

/** Adds per employee (keyed by lower-cased userid): today's, and the current round's. */
export interface QrMemberAdds {
  today: Map<string, number>;
  thisRound: Map<string, number>;
}

export interface QrEligibility {
  users: string[];
  /** Every member who can still take customers today had their round: a new round starts now. */
  startsNewRound: boolean;
}

/**
 * The members WeCom may hand customers to at `now`: weight above 0, inside their working hours
 * (wall-clock in `timeZone`), under their daily limit and under their round limit. When the round
 * limits leave nobody, but someone is still under the daily limit, the round is over and all of
 * those start the next one (the same rule as clue distribution). Order is the members' order.
 */
export function eligibleMembers(members: QrMember[], adds: QrMemberAdds, now: Date, timeZone: string): QrEligibility {
  const count = (counts: Map<string, number>, m: QrMember) => counts.get(m.userId.toLowerCase()) ?? 0;
  const withCapacity = members.filter(
    (m) =>
      m.weight > 0 &&
      isWithinWorkingHours(parseWorkingHours(m.workingHours), now, timeZone) &&
      (m.dailyLimit === null || count(adds.today, m) < m.dailyLimit),
  );
  const inRound = withCapacity.filter((m) => m.roundLimit === null || count(adds.thisRound, m) < m.roundLimit);
  const startsNewRound = inRound.length === 0 && withCapacity.length > 0;
  return { users: (startsNewRound ? withCapacity : inRound).map((m) => m.userId), startsNewRound };
}

/**
 * The next instant after `now` when eligibility can change without an add: a member's working
 * window opening or closing, or local midnight when a member has a daily limit (counts restart).
 * Null when nothing changes by the clock.
 */
export function nextMemberEdge(members: QrMember[], now: Date, timeZone: string): Date | null {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  const candidates: DateTime[] = [];
  const at = (day: DateTime, second: number) =>
    day.startOf('day').set({
      hour: Math.floor(second / 3600),
      minute: Math.floor((second % 3600) / 60),
      second: second % 60,
    });
  for (const m of members) {
    if (m.weight <= 0) continue;
    const hours = parseWorkingHours(m.workingHours);
    if (hours && hours.startSecond !== hours.endSecond) {
      for (const day of [local, local.plus({ days: 1 })]) {
        candidates.push(at(day, hours.startSecond));
        // An end of 24:00 is the next midnight.
        candidates.push(hours.endSecond === 86400 ? day.startOf('day').plus({ days: 1 }) : at(day, hours.endSecond));
      }
    }
    if (m.dailyLimit !== null) candidates.push(local.startOf('day').plus({ days: 1 }));
  }
  const later = candidates.filter((c) => c > local).sort((a, b) => a.toMillis() - b.toMillis());
  return later[0]?.toJSDate() ?? null;
}

/** Two member lists hold the same employees in any order. */
export function sameMembers(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  const norm = (l: readonly string[]) =>
    [...l]
      .map((u) => u.toLowerCase())
      .sort()
      .join('\n');
  return norm(a) === norm(b);
}
