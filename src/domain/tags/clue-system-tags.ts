import type { Db, Executor } from '../../db/knex';
import {
  deleteClueSystemTags,
  findCluesInScope,
  findCustomersInScopeByIds,
  insertClueSystemTags,
  listClueSystemTags,
  listCustomerSystemTags,
  type SystemTagFilter,
  type SystemTagOnRow,
} from '../../db/queries/clue-self-tags';
import type { ClueRow } from '../../db/queries/clues';
import { insertClueEvent } from '../../db/queries/clues';
import { insertCustomerEvents } from '../../db/queries/customer-events';
import { addCustomerTags, removeCustomerTags, type CustomerTagKey } from '../../db/queries/customer-tags';
import type { CorpViewer } from '../../db/queries/data-scope';
import { findSelfTags, type SelfTagRow } from '../../db/queries/self-tags';
import type { WecomCustomerRow } from '../../db/queries/wecom-customers';
import { resolveRecord, type RecordTarget } from '../clues/record-target';
import { NotFoundError, ValidationError } from '../errors';

/**
 * System tags are the corp's self-built tags (selfTag.*) put on clues and on WeCom customers. A
 * clue's sit in clue_self_tag, a customer's in customer_tag (source 'self', on the customer).
 * Every change is recorded in a clue's timeline: the clue's own, or, for a customer, the clue it
 * is linked to, else the customer's own (customer_event); 'system_tags_added' / 'system_tags_removed',
 * with the tags and where they sit.
 */
export interface SystemTagTargets {
  clueIds: string[];
  customerIds: string[];
}

/** One clue or one customer (wecom_customer id). */
export type SystemTagTarget = RecordTarget;

export interface SystemTagChanges {
  clues: Array<{ clueId: string; tagIds: string[] }>;
  customers: Array<{ customerId: string; tagIds: string[] }>;
}

const customerKey = (c: WecomCustomerRow): CustomerTagKey => ({
  externalUserid: c.external_userid,
  userid: '',
  source: 'self',
});

/** The live self tags of the corp named by `ids`, in the order given; one 400 naming every unknown id. */
async function requireSelfTags(
  db: Executor,
  corpId: string,
  ids: string[],
  field: string,
): Promise<Map<string, SelfTagRow>> {
  const found = new Map((await findSelfTags(db, corpId, ids)).map((t) => [String(t.id), t]));
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length > 0) {
    const list = unknown.join(', ');
    throw ValidationError.field(field, `unknown self tag id(s): ${list}`, 'rule.unknownSelfTags', { ids: list });
  }
  return found;
}

/** Locks and returns every target; 404 naming those that are unknown or outside the viewer's scope. */
async function lockTargets(
  trx: Executor,
  viewer: CorpViewer,
  targets: SystemTagTargets,
): Promise<{ clues: ClueRow[]; customers: WecomCustomerRow[] }> {
  if (targets.clueIds.length === 0 && targets.customerIds.length === 0) {
    throw ValidationError.field('clueIds', 'give at least one clue or customer', 'rule.clueOrCustomerIds');
  }
  const clues = await findCluesInScope(trx, viewer, targets.clueIds, { forUpdate: true });
  const foundClues = new Set(clues.map((c) => String(c.id)));
  const missingClues = targets.clueIds.filter((id) => !foundClues.has(id));
  if (missingClues.length > 0) throw new NotFoundError('clue', missingClues.join(', '), 'CLUE_NOT_FOUND');
  const customers = await findCustomersInScopeByIds(trx, viewer, targets.customerIds, { forUpdate: true });
  const foundCustomers = new Set(customers.map((c) => String(c.id)));
  const missingCustomers = targets.customerIds.filter((id) => !foundCustomers.has(id));
  if (missingCustomers.length > 0) {
    throw new NotFoundError('customer', missingCustomers.join(', '), 'CUSTOMER_NOT_FOUND');
  }
  return { clues, customers };
}

async function recordChange(
  trx: Executor,
  kind: 'system_tags_added' | 'system_tags_removed',
  where: { clue: ClueRow } | { customer: WecomCustomerRow },
  tagIds: string[],
  tags: Map<string, SelfTagRow>,
  actor: string,
): Promise<void> {
  if (tagIds.length === 0) return;
  const named = tagIds.map((id) => ({
    id,
    name: tags.get(id)?.name ?? null,
    groupName: tags.get(id)?.group_name ?? null,
  }));
  if ('clue' in where) {
    await insertClueEvent(trx, String(where.clue.id), kind, { place: 'clue', tags: named }, actor);
    return;
  }
  const c = where.customer;
  if (c.clue_id === null) {
    // No clue to carry it: the customer's own timeline does.
    const detail = { place: 'customer', name: c.name, tags: named };
    await insertCustomerEvents(trx, [
      { corpId: c.corp_id, externalUserid: c.external_userid, kind, detail, cuser: actor },
    ]);
    return;
  }
  const detail = {
    place: 'customer',
    customerId: String(c.id),
    externalUserid: c.external_userid,
    name: c.name,
    tags: named,
  };
  await insertClueEvent(trx, String(c.clue_id), kind, detail, actor);
}

/**
 * clueTag.batchAdd: puts every tag on every clue and customer, in one transaction (an unknown tag
 * or target changes nothing). Tags already there stay as they are, so adding twice is adding once;
 * the answer names, per target, the tags this call added.
 */
