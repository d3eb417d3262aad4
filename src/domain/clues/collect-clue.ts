import { GroupCommitQueue } from '../../db/group-commit';
import type { Db } from '../../db/knex';
import { partnerClueKey, upsertPartnerClues, type PartnerClueUpsert } from '../../db/queries/clues';
import { sqlState, ValidationError } from '../errors';
import { normalizeChinaPhone } from '../phone';

export interface PartnerClueInput {
  businessId: string;
  linkManName: string;
  linkManTel: string;
  email?: string;
  address?: string;
  wechat?: string;
  remark: string;
  source: number;
  fromPage: string;
  landPage: string;
  submitPage: string;
  device: string;
  tag?: string;
  se?: string;
  chat: string;
}

const emptyToNull = (value: string | undefined): string | null =>
  value === undefined || value.trim() === '' ? null : value.trim();

/** Writes partner clues in group commits: the intake path's one database statement. */
export type ClueIntakeQueue = GroupCommitQueue<PartnerClueUpsert, { id: string; inserted: boolean }>;

/**
 * Up to 64 clues per statement, two statements at once: enough to keep PostgreSQL busy while the
 * next batch gathers, and never more than two of the pool's connections.
 */
export function createClueIntakeQueue(db: Db): ClueIntakeQueue {
  return new GroupCommitQueue({
    write: (items) => upsertPartnerClues(db, items),
    keyOf: (item) => partnerClueKey(item.partnerId, item.businessId),
    maxBatch: 64,
    maxInFlight: 2,
    // Data exceptions, constraint violations and transaction rollbacks (deadlock, serialization)
    // can be one clue's doing; a lost connection is everybody's.
    retryAlone: (error) => /^(22|23|40)/.test(sqlState(error) ?? ''),
  });
}

/**
 * Stores a partner's clue (insert, or update in place for a businessId the partner sent before).
 * When this resolves the clue is committed; `inserted` says whether a distribution must start.
 */
export async function collectPartnerClue(
  intake: ClueIntakeQueue,
  partner: { partnerId: string; partnerName: string },
  input: PartnerClueInput,
): Promise<{ clueId: string; inserted: boolean }> {
  const phone = normalizeChinaPhone(input.linkManTel);
  if (!phone) throw ValidationError.field('linkManTel', 'must be a phone number used in China');
  const { id, inserted } = await intake.submit({
    partnerId: partner.partnerId,
    businessId: input.businessId,
    fields: {
      linkManName: input.linkManName.trim(),
      linkManTel: input.linkManTel.trim(),
      phoneNormalized: phone,
      email: emptyToNull(input.email),
      address: emptyToNull(input.address),
      wechat: emptyToNull(input.wechat),
      remark: input.remark,
      source: input.source,
      fromPage: input.fromPage,
      landPage: input.landPage,
      submitPage: input.submitPage,
      device: input.device,
      tag: emptyToNull(input.tag),
      se: emptyToNull(input.se),
      chat: input.chat,
    },
    actor: `partner:${partner.partnerId}`,
  });
  return { clueId: id, inserted };
}
