import type { Executor } from '../knex';
import { whereOwnerInScope, type CorpViewer } from './data-scope';

export interface AcqStatsFilter {
  /** An acquisition link or channel QR code (both are acq_link rows). */
  linkId?: string;
  channelId?: string;
  userid?: string;
}

export interface AcqStatsRow {
  day: string;
  userid: string;
  employee_name: string | null;
  adds: number;
  deletions: number;
}

/** Relation statuses that end a friendship (1 the employee, 2 the customer, 4 gone from WeCom); 3 is a transfer. */
const ENDED_STATUSES = [1, 2, 4];

/**
 * Adds through acquisition sources and deletions of the friendships they made, per calendar day
 * of `timeZone` and per employee, within [start, end). An add is a full add attributed to the
 * source (a half add is not a friend yet); a deletion is such a friendship ended by either side
 * (or vanished from WeCom) in the range. Employees out of the viewer's data scope are left out.
 */
export async function acqStatsPerDayAndEmployee(
  db: Executor,
  viewer: CorpViewer,
  filter: AcqStatsFilter,
  range: { start: Date; end: Date; timeZone: string },
): Promise<AcqStatsRow[]> {
  const made = db('acq_attribution as a')
    .leftJoin('wecom_relation as r', function joinRelation() {
      this.on('r.corp_id', '=', 'a.corp_id')
        .andOn('r.userid', '=', 'a.userid')
        .andOn('r.external_userid', '=', 'a.external_userid');
    })
    .where({ 'a.corp_id': viewer.corpId, 'a.change_type': 'add_external_contact' })
    .select('a.userid', 'a.added_at', 'r.status', 'r.del_time');
  if (filter.linkId !== undefined) made.andWhere('a.link_id', filter.linkId);
  if (filter.channelId !== undefined) made.andWhere('a.channel_id', filter.channelId);
  if (filter.userid !== undefined) made.andWhere('a.userid', filter.userid);
  const scoped = whereOwnerInScope(made, viewer, 'a.userid').toSQL();
  const { start, end, timeZone } = range;
  const result = await db.raw<{ rows: AcqStatsRow[] }>(
    `WITH made AS (${scoped.sql}),
     happened AS (
       SELECT userid, (added_at AT TIME ZONE ?)::date AS day, 1 AS adds, 0 AS deletions
         FROM made WHERE added_at >= ? AND added_at < ?
       UNION ALL
       SELECT userid, (del_time AT TIME ZONE ?)::date, 0, 1
         FROM made WHERE status = ANY (?::int[]) AND del_time >= ? AND del_time < ? AND del_time >= added_at
     )
     SELECT h.day::text AS day, h.userid, max(e.name) AS employee_name,
            sum(h.adds)::int AS adds, sum(h.deletions)::int AS deletions
       FROM happened h
       LEFT JOIN wecom_employee e ON e.corp_id = ? AND e.userid = h.userid
      GROUP BY h.day, h.userid
      ORDER BY h.day, h.userid`,
    [...scoped.bindings, timeZone, start, end, timeZone, ENDED_STATUSES, start, end, viewer.corpId],
  );
  return result.rows;
}

/** The source's kind ('link' or 'qr'), deleted sources included: their attributions stay countable. */
export async function findAcqSourceKind(db: Executor, corpId: string, id: string): Promise<string | undefined> {
  const row = (await db('acq_link').where({ corp_id: corpId, id }).first('kind')) as { kind: string } | undefined;
  return row?.kind;
}
