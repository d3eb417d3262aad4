import { randomBytes } from 'node:crypto';
import type { Db, Executor } from '../../db/knex';
import {
  ACQ_STATE_KEY,
  claimAcqState,
  findAcqLink,
  insertAcqLink,
  insertAcqRule,
  listAcqRules,
  lockAcqLink,
  updateAcqLink,
  updateAcqRule,
  type AcqLinkFields,
  type AcqLinkRow,
  type AcqRuleFields,
  type AcqRuleRow,
} from '../../db/queries/acq-links';
import { ConflictError, NotFoundError, ProblemList } from '../errors';
import { conflictOnUniqueViolation } from '../refuse-duplicates';
import { checkedChannel, checkSourceReferences } from './source-checks';

/** How a link hands customers to employees. */
export const ALLOCATION_METHODS = {
  /** Our allocation rules (weight, daily and round limits, working hours) pick at scan time. */
  weight: '按规则分配',
  /** WeCom's own rotation among the link's range, through the link-level acquisition link. */
  wecom: '企业微信轮流分配',
} as const;
export type AllocationMethod = keyof typeof ALLOCATION_METHODS;

export const ACQ_LINK_DRAFT = 0;
export const ACQ_LINK_PUBLISHED = 1;
export const ACQ_LINK_ABNORMAL = 2;

export interface AcqRuleInput {
  id?: string;
  userId?: string;
  weight?: number;
  dailyLimit?: number | null;
  roundLimit?: number | null;
  workingHours?: string | null;
  getType?: 'qr' | 'link';
  state?: string;
}

export interface SaveAcqLinkInput {
  id?: string;
  linkName?: string;
  channelId?: string | null;
  channelType?: string | null;
  userList?: string[];
  departmentList?: string[];
  userJson?: Array<{ userid: string; name?: string | null; position?: string | null }>;
  allocationMethod?: AllocationMethod;
  /** The link's whole rule set: rules are matched to stored ones by id, else by employee. */
  allocationRules?: AcqRuleInput[];
  dailyLimit?: number | null;
  priorityType?: number | null;
  priorityUseridList?: string[];
  skipVerify?: boolean;
  cstTags?: string[];
  isSendWelcome?: number;
  welcomeContent?: string | null;
  mediaIds?: string[];
  status?: number;
  state?: string;
}

export interface AcqLinkWithRules {
  link: AcqLinkRow;
  rules: AcqRuleRow[];
}

export interface SavedAcqLink extends AcqLinkWithRules {
  /** WeCom must be brought to this save (a draft that never was published needs nothing). */
  needsPublish: boolean;
}

export const linkState = (linkId: string): string => `ql${linkId}`;
export const ruleState = (linkId: string, ruleId: string): string => `ql${linkId}r${ruleId}`;
/** Placeholder until the row's id (and so its generated state) is known; never handed to WeCom. */
const provisionalState = (): string => `tmp${randomBytes(12).toString('hex')}`;

export async function getAcqLink(db: Executor, corpId: string, id: string): Promise<AcqLinkWithRules> {
  const link = await findAcqLink(db, corpId, id);
  if (!link) throw new NotFoundError('acquisition link', id, 'ACQ_LINK_NOT_FOUND');
  return { link, rules: await listAcqRules(db, id) };
}

const stateTaken = (state: string) =>
  new ConflictError(`state ${state} is used by another link or rule of this corp`, 'ACQ_STATE_TAKEN', { state });

/**
 * Adds or modifies a link and its rules in one transaction. The body is merged over the stored
 * link (absent fields stay), every reference is checked against the corp (one 400 names every bad
 * field), and states are claimed uniquely per corp (409). The caller brings WeCom up to the saved
 * generation when `needsPublish` says so.
 */
export async function saveAcqLink(
  db: Db,
  corpId: string,
  input: SaveAcqLinkInput,
  actor: string,
): Promise<SavedAcqLink> {
  const claimedStates: string[] = [];
  const id = await conflictOnUniqueViolation(
    () =>
      db.transaction(async (trx) => {
        const before = input.id === undefined ? undefined : await lockAcqLink(trx, corpId, input.id);
        if (input.id !== undefined && (!before || before.is_del !== 0)) {
          throw new NotFoundError('acquisition link', input.id, 'ACQ_LINK_NOT_FOUND');
        }
        const storedRules = before ? await listAcqRules(trx, before.id) : [];
        const fields = await checkedFields(trx, corpId, input, before, storedRules);
        const linkId = before
          ? before.id
          : await insertAcqLink(trx, corpId, fields, input.state ?? provisionalState(), actor);
        const state = input.state ?? (before ? before.state : linkState(linkId));
        if (!before || state !== before.state) {
          claimedStates.push(state);
          await claimAcqState(trx, corpId, state, linkId, null);
        }
        const needsPublish = fields.status === ACQ_LINK_PUBLISHED || (before?.generation ?? 0) > 0;
        await updateAcqLink(
          trx,
          linkId,
          {
            ...fields,
            state,
            status_reason: null,
            ...(needsPublish ? { generation: (before?.generation ?? 0) + 1 } : {}),
          },
          actor,
        );
        if (input.allocationRules !== undefined) {
          await saveRules(trx, corpId, linkId, input.allocationRules, storedRules, actor, (s) => claimedStates.push(s));
        }
        return linkId;
      }),
    { [ACQ_STATE_KEY]: () => stateTaken(claimedStates[claimedStates.length - 1] ?? '') },
  );
  const saved = await getAcqLink(db, corpId, id);
  return { ...saved, needsPublish: saved.link.generation > saved.link.applied_generation };
}

