import { DateTime } from 'luxon';
import { ValidationError } from '../errors';

/** Statistics default to the time zone the corp's staff work in. */
export const DEFAULT_STATS_TIME_ZONE = 'Asia/Shanghai';
export const MAX_STATS_DAYS = 366;

export interface DayRange {
  /** First instant of `from` in the zone. */
  start: Date;
  /** First instant of the day after `to` in the zone (exclusive end). */
  end: Date;
  /** Every calendar day from `from` to `to`, as YYYY-MM-DD. */
  days: string[];
  timeZone: string;
}

/** Calendar days `from`..`to` (inclusive, YYYY-MM-DD) in `timeZone`, at most MAX_STATS_DAYS of them. */
export function dayRange(from: string, to: string, timeZone = DEFAULT_STATS_TIME_ZONE): DayRange {
  const first = DateTime.fromISO(from, { zone: timeZone }).startOf('day');
  const last = DateTime.fromISO(to, { zone: timeZone }).startOf('day');
  if (!first.isValid) {
    if (first.invalidReason === 'unsupported zone') {
      throw ValidationError.field('timeZone', 'must be an IANA time zone', 'rule.ianaZone');
    }
    throw ValidationError.field('from', 'must be a date YYYY-MM-DD', 'rule.date');
  }
  if (!last.isValid) throw ValidationError.field('to', 'must be a date YYYY-MM-DD', 'rule.date');
  if (last < first) throw ValidationError.field('to', 'must not be before from', 'rule.toBeforeFrom');
  const days: string[] = [];
  for (let day = first; day <= last; day = day.plus({ days: 1 })) {
    if (days.length === MAX_STATS_DAYS) {
      throw ValidationError.field('to', `the range may cover at most ${MAX_STATS_DAYS} days`, 'rule.rangeTooLong', {
        days: MAX_STATS_DAYS,
      });
    }
    days.push(day.toISODate() as string);
  }
  return { start: first.toJSDate(), end: last.plus({ days: 1 }).toJSDate(), days, timeZone };
}
