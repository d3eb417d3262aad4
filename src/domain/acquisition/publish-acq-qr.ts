import { DateTime } from 'luxon';
import type { Db } from '../../db/knex';
import {
  finishAcqPublish,
  findAcqLinkForPublish,
  findAcqPublishState,
  listAcqRules,
  type AcqRuleRow,
} from '../../db/queries/acq-links';
import {
  countAddsByMemberSince,
  QR_KIND,
  setQrContactWay,
  startQrRound,
  type AcqQrRow,
} from '../../db/queries/acq-qrs';
import type { WecomApi } from '../../wecom/api';
import { isTokenRejectedErrcode, WecomApiError } from '../../wecom/errors';
import { withKeyLocks } from '../refuse-duplicates';
import { ACQ_LINK_PUBLISHED } from './acq-links';
import { CHINA_TIME_ZONE as ACQ_TIME_ZONE } from '../china-time';
import { eligibleMembers, nextMemberEdge, sameMembers, type QrMember } from './qr-members';

/** WeCom's answer for a config_id it no longer has. */
const CONTACT_WAY_GONE = 41044;

/** Recorded when nobody is eligible: WeCom refuses an empty member list, so the last one stays. */
export const NOBODY_ELIGIBLE_NOTE = '当前没有可接待的成员（不在工作时间或已达每日上限），企业微信中保留上次的成员名单';

export interface QrPublishOutcome {
  generation: number;
  failure: string | null;
  behind: boolean;
  /** When the member list may change next by the clock (epoch ms); null: nothing to wait for. */
  nextCheckAt: number | null;
}

function isPermanent(error: unknown): error is WecomApiError {
  return error instanceof WecomApiError && !error.retryable && !isTokenRejectedErrcode(error.errcode);
}

const asMember = (r: AcqRuleRow): QrMember => ({
  userId: r.user_id,
  weight: r.weight,
  dailyLimit: r.daily_limit,
  roundLimit: r.round_limit,
  workingHours: r.working_hours,
});

const isLive = (code: AcqQrRow) => code.is_del === 0 && code.status === ACQ_LINK_PUBLISHED;

/**
 * Brings WeCom to the code's row, the caller holding the code's publishing lock: a published code
 * has one contact way (type 1 single, 2 multi; scene 2; its state, skip_verify, members and
 * departments), anything else has none. A new generation always updates the contact way; a
 * re-run of the same generation pushes the member list only when it changed.
 */
export async function publishAcqQrLocked(
  db: Db,
  wecom: WecomApi,
  code: AcqQrRow,
  now = new Date(),
): Promise<QrPublishOutcome> {
  const generation = code.generation;
  const members = code.is_del === 0 ? await listAcqRules(db, code.id) : [];
  let failure: string | null = null;
  try {
    if (isLive(code)) await pushContactWay(db, wecom, code, members, code.applied_generation < generation, now);
    else await removeContactWay(db, wecom, code);
  } catch (error) {
    if (!isPermanent(error)) throw error;
    failure = `企业微信拒绝了发布：${error.errcode} ${error.errmsg}`.slice(0, 1000);
  }
  await finishAcqPublish(db, code.id, generation, failure);
  const state = await findAcqPublishState(db, code.id);
  const edge =
    isLive(code) && failure === null && code.qr_type === 'multi'
      ? nextMemberEdge(members.map(asMember), now, ACQ_TIME_ZONE)
      : null;
  return {
    generation,
    failure,
    behind: (state?.generation ?? generation) > generation,
    nextCheckAt: edge ? edge.getTime() : null,
  };
}

/**
 * Recomputes a published multi-person code's member list from the mirror's adds today and the
 * members' working hours, and pushes it with update_contact_way only when it changed. The
 * add-event path calls it after an add through the code's state, so a member reaching their
 * daily limit leaves the code at once. Answers whether WeCom was called; a code that is not
 * published (or still being published) is left to its publishing workflow.
 */
export async function recomputeQrMembers(
  db: Db,
  wecom: WecomApi,
  codeId: string,
  now = new Date(),
): Promise<{ changed: boolean; users: string[] | null }> {
  return withKeyLocks(db, [['acq-link-publish', codeId]], async () => {
    const code = (await findAcqLinkForPublish(db, codeId)) as AcqQrRow | undefined;
    if (!code || code.kind !== QR_KIND || !isLive(code) || code.qr_type !== 'multi') {
      return { changed: false, users: null };
    }
    if (!code.config_id || code.applied_generation < code.generation) {
      return { changed: false, users: code.pushed_users };
    }
    const changed = await pushContactWay(db, wecom, code, await listAcqRules(db, code.id), false, now);
    return {
      changed,
      users: ((await findAcqLinkForPublish(db, codeId)) as AcqQrRow | undefined)?.pushed_users ?? null,
    };
  });
}

