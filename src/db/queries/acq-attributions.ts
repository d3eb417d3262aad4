import type { Executor } from '../knex';

export type WelcomeStatus = 'sent' | 'already_sent' | 'expired' | 'failed';

/** One add that came through an acquisition link, with its welcome's outcome. */
export interface AcqAttributionRow {
  id: string;
  corp_id: string;
  external_userid: string;
  userid: string;
  link_id: string;
  rule_id: string | null;
  channel_id: string | null;
  state: string;
  event_id: string | null;
  change_type: string;
  added_at: Date;
  welcome_status: WelcomeStatus | null;
  welcome_errcode: number | null;
  ctime: Date;
}

export type AcqAttributionInsert = Omit<AcqAttributionRow, 'id' | 'ctime'>;

/**
 * Records an add once (see the migration for what identifies it); a later copy only improves the
 * welcome outcome (a `sent` is never overwritten). Returns whether the row is new.
 */
export async function recordAcqAttribution(db: Executor, row: AcqAttributionInsert): Promise<boolean> {
  const result = await db.raw<{ rows: Array<{ inserted: boolean }> }>(
    `INSERT INTO acq_attribution (corp_id, external_userid, userid, link_id, rule_id, channel_id, state, event_id,
       change_type, added_at, welcome_status, welcome_errcode)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (corp_id, userid, external_userid, state, added_at) DO UPDATE
       SET welcome_status = excluded.welcome_status, welcome_errcode = excluded.welcome_errcode
       WHERE acq_attribution.welcome_status IS DISTINCT FROM 'sent' AND excluded.welcome_status IS NOT NULL
     RETURNING (xmax = 0) AS inserted`,
    [
      row.corp_id,
      row.external_userid,
      row.userid,
      row.link_id,
      row.rule_id,
      row.channel_id,
      row.state,
      row.event_id,
      row.change_type,
      row.added_at,
      row.welcome_status,
      row.welcome_errcode,
    ],
  );
  return result.rows[0]?.inserted === true;
}

export async function countAcqLinkAdd(db: Executor, linkId: string): Promise<void> {
  await db('acq_link').where({ id: linkId }).increment('add_friend_count', 1);
}

/** A customer's acquisition adds, newest first. */
export async function listAcqAttributionsOfCustomer(
  db: Executor,
  corpId: string,
  externalUserid: string,
): Promise<AcqAttributionRow[]> {
  return db('acq_attribution')
    .where({ corp_id: corpId, external_userid: externalUserid })
    .orderBy([
      { column: 'added_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
}

/** Whether the relation came through one of the corp's acquisition links or codes. */
export async function hasAcqAttribution(
  db: Executor,
  corpId: string,
  pair: { externalUserid: string; userid: string },
): Promise<boolean> {
  const row = await db('acq_attribution')
    .where({ corp_id: corpId, external_userid: pair.externalUserid, userid: pair.userid })
    .first('id');
  return row !== undefined;
}
