import type { Executor } from '../knex';
import type { AcqLinkRow } from './acq-links';
import { containsPattern } from './corp-rows';
import { readPage } from './paging';

/** A channel QR code (渠道活码): an acq_link row of kind 'qr' with its one WeCom contact way. */
export interface AcqQrRow extends AcqLinkRow {
  qr_type: 'single' | 'multi';
  remark: string | null;
  config_id: string | null;
  qr_code: string | null;
  pushed_users: string[] | null;
  pushed_parties: string[] | null;
  members_note: string | null;
  /** When the multi-person code's current round of adds began (null: at local midnight). */
  round_started_at: Date | null;
}

export type AcqQrFields = Pick<
  AcqQrRow,
  | 'link_name'
  | 'channel_id'
  | 'channel_type'
  | 'qr_type'
  | 'department_list'
  | 'skip_verify'
  | 'cst_tags'
  | 'is_send_welcome'
  | 'welcome_content'
  | 'media_ids'
  | 'remark'
  | 'status'
>;

/** The contact way WeCom holds for a code and the member list it was last given (all null: none). */
export interface QrContactWay {
  config_id: string | null;
  qr_code: string | null;
  pushed_users: string[] | null;
  pushed_parties: string[] | null;
  members_note: string | null;
}

export interface AcqQrFilter {
  pageNum: number;
  pageSize: number;
  name?: string;
  channelId?: string;
  channelType?: string;
  type?: 'single' | 'multi';
  status?: number;
  userId?: string;
}

export const QR_KIND = 'qr';

export async function findAcqQr(db: Executor, corpId: string, id: string): Promise<AcqQrRow | undefined> {
  return db<AcqQrRow>('acq_link').where({ corp_id: corpId, id, is_del: 0, kind: QR_KIND }).first();
}

/** The code's row (deleted or not) under a row lock: saves and publishing of one code take turns. */
export async function lockAcqQr(db: Executor, corpId: string, id: string): Promise<AcqQrRow | undefined> {
  return db<AcqQrRow>('acq_link').where({ corp_id: corpId, id, kind: QR_KIND }).forUpdate().first();
}

export async function pageAcqQrs(
  db: Executor,
  corpId: string,
  f: AcqQrFilter,
): Promise<{ list: AcqQrRow[]; total: number }> {
  const q = db('acq_link as l').where({ 'l.corp_id': corpId, 'l.is_del': 0, 'l.kind': QR_KIND });
  if (f.name) q.andWhereILike('l.link_name', containsPattern(f.name));
  if (f.channelId) q.andWhere('l.channel_id', f.channelId);
  if (f.channelType) q.andWhere('l.channel_type', f.channelType);
  if (f.type) q.andWhere('l.qr_type', f.type);
  if (f.status !== undefined) q.andWhere('l.status', f.status);
  if (f.userId) {
    const userId = f.userId;
    q.whereExists((r) =>
      r
        .select(db.raw('1'))
        .from('acq_link_rule as r')
        .whereRaw('r.link_id = l.id')
        .andWhere({ 'r.is_del': 0, 'r.user_id': userId }),
    );
  }
  const { rows, total } = await readPage<AcqQrRow>(q, f, (page) => page.select('l.*').orderBy('l.id', 'desc'));
  return { list: rows, total };
}

/** Inserts a code with a provisional state; the caller sets the final one once the id is known. */
export async function insertAcqQr(
  db: Executor,
  corpId: string,
  fields: AcqQrFields,
  state: string,
  actor: string,
): Promise<string> {
  const [row] = (await db('acq_link')
    .insert({ corp_id: corpId, kind: QR_KIND, ...fields, state, cuser: actor, muser: actor })
    .returning('id')) as Array<{ id: string }>;
  if (!row) throw new Error('channel QR code insert returned no row');
  return row.id;
}

export async function updateAcqQr(
  db: Executor,
  id: string,
  patch: Partial<AcqQrFields> & { state?: string; generation?: number; is_del?: number; status_reason?: null },
  actor: string,
): Promise<void> {
  await db('acq_link')
    .where({ id, kind: QR_KIND })
    .update({ ...patch, muser: actor, mtime: db.fn.now() });
}

export async function setQrContactWay(db: Executor, id: string, way: QrContactWay): Promise<void> {
  await db('acq_link').where({ id, kind: QR_KIND }).update(way);
}

export async function startQrRound(db: Executor, id: string, at: Date): Promise<void> {
  await db('acq_link').where({ id, kind: QR_KIND }).update({ round_started_at: at });
}

/** Adds through `state` since `since` per employee, from the relation mirror (userid lower-cased). */
export async function countAddsByMemberSince(
  db: Executor,
  corpId: string,
  state: string,
  since: Date,
): Promise<Map<string, number>> {
  const rows = (await db('wecom_relation')
    .where({ corp_id: corpId, state })
    .andWhere('add_time', '>=', since)
    .groupByRaw('lower(userid)')
    .select(db.raw('lower(userid) as userid'), db.raw('count(*)::int as n'))) as Array<{ userid: string; n: number }>;
  return new Map(rows.map((r) => [r.userid, r.n]));
}
