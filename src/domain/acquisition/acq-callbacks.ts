import type { Db } from '../../db/knex';
import {
  countAcqLinkProfileOpen,
  findLinkOfWecomLink,
  listAcqEvents,
  markAcqLinkAbnormal,
  recordAcqEvent,
  type AcqEventInsert,
} from '../../db/queries/acq-events';
import { insertCustomerEvents } from '../../db/queries/customer-events';
import type { WecomApi } from '../../wecom/api';
import { WecomApiError, WecomNetworkError } from '../../wecom/errors';
import { CHINA_TIME_ZONE } from '../china-time';

type Fields = Record<string, unknown>;

export type AcqCallbackOutcome = { applied: true; note?: string } | { applied: false; note: string };

/** Quota notices of the corp's acquisition-link quota (获客助手额度), kept per corp for the admin read. */
export const QUOTA_CHANGES = ['balance_low', 'balance_exhausted', 'quota_expire_soon', 'balance_increased'] as const;

/** Why a link is abnormal when WeCom says so (shown as statusReason). */
const ABNORMAL_REASONS: Record<string, string> = {
  link_unavailable: '企业微信通知该获客链接已不可用，请检查获客助手额度和成员状态后重新发布',
  delete_link: '该获客链接已在企业微信中被删除，重新发布将重新创建',
};

/**
 * A visit that counts in openProfileCount. WeCom's sources disagree on the name: doc 97299 lists
 * friend_request (the customer asked to add the member from the link's page), lower-trust copies
 * open_profile; no source shows both sent for one visit, so either counts once per event. The
 * event names no customer: two visits of one link within the same second are byte-identical and
 * stored as one (event-store.ts), so the count may fall short, never over.
 */
const PROFILE_CHANGES = new Set(['open_profile', 'friend_request']);

function text(fields: Fields, key: string): string {
  const value = fields[key];
  return typeof value === 'string' ? value : '';
}

function eventTime(fields: Fields): Date {
  const seconds = Number(text(fields, 'CreateTime'));
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date();
}

/**
 * Applies one `customer_acquisition` callback. Its effect and the acq_event row that records it
 * commit together, and that row is unique per stored callback: a redelivery (stored once) or a
 * retried workflow never counts twice.
 */
export async function applyAcquisitionCallback(
  db: Db,
  corpId: string,
  fields: Fields,
  eventId: string | null,
): Promise<AcqCallbackOutcome> {
  const change = text(fields, 'ChangeType');
  if (eventId === null) return { applied: false, note: 'customer_acquisition event without a stored event id' };
  const row: AcqEventInsert = {
    corp_id: corpId,
    event_id: eventId,
    change_type: change,
    link_id: null,
    wecom_link_id: text(fields, 'LinkId') || null,
    userid: text(fields, 'UserID') || null,
    external_userid: text(fields, 'ExternalUserID') || null,
    detail: null,
    occurred_at: eventTime(fields),
  };
  if ((QUOTA_CHANGES as readonly string[]).includes(change)) {
    const expireTime = Number(text(fields, 'ExpireTime'));
    const expireQuotaNum = Number(text(fields, 'ExpireQuotaNum'));
    row.detail = {
      ...(Number.isFinite(expireTime) && expireTime > 0 ? { expireTime } : {}),
      ...(text(fields, 'ExpireQuotaNum') !== '' && Number.isFinite(expireQuotaNum) ? { expireQuotaNum } : {}),
    };
    const recorded = await recordAcqEvent(db, row);
    return recorded ? { applied: true } : { applied: false, note: 'quota notice already recorded' };
  }
  if (change === 'customer_start_chat') return applyFirstChat(db, row);
  if (ABNORMAL_REASONS[change] === undefined && !PROFILE_CHANGES.has(change)) {
    return { applied: false, note: `customer_acquisition/${change} is recorded but not applied` };
  }
  const link = row.wecom_link_id ? await findLinkOfWecomLink(db, corpId, row.wecom_link_id) : undefined;
  if (!link) return { applied: false, note: `WeCom link ${row.wecom_link_id ?? '(none)'} is not one of ours` };
  row.link_id = link.id;
  row.detail = { state: text(fields, 'State') || null, ruleUserId: link.ruleUserId };
  return db.transaction(async (trx) => {
    if (!(await recordAcqEvent(trx, row))) return { applied: false, note: 'already applied' };
    const reason = ABNORMAL_REASONS[change];
    if (reason === undefined) {
      await countAcqLinkProfileOpen(trx, link.id);
      return { applied: true, note: `acquisition link ${link.id} profile opened` };
    }
    const because = link.ruleUserId ? `成员 ${link.ruleUserId} 的获客链接：${reason}` : reason;
    const marked = await markAcqLinkAbnormal(trx, link.id, because);
    return marked
      ? { applied: true, note: `acquisition link ${link.id} marked abnormal` }
      : { applied: false, note: `acquisition link ${link.id} is not published; left as it is` };
  });
}

