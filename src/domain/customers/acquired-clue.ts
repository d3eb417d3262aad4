import type { Db } from '../../db/knex';
import { findClueByPhones, findClueByVisitorUnionid } from '../../db/queries/clue-matches';
import type { CorpViewer } from '../../db/queries/data-scope';
import type { WecomCustomerRow } from '../../db/queries/wecom-customers';
import { normalizeChinaPhone } from '../phone';
import { setCustomerClue, type ClueLinkCause } from './clue-link';

const ACTOR = 'wecom-callback';

/**
 * Links a customer added through an acquisition link or code (at the add, or when the relation's
 * remark mobiles are edited afterwards) to the clue it already is: the
 * clue a landing page named for the customer's unionid first (the partner said so), else the clue
 * of a phone in the added relation's remark mobiles. Never across corps (see clue-matches.ts), and
 * never over a link the customer already has (an admin's choice stays). Returns the clue linked.
 */
export async function linkAcquiredCustomerToClue(
  db: Db,
  corpId: string,
  pair: { externalUserid: string; userid: string },
): Promise<{ clueId: string; matchedBy: ClueLinkCause['matchedBy'] } | null> {
  return db.transaction(async (trx) => {
    const customer = (await trx('wecom_customer')
      .where({ corp_id: corpId, external_userid: pair.externalUserid, is_del: 0 })
      .forUpdate()
      .first()) as WecomCustomerRow | undefined;
    if (!customer || customer.clue_id !== null) return null;
    let found: { clueId: string; matchedBy: ClueLinkCause['matchedBy'] } | null = null;
    const byUnionid = customer.unionid ? await findClueByVisitorUnionid(trx, corpId, customer.unionid) : undefined;
    if (byUnionid) found = { clueId: byUnionid, matchedBy: 'unionid' };
    if (!found) {
      const relation = (await trx('wecom_relation')
        .where({ corp_id: corpId, external_userid: pair.externalUserid, userid: pair.userid })
        .first('remark_mobiles')) as { remark_mobiles: string[] } | undefined;
      const phones = [
        ...new Set((relation?.remark_mobiles ?? []).map(normalizeChinaPhone).filter((p): p is string => p !== null)),
      ];
      const byPhone = await findClueByPhones(trx, corpId, phones);
      if (byPhone) found = { clueId: byPhone, matchedBy: 'phone' };
    }
    if (!found) return null;
    // The system links on WeCom's word: every clue is in its scope.
    const viewer: CorpViewer = { corpId, defaultCorpId: null, scope: { all: true }, wecomUserid: null };
    await setCustomerClue(trx, viewer, customer, found.clueId, ACTOR, {
      matchedBy: found.matchedBy,
      userid: pair.userid,
    });
    return found;
  });
}
