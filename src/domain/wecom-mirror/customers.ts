import type { Static } from '@sinclair/typebox';
import type { Executor } from '../../db/knex';
import {
  addCounts,
  noCounts,
  upsertMirrorRows,
  type MirrorUpsertOptions,
  type UpsertCounts,
} from '../../db/queries/mirror-upsert';
import type { ExternalContactSchema, FollowInfoSchema, FollowUserSchema } from '../../wecom/endpoints';

type ExternalContact = Static<typeof ExternalContactSchema>;
type FollowInfo = Static<typeof FollowInfoSchema>;
type FollowUser = Static<typeof FollowUserSchema>;

/** Relation status values (wecom_relation.status). */
export const RelationStatus = {
  valid: 0,
  deletedByEmployee: 1,
  deletedByCustomer: 2,
  transferred: 3,
  goneFromWecom: 4,
} as const;

export interface CustomerCounts {
  customers: UpsertCounts;
  relations: UpsertCounts;
  tags: UpsertCounts;
}

export const noCustomerCounts = (): CustomerCounts => ({
  customers: noCounts(),
  relations: noCounts(),
  tags: noCounts(),
});

export function addCustomerCounts(a: CustomerCounts, b: CustomerCounts): CustomerCounts {
  return {
    customers: addCounts(a.customers, b.customers),
    relations: addCounts(a.relations, b.relations),
    tags: addCounts(a.tags, b.tags),
  };
}

function customerRow(corpId: string, c: ExternalContact) {
  return {
    corp_id: corpId,
    external_userid: c.external_userid,
    name: c.name,
    type: c.type,
    gender: c.gender,
    avatar: c.avatar ?? null,
    corp_name: c.corp_name ?? null,
    corp_full_name: c.corp_full_name ?? null,
    position: c.position ?? null,
    unionid: c.unionid ?? null,
    external_profile: c.external_profile ? JSON.stringify(c.external_profile) : null,
  };
}

/** The customer rows of a page, each with the earliest add time among its pairs on the page. */
function customerRows(
  corpId: string,
  pairs: ReadonlyArray<{ external_contact: ExternalContact; follow_info: FollowInfo | FollowUser }>,
) {
  const rows = new Map<string, ReturnType<typeof customerRow> & { first_add_time: Date }>();
  for (const { external_contact: contact, follow_info: follow } of pairs) {
    const addTime = new Date(follow.createtime * 1000);
    const known = rows.get(contact.external_userid);
    const firstAddTime = known && known.first_add_time < addTime ? known.first_add_time : addTime;
    rows.set(contact.external_userid, { ...customerRow(corpId, contact), first_add_time: firstAddTime });
  }
  // Pages of concurrent batches share customers: one lock order for all of them rules out deadlocks.
  return [...rows.values()].sort((a, b) => (a.external_userid < b.external_userid ? -1 : 1));
}

function relationRow(corpId: string, externalUserid: string, f: FollowInfo | FollowUser) {
  return {
    corp_id: corpId,
    external_userid: externalUserid,
    userid: f.userid,
    remark: f.remark,
    description: f.description,
    add_time: new Date(f.createtime * 1000),
    remark_corp_name: f.remark_corp_name ?? null,
    remark_mobiles: f.remark_mobiles ?? [],
    oper_userid: f.oper_userid ?? null,
    add_way: f.add_way,
    state: f.state ?? null,
    wechat_channels_nickname: f.wechat_channels?.nickname ?? null,
    status: RelationStatus.valid,
    del_source: null,
  };
}

function corpTagIds(f: FollowInfo | FollowUser): string[] {
  if ('tag_id' in f && f.tag_id) return f.tag_id;
  if ('tags' in f && f.tags) return f.tags.filter((t) => t.type === 1 && t.tag_id).map((t) => t.tag_id as string);
  return [];
}

/**
 * Mirrors (customer, follow user) pairs as WeCom lists them (batch/get_by_user items, or one
 * customer's externalcontact/get), with each relation's corp tags: tags no longer on a relation
 * are soft-deleted.
 */
