import type { Executor } from '../knex';
import { containsPattern } from './corp-rows';
import { readPage } from './paging';

/** An acquisition link of a channel (获客链接) with the WeCom link that serves as its fallback. */
export interface AcqLinkRow {
  id: string;
  corp_id: string;
  link_name: string;
  channel_id: string | null;
  channel_type: string | null;
  user_list: string[];
  department_list: string[];
  user_json: Array<{ userid: string; name?: string | null; position?: string | null }>;
  allocation_method: string;
  daily_limit: number | null;
  priority_type: number | null;
  priority_userid_list: string[];
  skip_verify: boolean;
  cst_tags: string[];
  is_send_welcome: number;
  welcome_content: string | null;
  media_ids: string[];
  status: number;
  status_reason: string | null;
  add_friend_count: number;
  open_profile_count: number;
  state: string;
  wecom_link_id: string | null;
  url: string | null;
  generation: number;
  applied_generation: number;
  publish_requested_generation: number;
  /** 'link' an acquisition link, 'qr' a channel QR code (acq-qrs). */
  kind: string;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

/** One employee of a link with its limits and its own single-person WeCom object. */
export interface AcqRuleRow {
  id: string;
  corp_id: string;
  link_id: string;
  user_id: string;
  weight: number;
  daily_limit: number | null;
  round_limit: number | null;
  working_hours: string | null;
  get_type: string;
  state: string;
  /** Which WeCom object config_link_id names: 'qr' a contact way, 'link' an acquisition link. */
  wecom_kind: string | null;
  config_link_id: string | null;
  qr_code: string | null;
  link_url: string | null;
  position: number;
  is_del: number;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

export type AcqLinkFields = Pick<
  AcqLinkRow,
  | 'link_name'
  | 'channel_id'
  | 'channel_type'
  | 'user_list'
  | 'department_list'
  | 'user_json'
  | 'allocation_method'
  | 'daily_limit'
  | 'priority_type'
  | 'priority_userid_list'
  | 'skip_verify'
  | 'cst_tags'
  | 'is_send_welcome'
  | 'welcome_content'
  | 'media_ids'
  | 'status'
>;

export type AcqRuleFields = Pick<
  AcqRuleRow,
  'user_id' | 'weight' | 'daily_limit' | 'round_limit' | 'working_hours' | 'get_type' | 'position'
>;

/** What WeCom answered for one object: its id and the code or URL a customer scans or opens. */
export interface WecomObjectRef {
  kind: string | null;
  configLinkId: string | null;
  qrCode: string | null;
  linkUrl: string | null;
}

export interface AcqLinkFilter {
  pageNum: number;
  pageSize: number;
  linkName?: string;
  channelId?: string;
  channelType?: string;
  status?: number;
  userId?: string;
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
}

/** Primary key of acq_state: a state handed to WeCom names one link (and rule) per corp. */
export const ACQ_STATE_KEY = 'acq_state_pkey';

const SORT_COLUMNS: Record<string, string> = {
  id: 'l.id',
  linkName: 'l.link_name',
  ctime: 'l.ctime',
  mtime: 'l.mtime',
  addFriendCount: 'l.add_friend_count',
};

/** Array columns: knex sends JS arrays as PostgreSQL arrays, jsonb as text. */
function linkValues(fields: Partial<AcqLinkFields>): Record<string, unknown> {
  const { user_json, ...rest } = fields;
  return user_json === undefined ? rest : { ...rest, user_json: JSON.stringify(user_json) };
}

export async function findAcqLink(db: Executor, corpId: string, id: string): Promise<AcqLinkRow | undefined> {
  return db<AcqLinkRow>('acq_link').where({ corp_id: corpId, id, is_del: 0, kind: 'link' }).first();
}

/** A live link or channel QR code (both are acq_link rows): where an add through its state came from. */
export async function findAcqSource(db: Executor, corpId: string, id: string): Promise<AcqLinkRow | undefined> {
  return db<AcqLinkRow>('acq_link').where({ corp_id: corpId, id, is_del: 0 }).first();
}

/** The link row (deleted or not) under a row lock, so saves and publishing of one link take turns. */
export async function lockAcqLink(db: Executor, corpId: string, id: string): Promise<AcqLinkRow | undefined> {
  return db<AcqLinkRow>('acq_link').where({ corp_id: corpId, id, kind: 'link' }).forUpdate().first();
}

/** Any link row by id, deleted ones included (publishing removes a deleted link's WeCom objects). */
export async function findAcqLinkForPublish(db: Executor, id: string): Promise<AcqLinkRow | undefined> {
  return db<AcqLinkRow>('acq_link').where({ id }).first();
}

/** Live rules of a link in their order. */
export async function listAcqRules(db: Executor, linkId: string): Promise<AcqRuleRow[]> {
  return db<AcqRuleRow>('acq_link_rule').where({ link_id: linkId, is_del: 0 }).orderBy(['position', 'id']);
}

/** Live rules, and removed ones whose WeCom object still exists (publishing deletes those). */
export async function listAcqRulesForPublish(db: Executor, linkId: string): Promise<AcqRuleRow[]> {
  return db<AcqRuleRow>('acq_link_rule')
    .where({ link_id: linkId })
    .andWhere((q) => q.where('is_del', 0).orWhereNotNull('config_link_id'))
    .orderBy(['position', 'id']);
}

/** Live rules of many links, grouped by link id. */
export async function listAcqRulesOfLinks(db: Executor, linkIds: string[]): Promise<Map<string, AcqRuleRow[]>> {
  const byLink = new Map<string, AcqRuleRow[]>(linkIds.map((id) => [id, []]));
  if (linkIds.length === 0) return byLink;
  const rows = await db<AcqRuleRow>('acq_link_rule')
    .whereIn('link_id', linkIds)
    .andWhere({ is_del: 0 })
    .orderBy(['link_id', 'position', 'id']);
  for (const row of rows) byLink.get(row.link_id)?.push(row);
  return byLink;
}

export async function pageAcqLinks(
  db: Executor,
  corpId: string,
  f: AcqLinkFilter,
): Promise<{ list: AcqLinkRow[]; total: number }> {
  const q = db('acq_link as l').where({ 'l.corp_id': corpId, 'l.is_del': 0, 'l.kind': 'link' });
  if (f.linkName) q.andWhereILike('l.link_name', containsPattern(f.linkName));
  if (f.channelId) q.andWhere('l.channel_id', f.channelId);
  if (f.channelType) q.andWhere('l.channel_type', f.channelType);
  if (f.status !== undefined) q.andWhere('l.status', f.status);
  if (f.userId) {
    const userId = f.userId;
    q.andWhere((w) =>
      w
        .whereRaw('? = ANY(l.user_list)', [userId])
        .orWhereExists((r) =>
          r
            .select(db.raw('1'))
            .from('acq_link_rule as r')
            .whereRaw('r.link_id = l.id')
            .andWhere({ 'r.is_del': 0, 'r.user_id': userId }),
        ),
    );
  }
  const { rows, total } = await readPage<AcqLinkRow>(q, f, (page) =>
    page
      .select('l.*')
      .orderBy(SORT_COLUMNS[f.sortField ?? 'id'] ?? 'l.id', f.sortOrder === 'asc' ? 'asc' : 'desc')
      .orderBy('l.id', 'desc'),
  );
  return { list: rows, total };
}

/** Inserts a link with a provisional state; the caller sets the final one once the id is known. */
export async function insertAcqLink(
  db: Executor,
  corpId: string,
  fields: AcqLinkFields,
  state: string,
  actor: string,
): Promise<string> {
  const [row] = (await db('acq_link')
    .insert({ corp_id: corpId, ...linkValues(fields), state, cuser: actor, muser: actor })
    .returning('id')) as Array<{ id: string }>;
  if (!row) throw new Error('acquisition link insert returned no row');
  return row.id;
}

export async function updateAcqLink(
  db: Executor,
  id: string,
  patch: Partial<AcqLinkFields> & { state?: string; generation?: number; is_del?: number; status_reason?: null },
  actor: string,
): Promise<void> {
  await db('acq_link')
    .where({ id })
    .update({ ...linkValues(patch), muser: actor, mtime: db.fn.now() });
}

export async function insertAcqRule(
  db: Executor,
  corpId: string,
  linkId: string,
  fields: AcqRuleFields,
  state: string,
  actor: string,
): Promise<string> {
  const [row] = (await db('acq_link_rule')
    .insert({ corp_id: corpId, link_id: linkId, ...fields, state, cuser: actor, muser: actor })
    .returning('id')) as Array<{ id: string }>;
  if (!row) throw new Error('allocation rule insert returned no row');
  return row.id;
}

export async function updateAcqRule(
  db: Executor,
  id: string,
  patch: Partial<AcqRuleFields> & { state?: string; is_del?: number },
  actor: string,
): Promise<void> {
  await db('acq_link_rule')
    .where({ id })
    .update({ ...patch, muser: actor, mtime: db.fn.now() });
}

/** Maps a state to its link and rule; a state taken in the corp violates ACQ_STATE_KEY. */
export async function claimAcqState(
  db: Executor,
  corpId: string,
  state: string,
  linkId: string,
  ruleId: string | null,
): Promise<void> {
  await db('acq_state').insert({ corp_id: corpId, state, link_id: linkId, rule_id: ruleId });
}

/** Which link and rule a state handed to WeCom belongs to. */
export async function findAcqState(
  db: Executor,
  corpId: string,
  state: string,
): Promise<{ link_id: string; rule_id: string | null } | undefined> {
  return db('acq_state').where({ corp_id: corpId, state }).first('link_id', 'rule_id');
}

/** Records the WeCom object a rule now has (all null: it has none). */
export async function setRuleWecomObject(db: Executor, ruleId: string, ref: WecomObjectRef): Promise<void> {
  await db('acq_link_rule').where({ id: ruleId }).update({
    wecom_kind: ref.kind,
    config_link_id: ref.configLinkId,
    qr_code: ref.qrCode,
    link_url: ref.linkUrl,
    mtime: db.fn.now(),
  });
}

/** Records the link-level WeCom acquisition link (null: none). */
export async function setLinkWecomObject(
  db: Executor,
  linkId: string,
  ref: { wecomLinkId: string | null; url: string | null },
): Promise<void> {
  await db('acq_link').where({ id: linkId }).update({ wecom_link_id: ref.wecomLinkId, url: ref.url });
}

/**
 * Says WeCom now holds `generation` of the link; `failure` marks the link abnormal (status 2) with
 * the reason. An older generation never overwrites a newer one.
 */
export async function finishAcqPublish(
  db: Executor,
  linkId: string,
  generation: number,
  failure: string | null,
): Promise<void> {
  await db('acq_link')
    .where({ id: linkId })
    .andWhere('applied_generation', '<', generation)
    .update({
      applied_generation: generation,
      status_reason: failure,
      ...(failure !== null ? { status: 2 } : {}),
    });
}

/** Records that publishing of `generation` was asked of Temporal (monotonic). */
export async function markAcqPublishRequested(db: Executor, linkId: string, generation: number): Promise<void> {
  await db('acq_link')
    .where({ id: linkId })
    .andWhere('publish_requested_generation', '<', generation)
    .update({ publish_requested_generation: generation });
}

/** Links saved at least `olderThanMs` ago whose publishing was never asked of Temporal. */
export async function findUnrequestedAcqPublishes(
  db: Executor,
  limit: number,
  olderThanMs: number,
): Promise<Array<{ id: string; corpId: string; linkName: string; generation: number }>> {
  const rows = (await db('acq_link')
    .whereRaw('generation > publish_requested_generation')
    .andWhere('mtime', '<', db.raw(`now() - (? * interval '1 millisecond')`, [olderThanMs]))
    .orderBy('mtime')
    .limit(limit)
    .select('id', 'corp_id', 'link_name', 'generation')) as Array<{
    id: string;
    corp_id: string;
    link_name: string;
    generation: number;
  }>;
  return rows.map((r) => ({ id: r.id, corpId: r.corp_id, linkName: r.link_name, generation: r.generation }));
}

/** Where a link's publishing stands: the generation saved and the one WeCom holds. */
export async function findAcqPublishState(
  db: Executor,
  linkId: string,
): Promise<{ generation: number; applied_generation: number } | undefined> {
  return db('acq_link').where({ id: linkId }).first('generation', 'applied_generation');
}
