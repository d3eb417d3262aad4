import type { Executor } from '../../db/knex';
import type { CorpViewer } from '../../db/queries/data-scope';
import { clueIdsMergedInto, pageTimelineRows, type TimelineRow } from '../../db/queries/timeline';
import { userDisplayNames } from '../../db/queries/users';
import { employeeNames } from '../../db/queries/wecom-employees';
import { resolveRecord, type RecordTarget } from '../clues/record-target';
import { employeeIdsOf, timelineText, type TimelineNames } from './timeline-text';

export interface TimelineEntry extends TimelineRow {
  actorName: string | null;
  text: string;
}

export interface TimelineRequest {
  pageNum: number;
  pageSize: number;
  order: 'asc' | 'desc';
}

/**
 * clueDetail.timeline (客户动态): one stream for a clue and its linked customers, or a customer
 * and its linked clue, so both views tell the same history.
 */
export async function readTimeline(
  db: Executor,
  viewer: CorpViewer,
  target: RecordTarget,
  request: TimelineRequest,
): Promise<{ list: TimelineEntry[]; total: number }> {
  const { clue, customers } = await resolveRecord(db, viewer, target);
  const { rows, total } = await pageTimelineRows(
    db,
    {
      corpId: viewer.corpId,
      // A survivor's history includes that of the clues merged into it.
      clueIds: clue ? [String(clue.id), ...(await clueIdsMergedInto(db, String(clue.id)))] : [],
      externalUserids: customers.map((c) => c.external_userid),
    },
    { order: request.order, limit: request.pageSize, offset: (request.pageNum - 1) * request.pageSize },
  );
  const names = await namesFor(db, viewer.corpId, rows);
  return {
    list: rows.map((row) => ({
      ...row,
      actorName: row.actor === null ? null : names.admin(row.actor),
      text: timelineText(row, names),
    })),
    total,
  };
}

async function namesFor(db: Executor, corpId: string, rows: TimelineRow[]): Promise<TimelineNames> {
  const [employees, admins] = await Promise.all([
    employeeNames(db, corpId, rows.flatMap(employeeIdsOf)),
    userDisplayNames(
      db,
      rows.map((r) => r.actor).filter((a): a is string => a !== null),
    ),
  ]);
  return {
    employee: (userid) => (typeof userid === 'string' ? (employees.get(userid) ?? userid) : '未知员工'),
    admin: (username) => (username === null ? '系统' : (admins.get(username) ?? username)),
  };
}