export async function upsertCustomerPairs(
  db: Executor,
  corpId: string,
  pairs: ReadonlyArray<{ external_contact: ExternalContact; follow_info: FollowInfo | FollowUser }>,
  options: MirrorUpsertOptions = {},
): Promise<CustomerCounts> {
  if (pairs.length === 0) return noCustomerCounts();
  // first_add_time only moves earlier: a customer's relations arrive on different pages (one per
  // employee batch), each knowing some of its add times.
  const customers = await upsertMirrorRows(
    db,
    'wecom_customer',
    ['corp_id', 'external_userid'],
    customerRows(corpId, pairs),
    { ...options, earliest: ['first_add_time'] },
  );
  const relations = await upsertMirrorRows(
    db,
    'wecom_relation',
    ['corp_id', 'external_userid', 'userid'],
    pairs.map((p) => relationRow(corpId, p.external_contact.external_userid, p.follow_info)),
    options,
  );
  const tagRows = pairs.flatMap((p) =>
    corpTagIds(p.follow_info).map((tagId) => ({
      corp_id: corpId,
      external_userid: p.external_contact.external_userid,
      userid: p.follow_info.userid,
      tag_source: 'corp',
      tag_id: tagId,
    })),
  );
  const tags = await upsertMirrorRows(
    db,
    'customer_tag',
    ['corp_id', 'external_userid', 'userid', 'tag_source', 'tag_id'],
    tagRows,
    options,
  );
  await removeTagsMissingFromPairs(
    db,
    corpId,
    pairs.map((p) => ({
      externalUserid: p.external_contact.external_userid,
      userid: p.follow_info.userid,
      tagIds: corpTagIds(p.follow_info),
    })),
  );
  return { customers, relations, tags };
}

async function removeTagsMissingFromPairs(
  db: Executor,
  corpId: string,
  pairs: ReadonlyArray<{ externalUserid: string; userid: string; tagIds: string[] }>,
): Promise<void> {
  // Two plain steps instead of one statement: read the pairs' current tags through the unique
  // index (OFFSET 0 keeps the planner from flattening the lateral join), then delete by primary
  // key. A single UPDATE let the planner, on tables without statistics, scan every tag of the
  // corp for each page.
  const current = (await db.raw(
    `SELECT t.id, p.external_userid, p.userid, t.tag_id
       FROM unnest(?::text[], ?::text[]) AS p(external_userid, userid)
       CROSS JOIN LATERAL (
         SELECT c.id, c.tag_id FROM customer_tag c
          WHERE c.corp_id = ? AND c.external_userid = p.external_userid AND c.userid = p.userid
            AND c.tag_source = 'corp' AND c.is_del = 0
         OFFSET 0) AS t`,
    [pairs.map((p) => p.externalUserid), pairs.map((p) => p.userid), corpId],
  )) as { rows: Array<{ id: string; external_userid: string; userid: string; tag_id: string }> };
  const keep = new Set(
    pairs.flatMap((p) => p.tagIds.map((tagId) => JSON.stringify([p.externalUserid, p.userid, tagId]))),
  );
  const gone = current.rows
    .filter((row) => !keep.has(JSON.stringify([row.external_userid, row.userid, row.tag_id])))
    .map((row) => row.id);
  if (gone.length === 0) return;
  await db('customer_tag')
    .whereIn('id', gone)
    .update({ is_del: 1, del_time: db.fn.now(), mtime: db.fn.now(), muser: 'wecom-sync' });
}

/**
 * Records that a relation ended (a deletion callback), creating the relation when its add was not
 * mirrored yet (the add's event fills in when it began). An event older than the relation's own
 * add time belongs to an earlier friendship and is ignored, so out-of-order processing cannot undo
 * a re-add; one newer than a recorded end ends a re-add not mirrored yet.
 */
export async function endRelation(
  db: Executor,
  corpId: string,
  pair: { externalUserid: string; userid: string },
  status: number,
  at: Date,
  source: string,
): Promise<boolean> {
  const { rows } = (await db.raw(
    `INSERT INTO wecom_relation AS r (corp_id, external_userid, userid, status, del_time, del_source, cuser, muser)
     VALUES (?, ?, ?, ?, ?, ?, 'wecom-callback', 'wecom-callback')
     ON CONFLICT (corp_id, external_userid, userid) DO UPDATE
        SET status = EXCLUDED.status, del_time = EXCLUDED.del_time, del_source = EXCLUDED.del_source,
            mtime = now(), muser = EXCLUDED.muser
      -- A read may have noticed the end first, without knowing who ended it: the event tells.
      WHERE ((r.status = ${RelationStatus.valid}
              OR (r.status = ${RelationStatus.goneFromWecom} AND r.del_source IN ('wecom-read', 'full-sync')))
             AND (r.add_time IS NULL OR r.add_time <= EXCLUDED.del_time))
         OR (r.status <> ${RelationStatus.valid} AND r.del_time < EXCLUDED.del_time)
     RETURNING r.id`,
    [corpId, pair.externalUserid, pair.userid, status, at, source],
  )) as { rows: Array<{ id: string }> };
  const ended = rows.length > 0;
  if (ended) {
    await db('customer_tag')
      .where({ corp_id: corpId, external_userid: pair.externalUserid, userid: pair.userid, is_del: 0 })
      .update({ is_del: 1, del_time: at, mtime: db.fn.now() });
  }
  await markCustomersWithoutRelationsDeleted(db, corpId, [pair.externalUserid], at);
  return ended;
}

