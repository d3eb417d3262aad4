import type { Db, Executor } from '../../db/knex';
import {
  countAcqRuleHit,
  listAcqRulesForHit,
  lockAcqLinkForHit,
  type AcqLinkRow,
  type AcqRuleForHit,
} from '../../db/queries/acq-links';
import { friendsAmong } from '../../db/queries/wecom-relations';
import { selectMember, type MemberLoad, type WaitReason } from '../distribution/select-member';
import { CHINA_TIME_ZONE } from '../china-time';
import { localDay } from '../distribution/working-hours';
import { ConflictError, NotFoundError } from '../errors';
import { ACQ_LINK_PUBLISHED } from './acq-links';

/** Working hours and days of acquisition rules are wall-clock times in China, where the corps are. */
const ACQ_TIME_ZONE = CHINA_TIME_ZONE;

export interface AllocationVisitor {
  /** The visitor's WeCom external userid, when the landing page knows it. */
  externalUserid?: string;
  /** The visitor's WeChat unionid, matched through the customer mirror. */
  unionid?: string;
}

export type MissReason = WaitReason | 'LINK_DAILY_LIMIT_REACHED';

export type AllocationResult =
  | {
      hit: true;
      ruleId: string;
      userId: string;
      getType: string;
      state: string;
      qrCode: string | null;
      linkUrl: string | null;
      /** The employee was chosen because the visitor is already their friend. */
      friend: boolean;
    }
  | {
      hit: false;
      reason: MissReason;
      /** The link's own WeCom acquisition link (WeCom picks among its range), when it has one. */
      fallbackUrl: string | null;
    };

const withChannel = (url: string, state: string) =>
  `${url}${url.includes('?') ? '&' : '?'}customer_channel=${encodeURIComponent(state)}`;

/**
 * Picks the rule whose code a landing-page visitor is shown, and counts it. The link row is locked
 * for the few statements this takes, so every limit (per rule per day and per round, the link's
 * daily total) holds under any concurrency; the choice is the distribution engine's
 * (selectMember), with an employee the visitor already is a friend of tried first when the link
 * asks for it (priorityType 1 among all its rules, 2 among priorityUseridList).
 */
export async function allocationHit(
  db: Db,
  linkId: string,
  visitor: AllocationVisitor,
  now = new Date(),
): Promise<AllocationResult> {
  return db.transaction(async (trx) => {
    // A hand-out counter may lose its last few hundred milliseconds in a database crash (a limit
    // then lets a handful more through); in exchange the commit does not wait for the WAL flush,
    // which is most of what a landing-page view would otherwise cost (lockAcqLinkForHit sets it).
    const day = localDay(now, ACQ_TIME_ZONE);
    const link = await lockAcqLinkForHit(trx, linkId);
    if (!link) throw new NotFoundError('acquisition link', linkId, 'ACQ_LINK_NOT_FOUND');
    if (link.status !== ACQ_LINK_PUBLISHED) {
      throw new ConflictError(`acquisition link ${linkId} is not published`, 'ACQ_LINK_NOT_PUBLISHED', { id: linkId });
    }
    const rules = await listAcqRulesForHit(trx, link.id, day);
    const miss = (reason: MissReason): AllocationResult => ({
      hit: false,
      reason,
      fallbackUrl: link.url ? withChannel(link.url, link.state) : null,
    });
    // Rounds are numbered from 1 each day; counts of an older round count as none this round.
    const round = Math.max(1, ...rules.map((r) => r.round_no));
    const linkHits = rules.reduce((sum, r) => sum + r.hits, 0);
    if (link.daily_limit !== null && linkHits >= link.daily_limit) return miss('LINK_DAILY_LIMIT_REACHED');

    const members = rules.map((rule) => memberOf(rule, round));
    const friends = await preferredFriends(trx, link, rules, visitor);
    const preferred =
      friends.size > 0
        ? selectMember(
            members.filter((m) => friends.has(m.employeeUserid.toLowerCase())),
            now,
            ACQ_TIME_ZONE,
          )
        : undefined;
    const selection = preferred?.kind === 'chosen' ? preferred : selectMember(members, now, ACQ_TIME_ZONE);
    if (selection.kind === 'wait') return miss(selection.reason);

    const rule = rules.find((r) => r.id === selection.member.memberId) as AcqRuleForHit;
    await countAcqRuleHit(trx, rule.id, day, selection.startsNewRound ? round + 1 : round);
    return {
      hit: true,
      ruleId: rule.id,
      userId: rule.user_id,
      getType: rule.wecom_kind ?? rule.get_type,
      state: rule.state,
      qrCode: rule.qr_code,
      linkUrl: rule.link_url,
      friend: preferred?.kind === 'chosen',
    };
  });
}

function memberOf(rule: AcqRuleForHit, round: number): MemberLoad {
  return {
    memberId: rule.id,
    employeeUserid: rule.user_id,
    employeeName: null,
    weight: rule.weight,
    dailyLimit: rule.daily_limit,
    roundLimit: rule.round_limit,
    workingHours: rule.working_hours,
    active: true,
    assignedToday: rule.hits,
    assignedThisRound: rule.round_no === round ? rule.round_hits : 0,
  };
}

/** The rules' employees the visitor is already a friend of, as far as the link's priorityType asks. */
async function preferredFriends(
  db: Executor,
  link: AcqLinkRow,
  rules: AcqRuleForHit[],
  visitor: AllocationVisitor,
): Promise<Set<string>> {
  if (link.priority_type !== 1 && link.priority_type !== 2) return new Set();
  const candidates =
    link.priority_type === 1
      ? rules.map((r) => r.user_id)
      : rules
          .map((r) => r.user_id)
          .filter((u) => link.priority_userid_list.some((p) => p.toLowerCase() === u.toLowerCase()));
  return friendsAmong(db, link.corp_id, visitor, candidates);
}
