import type { Knex } from 'knex';
import type { Executor } from '../knex';
import { readPage } from './paging';
import { containsPattern } from './corp-rows';
import { whereOwnerInScope, type CorpViewer } from './data-scope';

/** One stay of a member in a customer group (join to quit), with the names around it (null where nothing is mirrored). */
export interface GroupMemberRow {
  id: string;
  corp_id: string;
  chat_id: string;
  member_id: string;
  member_type: number;
  unionid: string | null;
  join_time: Date | null;
  join_scene: number | null;
  invitor: string | null;
  group_nickname: string | null;
  name: string | null;
  state: string | null;
  status: number;
  quit_time: Date | null;
  quit_scene: number | null;
  ctime: Date;
  mtime: Date;
  group_name: string | null;
  customer_name: string | null;
  employee_name: string | null;
  invitor_name: string | null;
}

export interface GroupMemberFilter {
  chatId?: string;
  state?: string;
  memberType?: number;
  /** 0 in the group now, 1 left it. */
  status?: number;
  /** Any of these statuses (the API's filter); status, when also set, narrows it further. */
  statuses?: readonly number[];
  joinTimeFrom?: string;
  joinTimeTo?: string;
  name?: string;
}

export interface GroupMemberStats {
  size: number;
  joined_today: number;
  quit_today: number;
}

export interface CorpGroupStats extends GroupMemberStats {
  group_count: number;
  customer_count: number;
}

export interface ChannelStatsRow {
  state: string;
  /** The group-join QR code that handed out this state, when one did (and its channel). */
  join_qr_id: string | null;
  join_qr_name: string | null;
  channel_id: string | null;
  channel_name: string | null;
  joined: number;
  quit: number;
  still_in: number;
}

export interface ChannelStatsRange {
  from: string;
  to: string;
  state?: string;
  /** Only states of this group-join QR code / of the codes of this channel. */
  joinQrId?: string;
  channelId?: string;
}

const SORT_COLUMNS: Record<string, string> = { id: 'm.id', joinTime: 'm.join_time', quitTime: 'm.quit_time' };

/** Members of the viewer's corp in groups whose owner is in the viewer's scope. */
function memberQuery(db: Executor, viewer: CorpViewer, f: GroupMemberFilter): Knex.QueryBuilder {
  const q = db('wecom_group_member as m')
    .leftJoin('wecom_group_chat as gc', function joinGroup() {
      this.on('gc.corp_id', 'm.corp_id').andOn('gc.chat_id', 'm.chat_id');
    })
    .leftJoin('wecom_customer as c', function joinCustomer() {
      this.on('c.corp_id', 'm.corp_id').andOn('c.external_userid', 'm.member_id').andOnVal('m.member_type', '=', 2);
    })
    .leftJoin('wecom_employee as e', function joinEmployee() {
      this.on('e.corp_id', 'm.corp_id').andOn('e.userid', 'm.member_id').andOnVal('m.member_type', '=', 1);
    })
    .leftJoin('wecom_employee as ie', function joinInvitor() {
      this.on('ie.corp_id', 'm.corp_id').andOn('ie.userid', 'm.invitor');
    })
    .where({ 'm.corp_id': viewer.corpId, 'm.is_del': 0 });
  whereOwnerInScope(q, viewer, 'gc.owner');
  if (f.chatId) q.andWhere('m.chat_id', f.chatId);
  if (f.state) q.andWhere('m.state', f.state);
  if (f.memberType !== undefined) q.andWhere('m.member_type', f.memberType);
  if (f.status !== undefined) q.andWhere('m.status', f.status);
  if (f.statuses !== undefined && f.statuses.length > 0) q.whereIn('m.status', [...f.statuses]);
  if (f.joinTimeFrom) q.andWhere('m.join_time', '>=', f.joinTimeFrom);
  if (f.joinTimeTo) q.andWhere('m.join_time', '<', f.joinTimeTo);
  if (f.name) {
    const pattern = containsPattern(f.name);
    q.andWhere((w) =>
      w
        .whereILike('m.name', pattern)
        .orWhereILike('m.group_nickname', pattern)
        .orWhereILike('c.name', pattern)
        .orWhereILike('e.name', pattern),
    );
  }
  return q;
}

const selectMember = (q: Knex.QueryBuilder): Knex.QueryBuilder =>
  q.select(
    'm.*',
    'gc.name as group_name',
    'c.name as customer_name',
    'e.name as employee_name',
    'ie.name as invitor_name',
  );