export async function addSystemTags(
  db: Db,
  viewer: CorpViewer,
  targets: SystemTagTargets,
  tagIds: string[],
  actor: string,
): Promise<SystemTagChanges> {
  return db.transaction(async (trx) => {
    const tags = await requireSelfTags(trx, viewer.corpId, tagIds, 'tagIds');
    const { clues, customers } = await lockTargets(trx, viewer, targets);
    const result: SystemTagChanges = { clues: [], customers: [] };
    for (const clue of clues) {
      const added = await insertClueSystemTags(trx, String(clue.id), tagIds, actor);
      await recordChange(trx, 'system_tags_added', { clue }, added, tags, actor);
      result.clues.push({ clueId: String(clue.id), tagIds: inOrder(tagIds, added) });
    }
    for (const customer of customers) {
      const added = await addCustomerTags(trx, viewer.corpId, customerKey(customer), tagIds, actor);
      await recordChange(trx, 'system_tags_added', { customer }, added, tags, actor);
      result.customers.push({ customerId: String(customer.id), tagIds: inOrder(tagIds, added) });
    }
    return result;
  });
}

/**
 * clueTag.delete / clueTag.batchDelete: takes the tags off every clue and customer, in one
 * transaction. A tag a target does not carry is skipped; the answer names, per target, the tags
 * this call took off.
 */
export async function removeSystemTags(
  db: Db,
  viewer: CorpViewer,
  targets: SystemTagTargets,
  tagIds: string[],
  actor: string,
): Promise<SystemTagChanges> {
  return db.transaction(async (trx) => {
    const tags = await requireSelfTags(trx, viewer.corpId, tagIds, 'tagIds');
    const { clues, customers } = await lockTargets(trx, viewer, targets);
    const result: SystemTagChanges = { clues: [], customers: [] };
    for (const clue of clues) {
      const removed = await deleteClueSystemTags(trx, String(clue.id), tagIds);
      await recordChange(trx, 'system_tags_removed', { clue }, inOrder(tagIds, removed), tags, actor);
      result.clues.push({ clueId: String(clue.id), tagIds: inOrder(tagIds, removed) });
    }
    for (const customer of customers) {
      const removed = await removeCustomerTags(trx, viewer.corpId, customerKey(customer), tagIds, actor);
      await recordChange(trx, 'system_tags_removed', { customer }, inOrder(tagIds, removed), tags, actor);
      result.customers.push({ customerId: String(customer.id), tagIds: inOrder(tagIds, removed) });
    }
    return result;
  });
}

/**
 * clueDetail.updateSystemTags: the clue or customer carries exactly `tagIds` afterwards (an empty
 * list takes every system tag off). Only the target's own tags change: a linked clue or customer
 * keeps its own.
 */
export async function replaceSystemTags(
  db: Db,
  viewer: CorpViewer,
  target: SystemTagTarget,
  tagIds: string[],
  actor: string,
): Promise<{ added: string[]; removed: string[] }> {
  return db.transaction(async (trx) => {
    const wanted = await requireSelfTags(trx, viewer.corpId, tagIds, 'tagIds');
    const { clues, customers } = await lockTargets(trx, viewer, targetsOf(target));
    const current =
      'clueId' in target
        ? await listClueSystemTags(trx, viewer.corpId, [target.clueId])
        : await listCustomerSystemTags(trx, viewer.corpId, [target.customerId]);
    const currentIds = current.map((r) => r.tag_id);
    const toAdd = tagIds.filter((id) => !currentIds.includes(id));
    const toRemove = currentIds.filter((id) => !wanted.has(id));
    const names = new Map([...wanted, ...(await requireSelfTags(trx, viewer.corpId, toRemove, 'tagIds'))]);
    const clue = clues[0];
    const customer = customers[0];
    let added: string[];
    let removed: string[];
    if (clue) {
      removed = await deleteClueSystemTags(trx, String(clue.id), toRemove);
      added = await insertClueSystemTags(trx, String(clue.id), toAdd, actor);
      await recordChange(trx, 'system_tags_removed', { clue }, inOrder(toRemove, removed), names, actor);
      await recordChange(trx, 'system_tags_added', { clue }, inOrder(toAdd, added), names, actor);
    } else if (customer) {
      removed = await removeCustomerTags(trx, viewer.corpId, customerKey(customer), toRemove, actor);
      added = await addCustomerTags(trx, viewer.corpId, customerKey(customer), toAdd, actor);
      await recordChange(trx, 'system_tags_removed', { customer }, inOrder(toRemove, removed), names, actor);
      await recordChange(trx, 'system_tags_added', { customer }, inOrder(toAdd, added), names, actor);
    } else {
      throw new Error('replaceSystemTags: target locked but not returned');
    }
    return { added: inOrder(toAdd, added), removed: inOrder(toRemove, removed) };
  });
}

/**
 * clueTag.query: the system tags of one clue or one customer as both show them. For a clue: its
 * own tags (place 'clue') and those of the customers linked to it (place 'customer'); for a
 * customer: its own and those of the clue it is linked to. A linked record outside the viewer's
 * data scope contributes nothing; the asked-for one outside it is 404.
 */
export async function querySystemTags(
  db: Executor,
  viewer: CorpViewer,
  target: SystemTagTarget,
  filter: SystemTagFilter,
): Promise<SystemTagOnRow[]> {
  const { clue, customers } = await resolveRecord(db, viewer, target);
  const clueTags = clue ? await listClueSystemTags(db, viewer.corpId, [String(clue.id)], filter) : [];
  const customerTags = await listCustomerSystemTags(
    db,
    viewer.corpId,
    customers.map((c) => String(c.id)),
    filter,
  );
  return [...clueTags, ...customerTags];
}

export function targetsOf(target: SystemTagTarget): SystemTagTargets {
  return 'clueId' in target
    ? { clueIds: [target.clueId], customerIds: [] }
    : { clueIds: [], customerIds: [target.customerId] };
}

/** The ids of `subset` in the order of `order` (the request's), so answers are stable. */
function inOrder(order: string[], subset: string[]): string[] {
  const kept = new Set(subset);
  return order.filter((id) => kept.has(id));
}
