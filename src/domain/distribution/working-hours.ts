import { DateTime } from 'luxon';

/**
 * Working hours as written by admins: "09:00-18:00" (seconds optional, "09:00:30-18:00").
 * An end before the start wraps past midnight ("22:00-06:00"); equal ends mean all day;
 * null or empty means always open. Times are wall-clock times in the corp time zone.
 */
export interface WorkingHours {
  startSecond: number;
  endSecond: number;
}

const RANGE = /^(\d{2}):(\d{2})(?::(\d{2}))?-(\d{2}):(\d{2})(?::(\d{2}))?$/;

export function parseWorkingHours(spec: string | null | undefined): WorkingHours | null {
  if (spec === null || spec === undefined || spec.trim() === '') return null;
  const m = RANGE.exec(spec.trim());
  if (!m) throw new Error(`invalid working hours "${spec}"`);
  const toSecond = (h?: string, mi?: string, s?: string) => {
    if (Number(mi) > 59 || Number(s ?? 0) > 59) throw new Error(`invalid working hours "${spec}"`);
    return Number(h) * 3600 + Number(mi) * 60 + Number(s ?? 0);
  };
  const startSecond = toSecond(m[1], m[2], m[3]);
  const endSecond = toSecond(m[4], m[5], m[6]);
  if (startSecond >= 86400 || endSecond > 86400) throw new Error(`invalid working hours "${spec}"`);
  return { startSecond, endSecond };
}

function secondOfDay(local: DateTime): number {
  return local.hour * 3600 + local.minute * 60 + local.second;
}

export function isWithinWorkingHours(hours: WorkingHours | null, at: Date, timeZone: string): boolean {
  if (!hours || hours.startSecond === hours.endSecond) return true;
  const t = secondOfDay(DateTime.fromJSDate(at, { zone: timeZone }));
  return hours.startSecond < hours.endSecond
    ? t >= hours.startSecond && t < hours.endSecond
    : t >= hours.startSecond || t < hours.endSecond;
}

/** The earliest instant at or after `from` when the window is open. */
export function nextOpening(hours: WorkingHours | null, from: Date, timeZone: string): Date {
  if (isWithinWorkingHours(hours, from, timeZone) || !hours) return from;
  const local = DateTime.fromJSDate(from, { zone: timeZone });
  // Set the wall-clock time rather than adding seconds to midnight: days with a DST change are not 24 h long.
  const opening = (day: DateTime) =>
    day.set({
      hour: Math.floor(hours.startSecond / 3600),
      minute: Math.floor((hours.startSecond % 3600) / 60),
      second: hours.startSecond % 60,
      millisecond: 0,
    });
  let candidate = opening(local);
  if (candidate <= local) candidate = opening(local.plus({ days: 1 }));
  return candidate.toJSDate();
}

/** Calendar day (YYYY-MM-DD) of an instant in the corp time zone: the key of daily counters. */
export function localDay(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toISODate() as string;
}

/** Start of the next calendar day in the corp time zone: when daily limits reset. */
export function nextLocalMidnight(at: Date, timeZone: string): Date {
  return DateTime.fromJSDate(at, { zone: timeZone }).startOf('day').plus({ days: 1 }).toJSDate();
}