/** The member list WeCom should hold now, and why it is not the eligible one (if it is not). */
async function wantedUsers(
  db: Db,
  code: AcqQrRow,
  members: AcqRuleRow[],
  now: Date,
): Promise<{ users: string[]; note: string | null; startsNewRound: boolean }> {
  if (code.qr_type === 'single') {
    return { users: members.slice(0, 1).map((m) => m.user_id), note: null, startsNewRound: false };
  }
  const midnight = DateTime.fromJSDate(now, { zone: ACQ_TIME_ZONE }).startOf('day').toJSDate();
  const today = await countAddsByMemberSince(db, code.corp_id, code.state, midnight);
  // Rounds restart every day: a round begun before midnight counts from midnight.
  const roundSince = code.round_started_at && code.round_started_at > midnight ? code.round_started_at : midnight;
  const thisRound =
    roundSince === midnight || !members.some((m) => m.round_limit !== null)
      ? today
      : await countAddsByMemberSince(db, code.corp_id, code.state, roundSince);
  const { users, startsNewRound } = eligibleMembers(members.map(asMember), { today, thisRound }, now, ACQ_TIME_ZONE);
  if (users.length > 0 || code.department_list.length > 0) return { users, note: null, startsNewRound };
  const last = code.pushed_users && code.pushed_users.length > 0 ? code.pushed_users : members.map((m) => m.user_id);
  return { users: last, note: NOBODY_ELIGIBLE_NOTE, startsNewRound: false };
}

/** Creates or updates the contact way; answers whether WeCom was called. */
async function pushContactWay(
  db: Db,
  wecom: WecomApi,
  code: AcqQrRow,
  members: AcqRuleRow[],
  force: boolean,
  now: Date,
): Promise<boolean> {
  const { users, note, startsNewRound } = await wantedUsers(db, code, members, now);
  // Recorded whether or not the list changes (one member alone starts round after round).
  if (startsNewRound) await startQrRound(db, code.id, now);
  const parties = code.qr_type === 'multi' ? code.department_list : [];
  const fields = {
    user: users,
    ...(code.qr_type === 'multi' ? { party: parties.map(Number) } : {}),
    state: code.state,
    skip_verify: code.skip_verify,
    remark: [...(code.remark ?? code.link_name)].slice(0, 30).join(''),
  };
  const record = (configId: string, qrCode: string | null) =>
    setQrContactWay(db, code.id, {
      config_id: configId,
      qr_code: qrCode,
      pushed_users: users,
      pushed_parties: parties,
      members_note: note,
    });
  const unchanged = sameMembers(users, code.pushed_users) && sameMembers(parties, code.pushed_parties ?? []);
  if (code.config_id && !force && unchanged) {
    if (note !== code.members_note) await setQrContactWay(db, code.id, { ...currentWay(code), members_note: note });
    return false;
  }
  if (code.config_id) {
    try {
      await wecom.call('updateContactWay', { body: { config_id: code.config_id, ...fields } });
      await record(code.config_id, code.qr_code);
      return true;
    } catch (error) {
      if (!(error instanceof WecomApiError && error.errcode === CONTACT_WAY_GONE)) throw error;
    }
  }
  const created = await wecom.call('addContactWay', {
    body: { type: code.qr_type === 'single' ? 1 : 2, scene: 2, ...fields },
  });
  await record(created.config_id, created.qr_code ?? null);
  return true;
}

const currentWay = (code: AcqQrRow) => ({
  config_id: code.config_id,
  qr_code: code.qr_code,
  pushed_users: code.pushed_users,
  pushed_parties: code.pushed_parties,
  members_note: code.members_note,
});

async function removeContactWay(db: Db, wecom: WecomApi, code: AcqQrRow): Promise<void> {
  if (!code.config_id) return;
  try {
    await wecom.call('delContactWay', { body: { config_id: code.config_id } });
  } catch (error) {
    if (!(error instanceof WecomApiError && error.errcode === CONTACT_WAY_GONE)) throw error;
  }
  await setQrContactWay(db, code.id, {
    config_id: null,
    qr_code: null,
    pushed_users: null,
    pushed_parties: null,
    members_note: null,
  });
}
