import type { Executor } from '../../db/knex';
import type { CorpViewer } from '../../db/queries/data-scope';
import { partnerNames } from '../../db/queries/partners';
import { clueIdsMergedInto, pageTimelineRows, type TimelineRow } from '../../db/queries/timeline';
import { userDisplayNames } from '../../db/queries/users';
import { employeeNames } from '../../db/queries/wecom-employees';
import { resolveRecord, type RecordTarget } from '../clues/record-target';
import { partnerIdOf, timelineActorOf, type TimelineActorType } from './timeline-actor';
import { employeeIdsOf, timelineText, type TimelineNames } from './timeline-text';

export interface TimelineEntry extends Omit<TimelineRow, 'actor'> {
  /** See TimelineActor.id. */
  actor: string | null;
  actorType: TimelineActorType;
  actorName: string;
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
  const clueId = clue ? String(clue.id) : null;
  const { rows, total } = await pageTimelineRows(
    db,
    {
      corpId: viewer.corpId,
      clueId,
      // A survivor's history includes that of the clues merged into it.
      mergedClueIds: clueId ? await clueIdsMergedInto(db, clueId) : [],
      externalUserids: customers.map((c) => c.external_userid),
    },
    { order: request.order, limit: request.pageSize, offset: (request.pageNum - 1) * request.pageSize },
  );
  const names = await namesFor(db, viewer.corpId, rows);
  const customerNames = new Map(customers.map((c) => [c.external_userid, c.name || '客户']));
  return {
    list: rows.map((row) => {
      const actor = timelineActorOf(row);
      const text = timelineText(row, names);
      return {
        ...row,
        actor: actor.id,
        actorType: actor.type,
        actorName:
          actor.type === 'admin'
            ? names.admin(actor.id)
            : actor.type === 'partner'
              ? names.partner(actor.id)
              : actor.type === 'employee'
                ? names.employee(actor.id)
                : actor.type === 'customer'
                  ? (customerNames.get(actor.id ?? '') ?? '客户')
                  : '系统',
        // What came with a merged clue says so on the survivor's timeline.
        text: row.clue_id !== null && row.clue_id !== clueId ? `原线索 #${row.clue_id}：${text}` : text,
      };
    }),
    total,
  };
}

async function namesFor(db: Executor, corpId: string, rows: TimelineRow[]): Promise<TimelineNames> {
  const actors = rows.map((r) => r.actor).filter((a): a is string => a !== null);
  const [employees, admins, partners] = await Promise.all([
    employeeNames(db, corpId, rows.flatMap(employeeIdsOf)),
    userDisplayNames(
      db,
      actors.filter((a) => partnerIdOf(a) === null),
    ),
    partnerNames(
      db,
      actors.map(partnerIdOf).filter((id): id is string => id !== null),
    ),
  ]);
  return {
    employee: (userid) => (typeof userid === 'string' ? (employees.get(userid) ?? userid) : '未知员工'),
    admin: (username) => (username === null ? '系统' : (admins.get(username) ?? username)),
    partner: (actor) => {
      const id = partnerIdOf(actor);
      return id === null ? '合作方' : (partners.get(id) ?? `合作方 #${id}`);
    },
  };
}
