import type { Executor } from '../knex';

/** One thing that happened to a clue or customer, before it is put into words. */
export interface TimelineRow {
  /** Where the entry comes from and its id there ("ce:12"): stable across pages and reads. */
  key: string;
  kind: string;
  at: Date;
  /** The admin username that did it; null for partners' intake, WeCom and the system. */
  actor: string | null;
  detail: Record<string, unknown> | null;
  clue_id: string | null;
  external_userid: string | null;
}

export interface TimelineSubjects {
  corpId: string;
  /** The clue whose timeline it is (asked about, or linked to the customer asked about). */
  clueId: string | null;
  /** Clues merged into it, directly or through one another: their history is its history. */
  mergedClueIds: string[];
  externalUserids: string[];
}

export interface TimelinePage {
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

/**
 * Every source a timeline reads, as one UNION: clue rows (intake), clue_event (assignments,
 * recycles, edits, tags, links, repeats, transfers and merges of the clue), follow-ups,
 * customer_event, the mirror's relations (adds and their end), WeCom's edit callbacks,
 * acquisition attributions (channel and welcome) and group stays. `rank` orders entries of one
 * instant (an add before the welcome it triggered, an end after; a clue's owner moves after the
 * transfer that moved it). A merged clue's own "merged into" is left out: the survivor's "merged
 * from" tells the same merge.
 */
const ENTRIES = `
  SELECT 'clue' AS src, c.id, 'intake' AS kind, c.ctime AS at, c.cuser AS actor,
         jsonb_build_object('source', c.source, 'partnerName', p.name, 'businessId', c.business_id,
                            'name', c.link_man_name) AS detail,
         c.id::text AS clue_id, NULL::text AS external_userid, 0 AS rank
    FROM clue c LEFT JOIN partner p ON p.id = c.partner_id
   WHERE c.id = ANY (:clueIds::bigint[])
  UNION ALL
  SELECT 'ce', e.id, e.kind, e.ctime, e.cuser,
         CASE WHEN e.kind = 'intake_update'
              THEN coalesce(e.detail, '{}'::jsonb) || jsonb_build_object('businessId', c.business_id)
              ELSE e.detail END,
         e.clue_id::text, NULL, CASE WHEN e.kind = 'owner_transferred' THEN 2 ELSE 1 END
    FROM clue_event e
    JOIN clue c ON c.id = e.clue_id
   WHERE e.clue_id = ANY (:clueIds::bigint[]) AND e.kind <> 'follow_up'
     AND NOT (e.kind = 'merged_into' AND e.clue_id = ANY (:mergedClueIds::bigint[]))
  UNION ALL
  SELECT 'fu', f.id, 'follow_up', f.ctime, f.cuser,
         jsonb_build_object('content', f.content, 'method', f.method, 'userid', f.employee_userid),
         f.clue_id::text, NULL, 1
    FROM clue_follow_up f
   WHERE f.clue_id = ANY (:clueIds::bigint[])
  UNION ALL
  SELECT 'cu', e.id, e.kind, e.ctime, e.cuser, e.detail, NULL, e.external_userid, 1
    FROM customer_event e
   WHERE e.corp_id = :corpId AND e.external_userid = ANY (:users::text[])
  UNION ALL
  SELECT 'ra', r.id, 'wecom_added', r.add_time, NULL,
         jsonb_build_object('userid', r.userid, 'addWay', r.add_way, 'state', r.state),
         NULL, r.external_userid, 1
    FROM wecom_relation r
   WHERE r.corp_id = :corpId AND r.external_userid = ANY (:users::text[]) AND r.add_time IS NOT NULL
  UNION ALL
  SELECT 'rd', r.id, 'wecom_ended', r.del_time, NULL,
         jsonb_build_object('userid', r.userid, 'status', r.status, 'source', r.del_source),
         NULL, r.external_userid, 3
    FROM wecom_relation r
   WHERE r.corp_id = :corpId AND r.external_userid = ANY (:users::text[])
     AND r.status <> 0 AND r.del_time IS NOT NULL
  UNION ALL
  SELECT 'cb', w.id, 'wecom_edited', w.received_at, NULL,
         jsonb_build_object('userid', w.payload->>'UserID'), NULL, w.payload->>'ExternalUserID', 1
    FROM wecom_callback_event w
   WHERE w.corp_id = :corpId AND w.change_type IS NOT NULL
     AND (w.payload->>'ExternalUserID') = ANY (:users::text[]) AND w.change_type = 'edit_external_contact'
  UNION ALL
  SELECT 'aq', a.id, 'acquired', a.added_at, NULL,
         jsonb_build_object('userid', a.userid, 'linkId', a.link_id::text, 'linkName', l.link_name,
                            'linkKind', l.kind, 'channelName', ch.name, 'welcomeStatus', a.welcome_status,
                            'welcomeErrcode', a.welcome_errcode),
         NULL, a.external_userid, 2
    FROM acq_attribution a
    JOIN acq_link l ON l.id = a.link_id
    LEFT JOIN acq_channel ch ON ch.id = a.channel_id
   WHERE a.corp_id = :corpId AND a.external_userid = ANY (:users::text[])
  UNION ALL
  SELECT 'gj', m.id, 'group_joined', m.join_time, NULL,
         jsonb_build_object('chatId', m.chat_id, 'chatName', g.name, 'joinScene', m.join_scene, 'invitor', m.invitor),
         NULL, m.member_id, 1
    FROM wecom_group_member m
    LEFT JOIN wecom_group_chat g ON g.corp_id = m.corp_id AND g.chat_id = m.chat_id
   WHERE m.corp_id = :corpId AND m.member_id = ANY (:users::text[]) AND m.member_type = 2
     AND m.join_time IS NOT NULL
  UNION ALL
  SELECT 'gl', m.id, 'group_left', m.quit_time, NULL,
         jsonb_build_object('chatId', m.chat_id, 'chatName', g.name, 'quitScene', m.quit_scene),
         NULL, m.member_id, 3
    FROM wecom_group_member m
    LEFT JOIN wecom_group_chat g ON g.corp_id = m.corp_id AND g.chat_id = m.chat_id
   WHERE m.corp_id = :corpId AND m.member_id = ANY (:users::text[]) AND m.member_type = 2
     AND m.status = 1 AND m.quit_time IS NOT NULL`;

/** One page of the subjects' timeline and how many entries it has in all, in one statement. */
export async function pageTimelineRows(
  db: Executor,
  subjects: TimelineSubjects,
  page: TimelinePage,
): Promise<{ rows: TimelineRow[]; total: number }> {
  const dir = page.order === 'asc' ? 'ASC' : 'DESC';
  const bindings = {
    corpId: subjects.corpId,
    clueIds: subjects.clueId === null ? [] : [subjects.clueId, ...subjects.mergedClueIds],
    mergedClueIds: subjects.mergedClueIds,
    users: subjects.externalUserids,
  };
  const { rows } = (await db.raw(
    `SELECT src || ':' || id AS key, kind, at, actor, detail, clue_id, external_userid,
            count(*) OVER ()::int AS total
       FROM (${ENTRIES}) entries
      ORDER BY at ${dir}, rank ${dir}, src ${dir}, id ${dir}
      LIMIT :limit OFFSET :offset`,
    { ...bindings, limit: page.limit, offset: page.offset },
  )) as { rows: Array<TimelineRow & { total: number }> };
  if (rows.length === 0 && page.offset > 0) {
    // Past the end: the window count is absent, so count on its own.
    const counted = (await db.raw(`SELECT count(*)::int AS total FROM (${ENTRIES}) entries`, bindings)) as {
      rows: Array<{ total: number }>;
    };
    return { rows: [], total: counted.rows[0]?.total ?? 0 };
  }
  return { rows: rows.map(({ total: _total, ...row }) => row), total: rows[0]?.total ?? 0 };
}

/**
 * The clues merged into `clueId` (kept, closed, pointing at it), and those merged into them
 * before they were merged in turn.
 */
export async function clueIdsMergedInto(db: Executor, clueId: string): Promise<string[]> {
  const { rows } = (await db.raw(
    `WITH RECURSIVE merged AS (
       SELECT id FROM clue WHERE merged_into_clue_id = :clueId
       UNION
       SELECT c.id FROM clue c JOIN merged m ON c.merged_into_clue_id = m.id
     )
     SELECT id::text AS id FROM merged ORDER BY id`,
    { clueId },
  )) as { rows: Array<{ id: string }> };
  return rows.map((r) => r.id);
}
