import type { Executor } from '../knex';

/**
 * The clue conditions a customer of `corpId` may be linked to automatically: live, open, not
 * merged away, and not already a clue of another corp's customers. Clues carry no corp of their
 * own, so a clue belongs to the corp when a customer of it is linked already, or its owner is an
 * employee of it; a clue with neither (an unowned pool clue) only when the installation serves one
 * corp. Bindings: corpId four times.
 */
const CLUE_OF_CORP = `
      c.is_del = 0 AND c.status <> 'closed' AND c.merged_into_clue_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM wecom_customer o WHERE o.clue_id = c.id AND o.corp_id <> ? AND o.is_del = 0)
  AND (EXISTS (SELECT 1 FROM wecom_customer s WHERE s.clue_id = c.id AND s.corp_id = ? AND s.is_del = 0)
       OR EXISTS (SELECT 1 FROM wecom_employee e WHERE e.corp_id = ? AND e.userid = c.owner_userid AND e.is_del = 0)
       OR (c.owner_userid IS NULL AND (SELECT count(*) FROM wecom_corp) = 1
           AND EXISTS (SELECT 1 FROM wecom_corp w WHERE w.corp_id = ?)))`;

/**
 * The clue an acquired customer's phones point to. Several clues may share a phone (duplicates
 * kept apart, a customer who came back): the most recently created open one is the customer's
 * current business, so it is the one linked; a closed clue is never linked.
 */
export async function findClueByPhones(
  db: Executor,
  corpId: string,
  phones: readonly string[],
): Promise<string | undefined> {
  if (phones.length === 0) return undefined;
  const { rows } = (await db.raw(
    `SELECT c.id::text AS id FROM clue c
      WHERE (c.phone_normalized = ANY (?::text[])
             OR EXISTS (SELECT 1 FROM clue_contact k
                         WHERE k.clue_id = c.id AND k.type = 'phone' AND k.value_key = ANY (?::text[])))
        AND ${CLUE_OF_CORP}
      ORDER BY c.ctime DESC, c.id DESC
      LIMIT 1`,
    [[...phones], [...phones], corpId, corpId, corpId, corpId],
  )) as { rows: Array<{ id: string }> };
  return rows[0]?.id;
}

/** The clue a landing page named for this unionid when it asked allocationHit, if it may still be linked. */
export async function findClueByVisitorUnionid(
  db: Executor,
  corpId: string,
  unionid: string,
): Promise<string | undefined> {
  const { rows } = (await db.raw(
    `SELECT c.id::text AS id FROM acq_visitor_clue v JOIN clue c ON c.id = v.clue_id
      WHERE v.corp_id = ? AND v.unionid = ?
        AND c.is_del = 0 AND c.status <> 'closed' AND c.merged_into_clue_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM wecom_customer o WHERE o.clue_id = c.id AND o.corp_id <> ? AND o.is_del = 0)`,
    [corpId, unionid, corpId],
  )) as { rows: Array<{ id: string }> };
  return rows[0]?.id;
}

/**
 * Remembers which clue a landing-page visitor is (the partner's clue by its businessId), for the
 * link's corp. Nothing is stored when the link or the partner's clue does not exist.
 */
export async function rememberVisitorClue(
  db: Executor,
  visit: { linkId: string; unionid: string; partnerId: string; businessId: string },
): Promise<void> {
  await db.raw(
    `INSERT INTO acq_visitor_clue (corp_id, unionid, clue_id, link_id)
     SELECT l.corp_id, ?, c.id, l.id
       FROM acq_link l, clue c
      WHERE l.id = ? AND l.is_del = 0 AND c.partner_id = ? AND c.business_id = ? AND c.is_del = 0
     ON CONFLICT (corp_id, unionid) DO UPDATE
       SET clue_id = excluded.clue_id, link_id = excluded.link_id, mtime = now()`,
    [visit.unionid, visit.linkId, visit.partnerId, visit.businessId],
  );
}
