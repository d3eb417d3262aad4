import { randomBytes } from 'node:crypto';
import type { Db, Executor } from '../../db/knex';
import {
  ACQ_STATE_KEY,
  claimAcqState,
  insertAcqRule,
  listAcqRules,
  updateAcqRule,
  type AcqRuleRow,
} from '../../db/queries/acq-links';
import {
  findAcqQr,
  insertAcqQr,
  lockAcqQr,
  updateAcqQr,
  type AcqQrFields,
  type AcqQrRow,
} from '../../db/queries/acq-qrs';
import { ConflictError, NotFoundError, ProblemList } from '../errors';
import { conflictOnUniqueViolation } from '../refuse-duplicates';
import { ACQ_LINK_ABNORMAL, ACQ_LINK_PUBLISHED } from './acq-links';
import { checkedChannel, checkSourceReferences } from './source-checks';

export type QrType = 'single' | 'multi';

export interface QrMemberInput {
  userId: string;
  weight?: number;
  dailyLimit?: number | null;
  roundLimit?: number | null;
  workingHours?: string | null;
}

export interface SaveAcqQrInput {
  id?: string;
  name?: string;
  channelId?: string | null;
  channelType?: string | null;
  type?: QrType;
  /** The code's whole member list: matched to stored members by employee. */
  members?: QrMemberInput[];
  departmentList?: string[];
  state?: string;
  skipVerify?: boolean;
  cstTags?: string[];
  isSendWelcome?: number;
  welcomeContent?: string | null;
  mediaIds?: string[];
  remark?: string | null;
  status?: number;
}

export interface AcqQrWithMembers {
  code: AcqQrRow;
  members: AcqRuleRow[];
}

/** Generated state of a channel QR code. */
export const qrState = (codeId: string): string => `qc${codeId}`;
const provisionalState = (): string => `tmp${randomBytes(12).toString('hex')}`;

const notFound = (id: string) => new NotFoundError('channel QR code', id, 'ACQ_QR_NOT_FOUND');

export async function getAcqQr(db: Executor, corpId: string, id: string): Promise<AcqQrWithMembers> {
  const code = await findAcqQr(db, corpId, id);
  if (!code) throw notFound(id);
  return { code, members: await listAcqRules(db, id) };
}

/**
 * Adds or modifies a channel QR code and its members in one transaction: the body is merged over
 * the stored code, every reference is checked (one 400 names every bad field), and the state is
 * claimed in acq_state, unique per corp with the links' states (409). `needsPublish` says WeCom
 * must be brought to the saved generation (a draft never published needs nothing).
 */
export async function saveAcqQr(
  db: Db,
  corpId: string,
  input: SaveAcqQrInput,
  actor: string,
): Promise<AcqQrWithMembers & { needsPublish: boolean }> {
  let claimed = '';
  const id = await conflictOnUniqueViolation(
    () =>
      db.transaction(async (trx) => {
        const before = input.id === undefined ? undefined : await lockAcqQr(trx, corpId, input.id);
        if (input.id !== undefined && (!before || before.is_del !== 0)) throw notFound(input.id);
        const stored = before ? await listAcqRules(trx, before.id) : [];
        const fields = await checkedFields(trx, corpId, input, before, stored);
        const codeId = before
          ? before.id
          : await insertAcqQr(trx, corpId, fields, input.state ?? provisionalState(), actor);
        const state = input.state ?? (before ? before.state : qrState(codeId));
        if (!before || state !== before.state) {
          claimed = state;
          await claimAcqState(trx, corpId, state, codeId, null);
        }
        const needsPublish = fields.status === ACQ_LINK_PUBLISHED || (before?.generation ?? 0) > 0;
        await updateAcqQr(
          trx,
          codeId,
          {
            ...fields,
            state,
            status_reason: null,
            ...(needsPublish ? { generation: (before?.generation ?? 0) + 1 } : {}),
          },
          actor,
        );
        if (input.members !== undefined) {
          await saveMembers(trx, corpId, codeId, state, input.members, stored, actor);
        } else if (before && state !== before.state) {
          for (const m of stored) await updateAcqRule(trx, m.id, { state }, actor);
        }
        return codeId;
      }),
    {
      [ACQ_STATE_KEY]: () =>
        new ConflictError(`state ${claimed} is used by another link or code of this corp`, 'ACQ_STATE_TAKEN', {
          state: claimed,
        }),
    },
  );
  const saved = await getAcqQr(db, corpId, id);
  return { ...saved, needsPublish: saved.code.generation > saved.code.applied_generation };
}