/**
 * Records an add whose relation was already gone when WeCom was read (ended at once): the event's
 * time and state make the relation, ended as seen at `seenGoneAt` unless a deletion event
 * recorded its end first. The customer is recorded too, deleted, when nothing else knew it.
 */
export async function recordAddOfGoneRelation(
  db: Executor,
  corpId: string,
  pair: { externalUserid: string; userid: string },
  added: { addTime: Date; state: string | null },
  seenGoneAt: Date,
): Promise<void> {
  // An end at or after this add is this friendship's own end, recorded by its deletion event.
  const ownEnd = `r.status <> ${RelationStatus.valid} AND r.del_time >= EXCLUDED.add_time`;
  await db.raw(
    `INSERT INTO wecom_relation AS r
            (corp_id, external_userid, userid, add_time, state, status, del_time, del_source, cuser, muser)
     VALUES (?, ?, ?, ?, ?, ${RelationStatus.goneFromWecom}, ?, 'wecom-read', 'wecom-callback', 'wecom-callback')
     ON CONFLICT (corp_id, external_userid, userid) DO UPDATE
        SET add_time = EXCLUDED.add_time, state = EXCLUDED.state,
            status = CASE WHEN ${ownEnd} THEN r.status ELSE EXCLUDED.status END,
            del_time = CASE WHEN ${ownEnd} THEN r.del_time ELSE EXCLUDED.del_time END,
            del_source = CASE WHEN ${ownEnd} THEN r.del_source ELSE EXCLUDED.del_source END,
            is_del = 0, mtime = now(), muser = EXCLUDED.muser
      WHERE r.add_time IS NULL OR r.add_time <= EXCLUDED.add_time`,
    [corpId, pair.externalUserid, pair.userid, added.addTime, added.state, seenGoneAt],
  );
  await db('customer_tag')
    .where({ corp_id: corpId, external_userid: pair.externalUserid, userid: pair.userid, is_del: 0 })
    .update({ is_del: 1, del_time: seenGoneAt, mtime: db.fn.now() });
  await db.raw(
    `INSERT INTO wecom_customer AS c (corp_id, external_userid, first_add_time, is_del, del_time, cuser, muser)
     VALUES (?, ?, ?, 1, ?, 'wecom-callback', 'wecom-callback')
     ON CONFLICT (corp_id, external_userid) DO UPDATE
        SET first_add_time = EXCLUDED.first_add_time, mtime = now()
      WHERE c.first_add_time IS NULL OR c.first_add_time > EXCLUDED.first_add_time`,
    [corpId, pair.externalUserid, added.addTime, seenGoneAt],
  );
  await markCustomersWithoutRelationsDeleted(db, corpId, [pair.externalUserid], seenGoneAt);
}

/** A customer no employee of the corp follows any more is soft-deleted (with the time). */
export async function markCustomersWithoutRelationsDeleted(
  db: Executor,
  corpId: string,
  externalUserids: readonly string[],
  at: Date,
): Promise<number> {
  if (externalUserids.length === 0) return 0;
  // One array parameter, not one per id: a full sync's reconciliation may pass hundreds of thousands.
  return db('wecom_customer')
    .where({ corp_id: corpId, is_del: 0 })
    .whereRaw('external_userid = ANY(?::text[])', [[...externalUserids]])
    .whereNotExists(
      db('wecom_relation as r')
        .whereRaw('r.corp_id = wecom_customer.corp_id AND r.external_userid = wecom_customer.external_userid')
        .andWhere('r.status', RelationStatus.valid),
    )
    .update({ is_del: 1, del_time: at, mtime: db.fn.now(), muser: 'wecom-callback' });
}

/**
 * A customer's live WeCom state is authoritative: relations of this customer the read did not
 * return are no longer there (ended without a callback we saw).
 */
export async function endRelationsMissingFromRead(
  db: Executor,
  corpId: string,
  externalUserid: string,
  liveUserids: readonly string[],
  at: Date,
): Promise<number> {
  const ended = await db('wecom_relation')
    .where({ corp_id: corpId, external_userid: externalUserid, status: RelationStatus.valid })
    .whereNotIn('userid', [...liveUserids])
    .update({
      status: RelationStatus.goneFromWecom,
      del_time: at,
      del_source: 'wecom-read',
      mtime: db.fn.now(),
    });
  await markCustomersWithoutRelationsDeleted(db, corpId, [externalUserid], at);
  return ended;
}