/** A customer's first message after an add through a link: an entry of the customer's timeline. */
async function applyFirstChat(db: Db, row: AcqEventInsert): Promise<AcqCallbackOutcome> {
  if (!row.external_userid) return { applied: false, note: 'customer_start_chat without ExternalUserID' };
  const externalUserid = row.external_userid;
  return db.transaction(async (trx) => {
    if (!(await recordAcqEvent(trx, row))) return { applied: false, note: 'already applied' };
    await insertCustomerEvents(trx, [
      {
        corpId: row.corp_id,
        externalUserid,
        kind: 'acq_chat_started',
        detail: { userid: row.userid },
        ctime: row.occurred_at,
      },
    ]);
    return { applied: true };
  });
}

export interface QuotaNotice {
  changeType: string;
  text: string;
  occurredAt: Date;
  /** quota_expire_soon: when the quota expires and how much of it. */
  expireTime: Date | null;
  expireQuotaNum: number | null;
}

const QUOTA_TEXTS: Record<string, (n: { expireTime: Date | null; expireQuotaNum: number | null }) => string> = {
  balance_low: () => '获客助手额度即将用完，请及时购买',
  balance_exhausted: () => '获客助手额度已用完，获客链接暂时无法再添加客户',
  quota_expire_soon: (n) =>
    `获客助手有${n.expireQuotaNum === null ? '部分' : ` ${n.expireQuotaNum} 个`}额度即将过期` +
    (n.expireTime ? `（${n.expireTime.toLocaleDateString('zh-CN', { timeZone: CHINA_TIME_ZONE })}）` : ''),
  balance_increased: () => '获客助手额度已增加',
};

/**
 * The corp's acquisition quota notices, newest first, and the warning they leave standing: the
 * latest notice, unless it says the balance went up again.
 */
export async function readQuotaNotices(
  db: Db,
  corpId: string,
  limit: number,
): Promise<{ warning: QuotaNotice | null; list: QuotaNotice[] }> {
  const rows = await listAcqEvents(db, corpId, QUOTA_CHANGES, limit);
  const list = rows.map((row): QuotaNotice => {
    const detail = row.detail ?? {};
    const expireTime = typeof detail['expireTime'] === 'number' ? new Date(detail['expireTime'] * 1000) : null;
    const expireQuotaNum = typeof detail['expireQuotaNum'] === 'number' ? detail['expireQuotaNum'] : null;
    const render = QUOTA_TEXTS[row.change_type] ?? (() => row.change_type);
    return {
      changeType: row.change_type,
      text: render({ expireTime, expireQuotaNum }),
      occurredAt: row.occurred_at,
      expireTime,
      expireQuotaNum,
    };
  });
  const latest = list[0];
  return { warning: latest && latest.changeType !== 'balance_increased' ? latest : null, list };
}

export interface AcqQuota {
  /** Quota used so far, all time. */
  total: number;
  balance: number;
  /** Parts of the balance that expire, by day (00:00 China time of that day). */
  expiring: Array<{ expireDate: Date; balance: number }>;
}

/**
 * The corp's quota as WeCom states it now, or why it could not be read: the notices are the
 * corp's own records and stay readable while WeCom is not.
 */
export async function readLiveQuota(api: WecomApi): Promise<{ quota: AcqQuota | null; error: string | null }> {
  try {
    const answer = await api.call('getAcquisitionQuota', {});
    return {
      quota: {
        total: answer.total,
        balance: answer.balance,
        expiring: (answer.quota_list ?? []).map((q) => ({
          expireDate: new Date(q.expire_date * 1000),
          balance: q.balance,
        })),
      },
      error: null,
    };
  } catch (error) {
    if (error instanceof WecomApiError) return { quota: null, error: `企业微信返回错误 ${error.errcode}` };
    if (error instanceof WecomNetworkError) return { quota: null, error: '暂时无法连接企业微信' };
    throw error;
  }
}