async function checkedFields(
  db: Executor,
  corpId: string,
  input: SaveAcqQrInput,
  before: AcqQrRow | undefined,
  stored: AcqRuleRow[],
): Promise<AcqQrFields> {
  const problems = new ProblemList();
  const has = (key: keyof SaveAcqQrInput) => input[key] !== undefined;
  if (!before && input.name === undefined) {
    problems.problem('name', 'is required to add a channel QR code', 'rule.requiredForNewQr');
  }

  const channelId = has('channelId') ? (input.channelId ?? null) : (before?.channel_id ?? null);
  const channelType = await checkedChannel(db, problems, corpId, {
    id: channelId,
    type: has('channelType') ? (input.channelType ?? null) : (before?.channel_type ?? null),
    idGiven: has('channelId'),
    typeGiven: has('channelType'),
  });

  const type: QrType = input.type ?? before?.qr_type ?? 'single';
  if (before && before.config_id !== null && type !== before.qr_type) {
    // WeCom cannot change a contact way's type: unpublish first (which deletes it), then change.
    problems.problem('type', 'cannot change while the code has a WeCom contact way', 'rule.qrTypeFixed');
  }
  const departmentList = input.departmentList ?? before?.department_list ?? [];
  const cstTags = input.cstTags ?? before?.cst_tags ?? [];
  const isSendWelcome = input.isSendWelcome ?? before?.is_send_welcome ?? 0;
  const welcomeContent = has('welcomeContent') ? (input.welcomeContent ?? null) : (before?.welcome_content ?? null);
  const mediaIds = input.mediaIds ?? before?.media_ids ?? [];
  // Saving a code WeCom refused (status 2) without a status tries to publish it again.
  const status = input.status ?? (before?.status === ACQ_LINK_ABNORMAL ? ACQ_LINK_PUBLISHED : (before?.status ?? 0));
  const members = input.members ?? stored.map((m) => ({ userId: m.user_id }));

  await checkSourceReferences(db, problems, corpId, {
    employees: (input.members ?? []).map((m, i) => ({ field: `members[${i}].userId`, userid: m.userId })),
    departmentList,
    cstTags,
    isSendWelcome,
    welcomeContent,
    mediaIds,
  });
  const seen = new Map<string, number>();
  (input.members ?? []).forEach((m, i) => {
    const key = m.userId.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      problems.problem(`members[${i}].userId`, `repeats the employee of members[${first}]`, 'rule.duplicateMember', {
        first,
      });
    } else {
      seen.set(key, i);
    }
  });
  if (type === 'single' && members.length > 1) {
    problems.problem('members', 'a single-person code has exactly one member', 'rule.singleQrOneMember');
  }
  if (type === 'single' && departmentList.length > 0) {
    problems.problem('departmentList', 'only a multi-person code can name departments', 'rule.singleQrNoDepartments');
  }
  if (status === ACQ_LINK_PUBLISHED && members.length + (type === 'multi' ? departmentList.length : 0) === 0) {
    problems.problem(
      'status',
      'publishing needs members (or, for a multi-person code, departments)',
      'rule.qrPublishNeedsMembers',
    );
  }
  problems.throwIfAny();

  return {
    link_name: (input.name ?? before?.link_name ?? '').trim(),
    channel_id: channelId,
    channel_type: channelType,
    qr_type: type,
    department_list: departmentList,
    skip_verify: input.skipVerify ?? before?.skip_verify ?? true,
    cst_tags: cstTags,
    is_send_welcome: isSendWelcome,
    welcome_content: welcomeContent,
    media_ids: mediaIds,
    remark: has('remark') ? (input.remark ?? null) : (before?.remark ?? null),
    status,
  };
}

/** Brings the stored members to `members` (matched by employee; the rest removed). They share the code's state. */
async function saveMembers(
  trx: Executor,
  corpId: string,
  codeId: string,
  state: string,
  members: QrMemberInput[],
  stored: AcqRuleRow[],
  actor: string,
): Promise<void> {
  const unmatched = new Map(stored.map((r) => [r.user_id.toLowerCase(), r]));
  for (const [position, m] of members.entries()) {
    const fields = {
      user_id: m.userId,
      weight: m.weight ?? 1,
      daily_limit: m.dailyLimit ?? null,
      round_limit: m.roundLimit ?? null,
      working_hours: m.workingHours || null,
      get_type: 'qr',
      position,
    };
    const match = unmatched.get(m.userId.toLowerCase());
    if (match) {
      unmatched.delete(m.userId.toLowerCase());
      await updateAcqRule(trx, match.id, { ...fields, state }, actor);
    } else {
      await insertAcqRule(trx, corpId, codeId, fields, state, actor);
    }
  }
  for (const removed of unmatched.values()) await updateAcqRule(trx, removed.id, { is_del: 1 }, actor);
}

/**
 * Removes codes (all or nothing: an unknown id is a 404). Codes ever published get a new
 * generation, so publishing deletes their contact ways. Returns those.
 */
export async function deleteAcqQrs(
  db: Db,
  corpId: string,
  ids: string[],
  actor: string,
): Promise<Array<{ id: string; linkName: string; generation: number }>> {
  return db.transaction(async (trx) => {
    const toPublish: Array<{ id: string; linkName: string; generation: number }> = [];
    for (const id of [...new Set(ids)].sort()) {
      const code = await lockAcqQr(trx, corpId, id);
      if (!code || code.is_del !== 0) throw notFound(id);
      const published = code.generation > 0;
      await updateAcqQr(trx, id, { is_del: 1, ...(published ? { generation: code.generation + 1 } : {}) }, actor);
      if (published) toPublish.push({ id, linkName: code.link_name, generation: code.generation + 1 });
    }
    return toPublish;
  });
}
