import type { Db } from '../../db/knex';
import {
  inHitTransaction,
  type AcqLinkForHit,
  type AcqRuleForHit,
  type HitTransaction,
} from '../../db/queries/acq-hit';
import { GroupCommitQueue } from '../../db/group-commit';
import { CHINA_TIME_ZONE } from '../china-time';
import { selectMember, type MemberLoad, type WaitReason } from '../distribution/select-member';
import { localDay } from '../distribution/working-hours';
import { ConflictError, NotFoundError, type DomainError } from '../errors';
import { ACQ_LINK_PUBLISHED } from './acq-links';

/** Working hours and days of acquisition rules are wall-clock times in China, where the corps are. */
const ACQ_TIME_ZONE = CHINA_TIME_ZONE;

export interface AllocationVisitor {
  /** The visitor's WeCom external userid, when the landing page knows it. */
  externalUserid?: string;
  /** The visitor's WeChat unionid, matched through the customer mirror. */
  unionid?: string;
}

export interface AllocationRequest {
  linkId: string;
  visitor: AllocationVisitor;
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

/** One request's answer within a batch: its result, or the error that request alone gets. */
export type AllocationOutcome = { result: AllocationResult } | { error: DomainError };

const withChannel = (url: string, state: string) =>
  `${url}${url.includes('?') ? '&' : '?'}customer_channel=${encodeURIComponent(state)}`;

/**
 * Picks, for each landing-page visitor in order, the rule whose code they are shown, and counts
 * it. The links' rows are locked for the few statements a batch takes (however many visitors it
 * carries), so every limit — per rule per day and per round, the link's daily total — holds
 * under any concurrency, and a batch decides exactly as the same visitors one after another
 * would. The choice is the distribution engine's (selectMember), an employee the visitor already
 * is a friend of tried first when the link asks for it (priorityType 1 among all its rules, 2
 * among priorityUseridList).
 *
 * How the transaction is kept short (two round trips) and what a database crash may cost: see
 * inHitTransaction.
 */
export async function allocateBatch(
  db: Db,
  requests: readonly AllocationRequest[],
  now = new Date(),
): Promise<AllocationOutcome[]> {
  const day = localDay(now, ACQ_TIME_ZONE);
  return inHitTransaction(db, [...new Set(requests.map((r) => r.linkId))], day, async (tx) => {
    const links = new Map(tx.links.map((l) => [String(l.id), l]));
    const rulesByLink = new Map<string, AcqRuleForHit[]>();
    for (const rule of tx.rules) {
      rulesByLink.set(rule.link_id, [...(rulesByLink.get(rule.link_id) ?? []), rule]);
    }
    const touched = new Set<AcqRuleForHit>();
    const outcomes: AllocationOutcome[] = [];
    for (const request of requests) {
      const link = links.get(request.linkId);
      if (!link) {
        outcomes.push({ error: new NotFoundError('acquisition link', request.linkId, 'ACQ_LINK_NOT_FOUND') });
      } else if (link.status !== ACQ_LINK_PUBLISHED) {
        const error = new ConflictError(`acquisition link ${link.id} is not published`, 'ACQ_LINK_NOT_PUBLISHED', {
          id: String(link.id),
        });
        outcomes.push({ error });
      } else {
        const rules = rulesByLink.get(request.linkId) ?? [];
        outcomes.push({ result: await allocateOne(tx, link, rules, request.visitor, now, touched) });
      }
    }
    return { result: outcomes, counters: [...touched] };
  });
}

/** One visitor's choice among the link's rules; the chosen rule's counters move in memory. */
async function allocateOne(
  tx: HitTransaction,
  link: AcqLinkForHit,
  rules: AcqRuleForHit[],
  visitor: AllocationVisitor,
  now: Date,
  touched: Set<AcqRuleForHit>,
): Promise<AllocationResult> {
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
  const friends = await preferredFriends(tx, link, rules, visitor);
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
  const inRound = selection.startsNewRound ? round + 1 : round;
  rule.round_hits = rule.round_no === inRound ? rule.round_hits + 1 : 1;
  rule.round_no = inRound;
  rule.hits += 1;
  touched.add(rule);
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
  tx: HitTransaction,
  link: AcqLinkForHit,
  rules: AcqRuleForHit[],
  visitor: AllocationVisitor,
): Promise<Set<string>> {
  if (link.priority_type !== 1 && link.priority_type !== 2) return new Set();
  const listed = new Set(link.priority_userid_list.map((u) => u.toLowerCase()));
  const candidates = rules.map((r) => r.user_id).filter((u) => link.priority_type === 1 || listed.has(u.toLowerCase()));
  return tx.friendsAmong(link.corp_id, visitor, candidates);
}

/** Most visitors one transaction decides for. */
const MAX_BATCH = 64;

export type AllocationQueue = GroupCommitQueue<AllocationRequest, AllocationOutcome>;

/**
 * Landing-page views arriving together share one transaction (group commit): under load one set
 * of round trips serves many visitors. One transaction at a time: a second one in flight would
 * mostly wait on the first one's row locks, and on the benchmark (bench/README, "Allocation")
 * one at a time with larger batches beat two or four in flight, and beat lanes per link.
 */
export function createAllocationQueue(db: Db): AllocationQueue {
  let next = 0;
  return new GroupCommitQueue<AllocationRequest, AllocationOutcome>({
    write: (requests) => allocateBatch(db, requests),
    // Every request its own key: one link's visitors may share a batch, decided in order.
    keyOf: () => String(next++),
    maxBatch: MAX_BATCH,
    maxInFlight: 1,
    retryAlone: () => true,
  });
}

/** The visitor's answer through the queue; the request's own error (unknown link, draft) is thrown. */
export async function allocationHit(queue: AllocationQueue, request: AllocationRequest): Promise<AllocationResult> {
  const outcome = await queue.submit(request);
  if ('error' in outcome) throw outcome.error;
  return outcome.result;
}