/** The link's columns after merging the body over the stored link, every reference checked. */
async function checkedFields(
  db: Executor,
  corpId: string,
  input: SaveAcqLinkInput,
  before: AcqLinkRow | undefined,
  storedRules: AcqRuleRow[],
): Promise<AcqLinkFields> {
  const problems = new ProblemList();
  if (!before && input.linkName === undefined) {
    problems.problem('linkName', 'is required to add an acquisition link', 'rule.requiredForNewLink');
  }
  const pick = <K extends keyof SaveAcqLinkInput, V>(key: K, stored: V): NonNullable<SaveAcqLinkInput[K]> | V =>
    (input[key] ?? stored) as NonNullable<SaveAcqLinkInput[K]> | V;
  const has = (key: keyof SaveAcqLinkInput) => input[key] !== undefined;

  const channelId = has('channelId') ? (input.channelId ?? null) : (before?.channel_id ?? null);
  const channelType = await checkedChannel(db, problems, corpId, {
    id: channelId,
    type: has('channelType') ? (input.channelType ?? null) : (before?.channel_type ?? null),
    idGiven: has('channelId'),
    typeGiven: has('channelType'),
  });

  const userList = pick('userList', before?.user_list ?? []);
  const departmentList = pick('departmentList', before?.department_list ?? []);
  const priorityUseridList = pick('priorityUseridList', before?.priority_userid_list ?? []);
  const priorityType = has('priorityType') ? (input.priorityType ?? null) : (before?.priority_type ?? null);
  const userJson = pick('userJson', before?.user_json ?? []);
  const cstTags = pick('cstTags', before?.cst_tags ?? []);
  const isSendWelcome = pick('isSendWelcome', before?.is_send_welcome ?? 0);
  const welcomeContent = has('welcomeContent') ? (input.welcomeContent ?? null) : (before?.welcome_content ?? null);
  const mediaIds = pick('mediaIds', before?.media_ids ?? []);
  // Saving a link WeCom refused (status 2) without a status tries to publish it again.
  const status = input.status ?? (before?.status === ACQ_LINK_ABNORMAL ? ACQ_LINK_PUBLISHED : (before?.status ?? 0));

  const rules = input.allocationRules;
  const employeeFields: Array<{ field: string; userid: string }> = [
    ...userList.map((userid, i) => ({ field: `userList[${i}]`, userid })),
    ...priorityUseridList.map((userid, i) => ({ field: `priorityUseridList[${i}]`, userid })),
    ...userJson.map((u, i) => ({ field: `userJson[${i}].userid`, userid: u.userid })),
    ...(rules ?? []).flatMap((r, i) =>
      r.userId !== undefined ? [{ field: `allocationRules[${i}].userId`, userid: r.userId }] : [],
    ),
  ];
  await checkSourceReferences(db, problems, corpId, {
    employees: employeeFields,
    departmentList,
    cstTags,
    isSendWelcome,
    welcomeContent,
    mediaIds,
  });
  if (priorityType === 2 && priorityUseridList.length === 0) {
    problems.problem('priorityUseridList', 'is required when priorityType is 2', 'rule.priorityListRequired');
  }
  if (rules) checkRules(problems, rules, storedRules);
  const ruleCount = rules ? rules.length : storedRules.length;
  if (status === ACQ_LINK_PUBLISHED && ruleCount === 0 && userList.length === 0 && departmentList.length === 0) {
    problems.problem(
      'status',
      'publishing needs allocation rules, userList or departmentList',
      'rule.publishNeedsRules',
    );
  }
  problems.throwIfAny();

  return {
    link_name: (input.linkName ?? before?.link_name ?? '').trim(),
    channel_id: channelId,
    channel_type: channelType,
    user_list: userList,
    department_list: departmentList,
    user_json: userJson,
    allocation_method: pick('allocationMethod', before?.allocation_method ?? 'weight'),
    daily_limit: has('dailyLimit') ? (input.dailyLimit ?? null) : (before?.daily_limit ?? null),
    priority_type: priorityType,
    priority_userid_list: priorityUseridList,
    skip_verify: pick('skipVerify', before?.skip_verify ?? true),
    cst_tags: cstTags,
    is_send_welcome: isSendWelcome,
    welcome_content: welcomeContent,
    media_ids: mediaIds,
    status,
  };
}

