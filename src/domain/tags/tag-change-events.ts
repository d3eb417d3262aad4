import type { Executor } from '../../db/knex';
import { findCorpTags } from '../../db/queries/corp-tags';
import type { CustomerTagKey } from '../../db/queries/customer-tags';
import { insertCustomerEvents } from '../../db/queries/customer-events';
import { findSelfTags } from '../../db/queries/self-tags';

type NamedTag = { id: string; name: string | null; groupName: string | null };

async function namedTags(db: Executor, corpId: string, key: CustomerTagKey, ids: string[]): Promise<NamedTag[]> {
  if (ids.length === 0) return [];
  const rows =
    key.source === 'corp'
      ? (await findCorpTags(db, corpId, ids)).map((t) => ({ id: t.tag_id, name: t.name, groupName: t.group_name }))
      : (await findSelfTags(db, corpId, ids)).map((t) => ({ id: String(t.id), name: t.name, groupName: t.group_name }));
  const byId = new Map(rows.map((t) => [t.id, t]));
  return ids.map((id) => byId.get(id) ?? { id, name: null, groupName: null });
}

/**
 * Records what a tagging actually changed on a customer (nothing when nothing changed), with the
 * tags' names as they were then: corp tags as one entry per relation, system tags as added/removed.
 * `actor` is the admin's username, null when the product tagged by itself (`context` then says why).
 */
export async function recordCustomerTagChange(
  db: Executor,
  corpId: string,
  key: CustomerTagKey,
  change: { added: string[]; removed: string[] },
  actor: string | null,
  context: Record<string, unknown> = {},
): Promise<void> {
  if (change.added.length === 0 && change.removed.length === 0) return;
  const [added, removed] = await Promise.all([
    namedTags(db, corpId, key, change.added),
    namedTags(db, corpId, key, change.removed),
  ]);
  const base = { corpId, externalUserid: key.externalUserid, cuser: actor };
  if (key.source === 'corp') {
    await insertCustomerEvents(db, [
      { ...base, kind: 'corp_tags_changed', detail: { ...context, userid: key.userid, added, removed } },
    ]);
    return;
  }
  await insertCustomerEvents(db, [
    ...(removed.length > 0
      ? [{ ...base, kind: 'system_tags_removed', detail: { ...context, place: 'customer', tags: removed } }]
      : []),
    ...(added.length > 0
      ? [{ ...base, kind: 'system_tags_added', detail: { ...context, place: 'customer', tags: added } }]
      : []),
  ]);
}