export async function pageGroupMembers(
  db: Executor,
  viewer: CorpViewer,
  f: GroupMemberFilter & { pageNum: number; pageSize: number; sortField?: string; sortOrder?: 'asc' | 'desc' },
): Promise<{ list: GroupMemberRow[]; total: number }> {
  const q = memberQuery(db, viewer, f);
  const { rows, total } = await readPage<GroupMemberRow>(q, f, (page) =>
    selectMember(page)
      .orderByRaw(
        `${SORT_COLUMNS[f.sortField ?? 'joinTime'] ?? 'm.join_time'} ${f.sortOrder === 'asc' ? 'ASC' : 'DESC'} NULLS LAST`,
      )
      .orderBy('m.id', 'desc'),
  );
  return { list: rows, total };
}

/** One chunk of matching members after `afterId`, in id order: lets a caller walk any number of rows in flat memory. */
export async function groupMemberChunk(
  db: Executor,
  viewer: CorpViewer,
  f: GroupMemberFilter,
  afterId: string,
  limit: number,
): Promise<GroupMemberRow[]> {
  return (await selectMember(memberQuery(db, viewer, f))
    .andWhere('m.id', '>', afterId)
    .orderBy('m.id', 'asc')
    .limit(limit)) as GroupMemberRow[];
}

export async function findGroupMember(
  db: Executor,
  viewer: CorpViewer,
  id: string,
): Promise<GroupMemberRow | undefined> {
  return (await selectMember(memberQuery(db, viewer, {}).andWhere('m.id', id)).first()) as GroupMemberRow | undefined;
}

/** Members in the group now, in the order they joined. */
export async function listCurrentGroupMembers(
  db: Executor,
  viewer: CorpViewer,
  chatId: string,
): Promise<GroupMemberRow[]> {
  return (await selectMember(memberQuery(db, viewer, { chatId, status: 0 })).orderByRaw(
    'm.join_time ASC NULLS LAST, m.id ASC',
  )) as GroupMemberRow[];
}

/** Start and end (exclusive) of today in the time zone, as timestamptz columns day_start and day_end. */
const TODAY_SQL = `SELECT date_trunc('day', now() AT TIME ZONE ?) AT TIME ZONE ? AS day_start,
                          (date_trunc('day', now() AT TIME ZONE ?) + interval '1 day') AT TIME ZONE ? AS day_end`;

/** Size of one group now, and how many joined and left it today (time zone `tz`). */
export async function groupMemberStats(
  db: Executor,
  corpId: string,
  chatId: string,
  tz: string,
): Promise<GroupMemberStats> {
  const result = await db.raw<{ rows: GroupMemberStats[] }>(
    `WITH today AS (${TODAY_SQL})
     SELECT count(*) FILTER (WHERE m.status = 0)::int AS size,
            count(*) FILTER (WHERE m.join_time >= t.day_start AND m.join_time < t.day_end)::int AS joined_today,
            count(*) FILTER (WHERE m.status = 1 AND m.quit_time >= t.day_start AND m.quit_time < t.day_end)::int
              AS quit_today
       FROM today t
       LEFT JOIN wecom_group_member m ON m.corp_id = ? AND m.chat_id = ? AND m.is_del = 0`,
    [tz, tz, tz, tz, corpId, chatId],
  );
  const row = result.rows[0];
  if (!row) throw new Error('group stats returned no row');
  return row;
}

/**
 * Figures over the live groups in the viewer's scope: groups, members now, customers in groups,
 * joined and left today.
 */
export async function corpGroupStats(db: Executor, viewer: CorpViewer, tz: string): Promise<CorpGroupStats> {
  const corpId = viewer.corpId;
  const live = whereOwnerInScope(
    db('wecom_group_chat as gc').select('gc.chat_id').where({ 'gc.corp_id': corpId, 'gc.is_del': 0 }),
    viewer,
    'gc.owner',
  );
  const result = await db.raw<{ rows: CorpGroupStats[] }>(
    `WITH today AS (${TODAY_SQL}),
          live AS ?,
          members AS (
            SELECT m.* FROM wecom_group_member m JOIN live l ON l.chat_id = m.chat_id
             WHERE m.corp_id = ? AND m.is_del = 0)
     SELECT (SELECT count(*)::int FROM live) AS group_count,
            count(*) FILTER (WHERE m.status = 0)::int AS size,
            count(DISTINCT m.member_id) FILTER (WHERE m.status = 0 AND m.member_type = 2)::int AS customer_count,
            count(*) FILTER (WHERE m.join_time >= t.day_start AND m.join_time < t.day_end)::int AS joined_today,
            count(*) FILTER (WHERE m.status = 1 AND m.quit_time >= t.day_start AND m.quit_time < t.day_end)::int
              AS quit_today
       FROM today t LEFT JOIN members m ON true`,
    [tz, tz, tz, tz, live, corpId],
  );
  const row = result.rows[0];
  if (!row) throw new Error('corp group stats returned no row');
  return row;
}

