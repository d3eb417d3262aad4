import type { Knex } from 'knex';
import { escapeLiteral } from 'pg';
import type { Db } from '../knex';
import type { AcqRuleRow } from './acq-links';
import { friendsAmongQuery } from './wecom-relations';

/** What allocation at scan time reads of a link. */
export interface AcqLinkForHit {
  id: string;
  corp_id: string;
  status: number;
  daily_limit: number | null;
  priority_type: number | null;
  priority_userid_list: string[];
  state: string;
  url: string | null;
}

/** A published rule with its counters of one day, as allocation at scan time reads them. */
export type AcqRuleForHit = Pick<
  AcqRuleRow,
  | 'id'
  | 'link_id'
  | 'user_id'
  | 'weight'
  | 'daily_limit'
  | 'round_limit'
  | 'working_hours'
  | 'get_type'
  | 'wecom_kind'
  | 'state'
  | 'qr_code'
  | 'link_url'
> & { hits: number; round_no: number; round_hits: number };

export type AcqRuleCounters = Pick<AcqRuleForHit, 'id' | 'hits' | 'round_no' | 'round_hits'>;

/** What a hit transaction sees: its links locked, their rules' counters read after the lock. */
export interface HitTransaction {
  links: AcqLinkForHit[];
  rules: AcqRuleForHit[];
  /** friendsAmong, on the transaction's connection. */
  friendsAmong(
    corpId: string,
    visitor: { externalUserid?: string; unionid?: string },
    userids: readonly string[],
  ): Promise<Set<string>>;
}

interface PgConnection {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

const BIGINT = /^[1-9]\d{0,18}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Runs one allocation transaction in two round trips: BEGIN, the links' locks and the read of
 * their rules' counters go in one query string, the counters' write and COMMIT in another. A
 * hot link's row is locked for exactly those two trips, so the trips are what bounds one
 * link's hand-outs per second — through knex the same transaction took five.
 *
 * - The statements of one query string run one after another, each with its own snapshot
 *   (READ COMMITTED), so the counters are read after the lock was granted and include the
 *   hand-outs of the transaction the lock waited for.
 * - Links are locked in id order, so two batches never deadlock.
 * - The commit does not wait for the WAL flush (`synchronous_commit` off for this transaction
 *   only): a database crash may forget the last few hundred milliseconds of counters.
 * - A simple-protocol query string takes no parameters, so its values are inlined: ids that are
 *   not bigints cannot name a link and are left out; the counters go in as one escaped literal.
 */
export async function inHitTransaction<T>(
  db: Db,
  linkIds: readonly string[],
  day: string,
  decide: (tx: HitTransaction) => Promise<{ result: T; counters: readonly AcqRuleCounters[] }>,
): Promise<T> {
  if (!DAY.test(day)) throw new Error(`not a day: ${day}`);
  const ids = [...new Set(linkIds.filter((id) => BIGINT.test(id)))].sort((a, b) => compareBigint(a, b));
  const idList = ids.length > 0 ? ids.join(',') : 'NULL';
  const conn = (await db.client.acquireConnection()) as PgConnection;
  let open = false;
  try {
    open = true;
    const results = (await conn.query(
      `BEGIN;
       SET LOCAL synchronous_commit = off;
       SELECT l.id, l.corp_id, l.status, l.daily_limit, l.priority_type, l.priority_userid_list, l.state, l.url
         FROM acq_link l
        WHERE l.id IN (${idList}) AND l.is_del = 0 AND l.kind = 'link' ORDER BY l.id FOR UPDATE;
       SELECT r.id::text AS id, r.link_id::text AS link_id, r.user_id, r.weight, r.daily_limit, r.round_limit,
              r.working_hours, r.get_type, r.wecom_kind, r.state, r.qr_code, r.link_url,
              COALESCE(d.hits, 0) AS hits, COALESCE(d.round_no, 0) AS round_no, COALESCE(d.round_hits, 0) AS round_hits
         FROM acq_link_rule r
         LEFT JOIN acq_rule_day d ON d.rule_id = r.id AND d.day = '${day}'
        WHERE r.link_id IN (${idList}) AND r.is_del = 0 AND r.config_link_id IS NOT NULL
        ORDER BY r.link_id, r.position, r.id;`,
    )) as Array<{ rows: unknown[] }>;
    const links = (results[2]?.rows ?? []) as AcqLinkForHit[];
    const rules = (results[3]?.rows ?? []) as AcqRuleForHit[];
    const { result, counters } = await decide({
      links,
      rules,
      friendsAmong: async (corpId, visitor, userids) => {
        const query = friendsAmongQuery(db, corpId, visitor, userids);
        if (!query) return new Set();
        const rows = (await (query as Knex.QueryBuilder).connection(conn)) as Array<{ userid: string }>;
        return new Set(rows.map((r) => r.userid));
      },
    });
    await conn.query(`${counterWrite(day, counters)}COMMIT;`);
    open = false;
    return result;
  } finally {
    if (open) await conn.query('ROLLBACK').catch(() => undefined);
    await db.client.releaseConnection(conn);
  }
}

/** The upsert of the rules' counters of `day` as they now stand, or nothing when none moved. */
function counterWrite(day: string, counters: readonly AcqRuleCounters[]): string {
  if (counters.length === 0) return '';
  const json = JSON.stringify(
    counters.map((c) => ({ rule_id: c.id, hits: c.hits, round_no: c.round_no, round_hits: c.round_hits })),
  );
  return `INSERT INTO acq_rule_day (rule_id, day, hits, round_no, round_hits)
     SELECT c.rule_id, '${day}'::date, c.hits, c.round_no, c.round_hits
     FROM jsonb_to_recordset(${escapeLiteral(json)}::jsonb) AS c(rule_id bigint, hits int, round_no int, round_hits int)
     ON CONFLICT (rule_id, day) DO UPDATE SET
       hits = EXCLUDED.hits, round_no = EXCLUDED.round_no, round_hits = EXCLUDED.round_hits;
     `;
}

function compareBigint(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
