import type { Executor } from '../../db/knex';
import type { CorpViewer } from '../../db/queries/data-scope';
import { addedPerDay, endedPerDay } from '../../db/queries/wecom-relations';
import { dayRange } from './day-range';

export interface GrowthFigures {
  /** Relations (customer, employee) created. */
  added: number;
  /** Of those, relations still valid now. */
  retained: number;
  /** Relations ended: lostByEmployee + lostByCustomer + lostOther. */
  lost: number;
  /** The employee deleted the customer. */
  lostByEmployee: number;
  /** The customer deleted the employee. */
  lostByCustomer: number;
  /** Gone from WeCom without a callback (found by a sync or a live read). */
  lostOther: number;
  /** Moved to another employee by a transfer: the customer stays with the corp, so not lost. */
  transferredOut: number;
  netGrowth: number;
  /** retained / added, rounded to 4 decimals; null when nothing was added. */
  survivalRate: number | null;
}

export interface GrowthStats {
  from: string;
  to: string;
  timeZone: string;
  days: Array<GrowthFigures & { day: string }>;
  total: GrowthFigures;
}

const zero = (): Omit<GrowthFigures, 'netGrowth' | 'survivalRate' | 'lost'> => ({
  added: 0,
  retained: 0,
  lostByEmployee: 0,
  lostByCustomer: 0,
  lostOther: 0,
  transferredOut: 0,
});

function finish(f: Omit<GrowthFigures, 'netGrowth' | 'survivalRate' | 'lost'>): GrowthFigures {
  const lost = f.lostByEmployee + f.lostByCustomer + f.lostOther;
  return {
    ...f,
    lost,
    netGrowth: f.added - lost,
    survivalRate: f.added === 0 ? null : Math.round((f.retained / f.added) * 10_000) / 10_000,
  };
}

/**
 * Customer growth of a corp per calendar day of `timeZone`, counted on the relations in the
 * viewer's data scope: added that day, ended that day (by who ended them), net growth, and how
 * many of the day's additions are still valid now (survival).
 */
export async function customerGrowthStats(
  db: Executor,
  viewer: CorpViewer,
  input: { from: string; to: string; timeZone?: string },
): Promise<GrowthStats> {
  const range = dayRange(input.from, input.to, input.timeZone);
  const [added, ended] = await Promise.all([
    addedPerDay(db, viewer, range.start, range.end, range.timeZone),
    endedPerDay(db, viewer, range.start, range.end, range.timeZone),
  ]);
  const perDay = new Map(range.days.map((day) => [day, zero()]));
  for (const row of added) {
    const figures = perDay.get(row.day);
    if (!figures) continue;
    figures.added = row.added;
    figures.retained = row.retained;
  }
  for (const row of ended) {
    const figures = perDay.get(row.day);
    if (!figures) continue;
    figures.lostByEmployee = row.by_employee;
    figures.lostByCustomer = row.by_customer;
    figures.lostOther = row.other;
    figures.transferredOut = row.transferred;
  }
  const total = zero();
  for (const figures of perDay.values()) {
    for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += figures[key];
  }
  return {
    from: range.days[0] as string,
    to: range.days[range.days.length - 1] as string,
    timeZone: range.timeZone,
    days: range.days.map((day) => ({ day, ...finish(perDay.get(day) ?? zero()) })),
    total: finish(total),
  };
}