function checkRules(problems: ProblemList, rules: AcqRuleInput[], storedRules: AcqRuleRow[]): void {
  const storedIds = new Set(storedRules.map((r) => r.id));
  const seenUsers = new Map<string, number>();
  rules.forEach((rule, i) => {
    if (rule.id !== undefined && !storedIds.has(rule.id)) {
      problems.problem(`allocationRules[${i}].id`, `no rule ${rule.id} on this link`, 'rule.unknownRule', {
        id: rule.id,
      });
    }
    const stored = rule.id === undefined ? undefined : storedRules.find((r) => r.id === rule.id);
    const userId = (rule.userId ?? stored?.user_id)?.toLowerCase();
    if (userId === undefined) {
      if (rule.id === undefined) {
        problems.problem(`allocationRules[${i}].userId`, 'is required for a new rule', 'rule.requiredForNewRule');
      }
      return;
    }
    const first = seenUsers.get(userId);
    if (first !== undefined) {
      problems.problem(
        `allocationRules[${i}].userId`,
        `repeats the employee of allocationRules[${first}]`,
        'rule.duplicateRuleUser',
        {
          first,
        },
      );
    } else {
      seenUsers.set(userId, i);
    }
  });
}

/**
 * Brings the stored rules to `rules`: each is matched by id, else by employee, else added; stored
 * rules left unmatched are removed (their WeCom objects are deleted by publishing). Each state it
 * claims is told to `claimed` first, so a 409 can name it.
 */
async function saveRules(
  trx: Executor,
  corpId: string,
  linkId: string,
  rules: AcqRuleInput[],
  storedRules: AcqRuleRow[],
  actor: string,
  claimed: (state: string) => void,
): Promise<void> {
  const unmatched = new Map(storedRules.map((r) => [r.id, r]));
  const byUser = (userId: string) =>
    [...unmatched.values()].find((r) => r.user_id.toLowerCase() === userId.toLowerCase());
  for (const [position, rule] of rules.entries()) {
    const stored = rule.id !== undefined ? unmatched.get(rule.id) : rule.userId ? byUser(rule.userId) : undefined;
    const fields: Partial<AcqRuleFields> = {
      ...(rule.userId !== undefined ? { user_id: rule.userId } : {}),
      ...(rule.weight !== undefined ? { weight: rule.weight } : {}),
      ...(rule.dailyLimit !== undefined ? { daily_limit: rule.dailyLimit } : {}),
      ...(rule.roundLimit !== undefined ? { round_limit: rule.roundLimit } : {}),
      ...(rule.workingHours !== undefined ? { working_hours: rule.workingHours || null } : {}),
      ...(rule.getType !== undefined ? { get_type: rule.getType } : {}),
      position,
    };
    if (stored) {
      unmatched.delete(stored.id);
      const state = rule.state ?? stored.state;
      if (state !== stored.state) {
        claimed(state);
        await claimAcqState(trx, corpId, state, linkId, stored.id);
      }
      await updateAcqRule(trx, stored.id, { ...fields, state }, actor);
      continue;
    }
    const ruleId = await insertAcqRule(
      trx,
      corpId,
      linkId,
      {
        user_id: rule.userId as string,
        weight: rule.weight ?? 1,
        daily_limit: rule.dailyLimit ?? null,
        round_limit: rule.roundLimit ?? null,
        working_hours: rule.workingHours || null,
        get_type: rule.getType ?? 'qr',
        position,
      },
      rule.state ?? provisionalState(),
      actor,
    );
    const state = rule.state ?? ruleState(linkId, ruleId);
    claimed(state);
    await claimAcqState(trx, corpId, state, linkId, ruleId);
    if (rule.state === undefined) await updateAcqRule(trx, ruleId, { state }, actor);
  }
  for (const removed of unmatched.values()) await updateAcqRule(trx, removed.id, { is_del: 1 }, actor);
}

/**
 * Removes links (all or nothing: an unknown id is a 404 and nothing changes). Links that were
 * ever published get a new generation, so publishing deletes their WeCom objects. Returns the
 * links whose WeCom objects must go.
 */
export async function deleteAcqLinks(
  db: Db,
  corpId: string,
  ids: string[],
  actor: string,
): Promise<Array<{ id: string; linkName: string; generation: number }>> {
  return db.transaction(async (trx) => {
    const toPublish: Array<{ id: string; linkName: string; generation: number }> = [];
    for (const id of [...new Set(ids)].sort()) {
      const link = await lockAcqLink(trx, corpId, id);
      if (!link || link.is_del !== 0) throw new NotFoundError('acquisition link', id, 'ACQ_LINK_NOT_FOUND');
      const published = link.generation > 0;
      await updateAcqLink(trx, id, { is_del: 1, ...(published ? { generation: link.generation + 1 } : {}) }, actor);
      if (published) toPublish.push({ id, linkName: link.link_name, generation: link.generation + 1 });
    }
    return toPublish;
  });
}