/**
 * Per channel (member `state`) over the days from..to (inclusive, dates in `tz`): members who
 * joined, members who left, and of those who joined, how many are still in their group. A state
 * that a group-join QR code handed out names the code and its channel.
 */
export async function channelMemberStats(
  db: Executor,
  viewer: CorpViewer,
  range: ChannelStatsRange,
  tz: string,
): Promise<ChannelStatsRow[]> {
  const corpId = viewer.corpId;
  const filters: string[] = [];
  const filterValues: string[] = [];
  if (range.state !== undefined) {
    filters.push('AND m.state = ?');
    filterValues.push(range.state);
  }
  if (range.joinQrId !== undefined) {
    filters.push('AND q.id = ?');
    filterValues.push(range.joinQrId);
  }
  if (range.channelId !== undefined) {
    filters.push('AND q.channel_id = ?');
    filterValues.push(range.channelId);
  }
  // Members of the groups in the viewer's scope; nothing is added for scope all.
  const groupsInScope = viewer.scope.all
    ? undefined
    : whereOwnerInScope(
        db('wecom_group_chat as gc').select(db.raw('1')).whereRaw('gc.corp_id = m.corp_id AND gc.chat_id = m.chat_id'),
        viewer,
        'gc.owner',
      );
  const result = await db.raw<{ rows: ChannelStatsRow[] }>(
    `WITH span AS (
       SELECT (?::date)::timestamp AT TIME ZONE ? AS day_start,
              ((?::date) + 1)::timestamp AT TIME ZONE ? AS day_end)
     SELECT m.state, q.id AS join_qr_id, q.name AS join_qr_name, q.channel_id, c.name AS channel_name,
            count(*) FILTER (WHERE m.join_time >= s.day_start AND m.join_time < s.day_end)::int AS joined,
            count(*) FILTER (WHERE m.status = 1 AND m.quit_time >= s.day_start AND m.quit_time < s.day_end)::int AS quit,
            count(*) FILTER (WHERE m.status = 0 AND m.join_time >= s.day_start AND m.join_time < s.day_end)::int
              AS still_in
       FROM wecom_group_member m
       CROSS JOIN span s
       LEFT JOIN group_join_qr q ON q.corp_id = m.corp_id AND q.state = m.state
       LEFT JOIN acq_channel c ON c.id = q.channel_id
      WHERE m.corp_id = ? AND m.is_del = 0 AND m.state IS NOT NULL AND m.state <> '' ${filters.join(' ')}
        ${groupsInScope ? 'AND EXISTS ?' : ''}
        AND ((m.join_time >= s.day_start AND m.join_time < s.day_end)
             OR (m.quit_time >= s.day_start AND m.quit_time < s.day_end))
      GROUP BY m.state, q.id, q.name, q.channel_id, c.name
      ORDER BY joined DESC, m.state`,
    [range.from, tz, range.to, tz, corpId, ...filterValues, ...(groupsInScope ? [groupsInScope] : [])],
  );
  return result.rows;
}

/** One stay of a member in a group as WeCom reports it (a row runs from join to quit). */
export interface MemberStayValues {
  corp_id: string;
  chat_id: string;
  member_id: string;
  member_type: number;
  unionid: string | null;
  join_time: Date;
  join_scene: number;
  invitor: string | null;
  group_nickname: string | null;
  name: string | null;
  state: string | null;
}

export interface StayRef {
  id: string;
  member_id: string;
  join_time: Date | null;
  status: number;
}

interface StayWriteOptions {
  syncRunId?: string;
  touch?: boolean;
  actor?: string;
}

/** Holds the group's row until the transaction ends: membership changes of one group take turns. */
export async function lockGroupChatRow(db: Executor, corpId: string, chatId: string): Promise<void> {
  await db('wecom_group_chat').where({ corp_id: corpId, chat_id: chatId }).forUpdate().first('id');
}

export async function listCurrentStays(db: Executor, corpId: string, chatId: string): Promise<StayRef[]> {
  return (await db('wecom_group_member')
    .where({ corp_id: corpId, chat_id: chatId, status: 0 })
    .select('id', 'member_id', 'join_time', 'status')) as StayRef[];
}

/** Ends stays at `at` (now when null) with the quit scene. */
export async function closeGroupStays(
  db: Executor,
  ids: readonly string[],
  at: Date | null,
  quitScene: number | null,
): Promise<void> {
  if (ids.length === 0) return;
  await db('wecom_group_member')
    .whereIn('id', ids)
    .update({ status: 1, quit_time: at ?? db.fn.now(), quit_scene: quitScene, mtime: db.fn.now() });
}

