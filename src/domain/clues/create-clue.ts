import type { Db } from '../../db/knex';
import {
  findClueById,
  findEarliestClueWithPhone,
  insertClueEvent,
  insertManualClue,
  requeueDistribution,
  type ClueFields,
  type ClueRow,
} from '../../db/queries/clues';
import { requireEmployees } from '../employee-references';
import { ConflictError, UnavailableError, ValidationError } from '../errors';
import { normalizeChinaPhone } from '../phone';
import type { AssignThroughWorkflow } from './assign-manually';

/**
 * `clue.source` of a clue an admin entered by hand. Partners send 1 (seed 000 "来源填写 1"); a
 * policy can match manual clues with matchSources [2].
 */
export const CLUE_SOURCE_MANUAL = 2;
/** `clue.source` of a clue imported from a spreadsheet (clue.importExcel); policies match it with matchSources [3]. */
export const CLUE_SOURCE_IMPORT = 3;

export interface ManualClueInput {
  linkManName: string;
  linkManTel: string;
  email?: string;
  address?: string;
  wechat?: string;
  remark?: string;
  fromPage?: string;
  landPage?: string;
  submitPage?: string;
  device?: string;
  tag?: string;
  se?: string;
  chat?: string;
  /** Assign to this employee at once instead of by policy. */
  ownerUserid?: string;
  ownerName?: string;
}

const emptyToNull = (value: string | undefined): string | null =>
  value === undefined || value.trim() === '' ? null : value.trim();

/** The stored fields of a clue an admin entered or imported: trimmed, empty text stored as null. */
export function manualClueFields(
  input: Omit<ManualClueInput, 'ownerUserid' | 'ownerName'>,
  phoneNormalized: string,
  source: number,
): ClueFields {
  return {
    linkManName: input.linkManName.trim(),
    linkManTel: input.linkManTel.trim(),
    phoneNormalized,
    email: emptyToNull(input.email),
    address: emptyToNull(input.address),
    wechat: emptyToNull(input.wechat),
    remark: emptyToNull(input.remark),
    source,
    fromPage: emptyToNull(input.fromPage),
    landPage: emptyToNull(input.landPage),
    submitPage: emptyToNull(input.submitPage),
    device: emptyToNull(input.device),
    tag: emptyToNull(input.tag),
    se: emptyToNull(input.se),
    chat: emptyToNull(input.chat),
  };
}

/**
 * Stores a clue an admin entered, validated as partner intake validates it, with a same-phone
 * duplicate linked at once. Without `ownerUserid` its distribution is queued like a partner
 * clue's (the caller notifies the dispatcher when `queued`); with one (a live employee of
 * `corpId`, checked before anything is stored) it is assigned through its distribution workflow,
 * as a manual assignment is. When that assignment cannot be made the clue is left to the
 * dispatcher (distributed by policy) and the call fails with CLUE_CREATED_NOT_ASSIGNED.
 */
export async function createClueByHand(
  deps: { db: Db; assign: AssignThroughWorkflow },
  corpId: string | undefined,
  input: ManualClueInput,
  operator: string,
): Promise<{ clue: ClueRow; queued: boolean }> {
  const phone = normalizeChinaPhone(input.linkManTel);
  if (!phone) throw ValidationError.field('linkManTel', 'must be a phone number used in China', 'rule.cnPhone');
  const owner = input.ownerUserid;
  if (owner !== undefined) {
    if (corpId === undefined)
      throw new ConflictError('no WeCom corp is configured for this user', 'WECOM_CORP_MISSING');
    await requireEmployees(deps.db, corpId, [{ field: 'ownerUserid', userid: owner }]);
  }

  const clue = await deps.db.transaction(async (trx) => {
    const duplicateOf = (await findEarliestClueWithPhone(trx, phone)) ?? null;
    const row = await insertManualClue(trx, {
      fields: manualClueFields(input, phone, CLUE_SOURCE_MANUAL),
      duplicateOfClueId: duplicateOf,
      distributionState: owner === undefined ? 'pending' : 'started',
      cuser: operator,
    });
    if (duplicateOf) await insertClueEvent(trx, row.id, 'duplicate_detected', { duplicateOfClueId: duplicateOf }, null);
    return row;
  });
  if (owner === undefined) return { clue, queued: true };

  try {
    await deps.assign(
      { id: clue.id, businessId: null },
      { employeeUserid: owner, employeeName: input.ownerName ?? null, operator },
    );
  } catch (error) {
    const message = (error as Error).message;
    await requeueDistribution(deps.db, clue.id, message);
    throw new UnavailableError(
      `clue ${clue.id} was stored but could not be assigned to ${owner}; it is distributed by policy instead: ${message}`,
      'CLUE_CREATED_NOT_ASSIGNED',
    );
  }
  return { clue: (await findClueById(deps.db, clue.id)) ?? clue, queued: false };
}
