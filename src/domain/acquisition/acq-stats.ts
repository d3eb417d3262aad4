import type { Executor } from '../../db/knex';
import { acqStatsPerDayAndEmployee, findAcqSourceKind, type AcqStatsFilter } from '../../db/queries/acq-stats';
import type { CorpViewer } from '../../db/queries/data-scope';
import { dayRange } from '../customers/day-range';
import { NotFoundError, ValidationError } from '../errors';
import { requireChannel } from './channels';

export interface AcqCounts {
  adds: number;
  deletions: number;
  /** adds − deletions: the friends the source brought that are still friends, over the range. */
  net: number;
}

export interface AcqStats {
  from: string;
  to: string;
  timeZone: string;
  total: AcqCounts;
  /** Every day of the range, days without activity included. */
  byDay: Array<{ day: string } & AcqCounts>;
  /** Employees with activity in the range, most adds first. */
  byEmployee: Array<{ userid: string; employeeName: string | null } & AcqCounts>;
}

const zero = (): AcqCounts => ({ adds: 0, deletions: 0, net: 0 });
const add = (into: AcqCounts, adds: number, deletions: number) => {
  into.adds += adds;
  into.deletions += deletions;
  into.net = into.adds - into.deletions;
};

/**
 * What acquisition brought in a range of days: of one link or QR code, of one channel (all its
 * links and codes), or of the whole corp; by day and by employee, from the attributions recorded
 * when customers added an employee through a source. At most one of linkId and channelId.
 */
export async function acquisitionStats(
  db: Executor,
  viewer: CorpViewer,
  input: { linkId?: string; channelId?: string; userid?: string; from: string; to: string; timeZone?: string },
): Promise<AcqStats> {
  if (input.linkId !== undefined && input.channelId !== undefined) {
    throw ValidationError.field('channelId', 'give linkId or channelId, not both', 'rule.linkOrChannel');
  }
  const range = dayRange(input.from, input.to, input.timeZone);
  if (input.linkId !== undefined && (await findAcqSourceKind(db, viewer.corpId, input.linkId)) === undefined) {
    throw new NotFoundError('acquisition link', input.linkId, 'ACQ_LINK_NOT_FOUND');
  }
  if (input.channelId !== undefined) await requireChannel(db, viewer.corpId, input.channelId);
  const filter: AcqStatsFilter = {
    ...(input.linkId !== undefined ? { linkId: input.linkId } : {}),
    ...(input.channelId !== undefined ? { channelId: input.channelId } : {}),
    ...(input.userid !== undefined ? { userid: input.userid } : {}),
  };
  const rows = await acqStatsPerDayAndEmployee(db, viewer, filter, range);
  const total = zero();
  const byDay = new Map(range.days.map((day) => [day, zero()]));
  const byEmployee = new Map<string, { employeeName: string | null } & AcqCounts>();
  for (const row of rows) {
    add(total, row.adds, row.deletions);
    const day = byDay.get(row.day);
    if (day) add(day, row.adds, row.deletions);
    let employee = byEmployee.get(row.userid);
    if (!employee) byEmployee.set(row.userid, (employee = { employeeName: row.employee_name, ...zero() }));
    add(employee, row.adds, row.deletions);
  }
  return {
    from: range.days[0] as string,
    to: range.days[range.days.length - 1] as string,
    timeZone: range.timeZone,
    total,
    byDay: [...byDay].map(([day, counts]) => ({ day, ...counts })),
    byEmployee: [...byEmployee]
      .map(([userid, counts]) => ({ userid, ...counts }))
      .sort((a, b) => b.adds - a.adds || (a.userid < b.userid ? -1 : 1)),
  };
}