/** Opens current stays; returns how many. */
export async function insertStays(
  db: Executor,
  rows: readonly MemberStayValues[],
  options: StayWriteOptions,
): Promise<number> {
  if (rows.length === 0) return 0;
  const actor = options.actor ?? 'wecom-sync';
  const values = rows.map((row) => ({
    ...row,
    status: 0,
    seen_sync_run: options.syncRunId ?? null,
    cuser: actor,
    muser: actor,
  }));
  for (let i = 0; i < values.length; i += 500) await db('wecom_group_member').insert(values.slice(i, i + 500));
  return rows.length;
}

/**
 * Refreshes current stays from a new sighting (WeCom's fields; the join time is the stay's own).
 * A stay whose fields are unchanged keeps its mtime unless `touch`; returns how many changed.
 */
export async function updateStays(
  db: Executor,
  rows: ReadonlyArray<MemberStayValues & { id: string }>,
  options: StayWriteOptions,
): Promise<number> {
  if (rows.length === 0) return 0;
  const actor = options.actor ?? 'wecom-sync';
  const fields = ['member_type', 'unionid', 'join_time', 'join_scene', 'invitor', 'group_nickname', 'name', 'state'];
  const result = await db.raw<{ rows: Array<{ changed: boolean }> }>(
    `UPDATE wecom_group_member m
        SET ${fields.map((f) => `${f} = v.${f}`).join(', ')},
            is_del = 0, del_time = NULL,
            seen_sync_run = COALESCE(?::bigint, m.seen_sync_run),
            mtime = CASE WHEN v.changed OR ? THEN now() ELSE m.mtime END,
            muser = CASE WHEN v.changed THEN ? ELSE m.muser END
       FROM (SELECT v.*,
                    (${fields.map((f) => `o.${f}`).join(', ')}, o.is_del) IS DISTINCT FROM
                    (${fields.map((f) => `v.${f}`).join(', ')}, 0) AS changed
               FROM jsonb_to_recordset(?::jsonb) AS v(id bigint, member_type smallint, unionid text,
                      join_time timestamptz, join_scene smallint, invitor text, group_nickname text, name text, state text)
               JOIN wecom_group_member o ON o.id = v.id) v
      WHERE m.id = v.id
        AND (v.changed OR ? OR (?::bigint IS NOT NULL AND m.seen_sync_run IS DISTINCT FROM ?::bigint))
      RETURNING v.changed`,
    [
      options.syncRunId ?? null,
      options.touch === true,
      actor,
      JSON.stringify(
        rows.map((r) => ({ id: r.id, ...Object.fromEntries(fields.map((f) => [f, r[f as keyof MemberStayValues]])) })),
      ),
      options.touch === true,
      options.syncRunId ?? null,
      options.syncRunId ?? null,
    ],
  );
  return result.rows.filter((r) => r.changed).length;
}

/** The member's stay that ended exactly at `at`. */
export async function findStayEndedAt(
  db: Executor,
  corpId: string,
  chatId: string,
  memberId: string,
  at: Date,
): Promise<StayRef | undefined> {
  return (await db('wecom_group_member')
    .where({ corp_id: corpId, chat_id: chatId, member_id: memberId, status: 1, quit_time: at })
    .orderBy('id', 'desc')
    .first('id', 'member_id', 'join_time', 'status')) as StayRef | undefined;
}

/** The member's latest stay that began by `at` (one with an unknown join time counts as earliest). */
export async function findLatestStayBefore(
  db: Executor,
  corpId: string,
  chatId: string,
  memberId: string,
  at: Date,
): Promise<StayRef | undefined> {
  return (await db('wecom_group_member')
    .where({ corp_id: corpId, chat_id: chatId, member_id: memberId })
    .andWhere((q) => q.where('join_time', '<=', at).orWhereNull('join_time'))
    .orderByRaw('join_time DESC NULLS LAST, id DESC')
    .first('id', 'member_id', 'join_time', 'status')) as StayRef | undefined;
}

export async function updateStayDeparture(db: Executor, id: string, at: Date, quitScene: number | null): Promise<void> {
  await db('wecom_group_member')
    .where({ id })
    .update({ status: 1, quit_time: at, quit_scene: quitScene, mtime: db.fn.now() });
}

/** Opens a new current stay with the fields of stay `id` (the member is in the group again). */
export async function reopenStay(db: Executor, id: string): Promise<void> {
  const columns = [
    'corp_id',
    'chat_id',
    'member_id',
    'member_type',
    'unionid',
    'join_time',
    'join_scene',
    'invitor',
    'group_nickname',
    'name',
    'state',
    'seen_sync_run',
    'cuser',
    'muser',
  ];
  await db.raw(
    `INSERT INTO wecom_group_member (${columns.join(', ')}, status)
     SELECT ${columns.join(', ')}, 0 FROM wecom_group_member WHERE id = ?`,
    [id],
  );
}
