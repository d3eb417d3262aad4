import type { Db } from '../../db/knex';
import { upsertPartnerClue } from '../../db/queries/clues';
import { ValidationError } from '../errors';
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

/**
 * Stores a partner's clue (insert, or update in place for a businessId the partner sent before).
 * When this resolves the clue is committed; `inserted` says whether a distribution must start.
 */
export async function collectPartnerClue(
  db: Db,
  partner: { partnerId: string; partnerName: string },
  input: PartnerClueInput,
): Promise<{ clueId: string; inserted: boolean }> {
  const phone = normalizeChinaPhone(input.linkManTel);
  if (!phone) throw ValidationError.field('linkManTel', 'must be a phone number used in China');
  const { id, inserted } = await upsertPartnerClue(
    db,
    partner.partnerId,
    input.businessId,
    {
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
    `partner:${partner.partnerId}`,
  );
  return { clueId: id, inserted };
}
