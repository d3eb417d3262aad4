import type { Db, Executor } from '../../db/knex';
import { findCorpTags } from '../../db/queries/corp-tags';
import {
  addCustomerTags,
  customerExists,
  findCustomerTag,
  findCustomerTagDetail,
  findTaggableRelation,
  listCustomerTagDetails,
  removeCustomerTags,
  retagCustomerTag,
  type CustomerTagDetailRow,
  type CustomerTagKey,
  type TagSource,
} from '../../db/queries/customer-tags';
import { findSelfTags } from '../../db/queries/self-tags';
import type { WecomApiFactory } from '../../wecom/api';
import { openWecom } from '../customers/wecom-errors';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { conflictOnUniqueViolation } from '../refuse-duplicates';
import { recordCustomerTagChange } from './tag-change-events';
import { callWecom } from './wecom-errors';
import type { CorpViewer } from '../../db/queries/data-scope';
import { findCustomerInScope } from '../../db/queries/wecom-customers';

/**
 * Tags on customers. Corp tags sit on one follow-user relation and are marked in WeCom first
 * (mark_tag), the mirror following once WeCom accepted; self-built tags sit on the customer
 * (userid '') and stay local.
 */
export interface CustomerTaggingDeps {
  db: Db;
  wecom: WecomApiFactory;
}

export interface TaggingInput {
  externalUserid: string;
  userid?: string;
  tagSource: TagSource;
  addTagIds: string[];
  removeTagIds: string[];
}

/** Where tags of this source go on this customer; refuses a missing customer or a relation that is not active. */
async function resolveTarget(
  db: Executor,
  corpId: string,
  source: TagSource,
  externalUserid: string,
  userid: string | undefined,
): Promise<CustomerTagKey> {
  if (source === 'self') {
    if (!(await customerExists(db, corpId, externalUserid))) {
      throw new NotFoundError('customer', externalUserid, 'CUSTOMER_NOT_FOUND');
    }
    return { externalUserid, userid: '', source };
  }
  if (!userid)
    throw ValidationError.field(
      'userid',
      "is required for corp tags (they sit on one employee's relation)",
      'rule.useridForCorpTags',
    );
  const relation = await findTaggableRelation(db, corpId, externalUserid, userid);
  if (!relation)
    throw new NotFoundError('relation of customer and employee', `${externalUserid}/${userid}`, 'RELATION_NOT_FOUND');
  if (relation.status !== 0) {
    throw new ConflictError(
      `customer ${externalUserid} and employee ${userid} are no longer connected; corp tags need an active relation`,
      'RELATION_INACTIVE',
    );
  }
  return { externalUserid, userid, source };
}

/** Live tag ids of this source among `ids`. */
async function liveTagIds(db: Executor, corpId: string, source: TagSource, ids: string[]): Promise<Set<string>> {
  if (source === 'corp') return new Set((await findCorpTags(db, corpId, ids)).map((t) => t.tag_id));
  const numeric = ids.filter((id) => /^[1-9][0-9]{0,18}$/.test(id));
  return new Set((await findSelfTags(db, corpId, numeric)).map((t) => t.id));
}

export async function requireTags(
  db: Executor,
  corpId: string,
  source: TagSource,
  ids: string[],
  field: string,
): Promise<void> {
  const live = await liveTagIds(db, corpId, source, ids);
  const unknown = ids.filter((id) => !live.has(id));
  if (unknown.length > 0) {
    const ids = unknown.join(', ');
    throw ValidationError.field(
      field,
      `unknown ${source} tag id(s): ${ids}`,
      source === 'corp' ? 'rule.unknownCorpTags' : 'rule.unknownSelfTags',
      { ids },
    );
  }
}

async function markInWecom(
  deps: CustomerTaggingDeps,
  corpId: string,
  key: CustomerTagKey,
  add: string[],
  remove: string[],
): Promise<void> {
  const api = await openWecom(deps.wecom, corpId);
  await callWecom({ what: 'corp tag', ids: [...add, ...remove] }, () =>
    api.call('markTag', {
      body: {
        userid: key.userid,
        external_userid: key.externalUserid,
        ...(add.length > 0 ? { add_tag: add } : {}),
        ...(remove.length > 0 ? { remove_tag: remove } : {}),
      },
    }),
  );
}

/** Adds and removes tags on one customer (corp tags: on one relation); repeating it changes nothing. Returns the tags it carries now. */
export async function tagCustomer(
  deps: CustomerTaggingDeps,
  viewer: CorpViewer,
  input: TaggingInput,
  actor: string,
): Promise<CustomerTagDetailRow[]> {
  const { db } = deps;
  const corpId = viewer.corpId;
  await requireCustomerInScope(db, viewer, input.externalUserid);
  if (input.addTagIds.length === 0 && input.removeTagIds.length === 0) {
    throw ValidationError.field(
      'addTagIds',
      'addTagIds and removeTagIds must not both be empty',
      'rule.addOrRemoveTags',
    );
  }
  const adding = new Set(input.addTagIds);
  const both = input.removeTagIds.filter((id) => adding.has(id));
  if (both.length > 0)
    throw ValidationError.field(
      'removeTagIds',
      `also listed in addTagIds: ${both.join(', ')}`,
      'rule.addedAndRemoved',
      {
        ids: both.join(', '),
      },
    );
  const key = await resolveTarget(db, corpId, input.tagSource, input.externalUserid, input.userid);
  await requireTags(db, corpId, input.tagSource, input.addTagIds, 'addTagIds');
  await requireTags(db, corpId, input.tagSource, input.removeTagIds, 'removeTagIds');
  if (key.source === 'corp') await markInWecom(deps, corpId, key, input.addTagIds, input.removeTagIds);
  await db.transaction(async (trx) => {
    const added = await addCustomerTags(trx, corpId, key, input.addTagIds, actor);
    const removed = await removeCustomerTags(trx, corpId, key, input.removeTagIds, actor);
    await recordCustomerTagChange(trx, corpId, key, { added, removed }, actor);
  });
  return listCustomerTagDetails(db, corpId, key);
}

/** A customer outside the viewer's data scope reads as unknown, like one that does not exist. */
async function requireCustomerInScope(db: Executor, viewer: CorpViewer, externalUserid: string): Promise<void> {
  if (viewer.scope.all) return;
  if (!(await findCustomerInScope(db, viewer, { externalUserid }))) {
    throw new NotFoundError('customer', externalUserid, 'CUSTOMER_NOT_FOUND');
  }
}

export async function getCustomerTag(db: Executor, viewer: CorpViewer, id: string): Promise<CustomerTagDetailRow> {
  const row = await findCustomerTagDetail(db, viewer, id);
  if (!row) throw new NotFoundError('customer tag', id, 'CUSTOMER_TAG_NOT_FOUND');
  return row;
}

export interface SaveCustomerTagInput {
  id?: string;
  externalUserid: string;
  userid?: string;
  tagSource: TagSource;
  tagId: string;
}

/**
 * One record: without id, puts the tag on the customer (or returns the record it already has);
 * with id, points that record at another tag. Customer, relation and source of a record are fixed.
 */
export async function saveCustomerTag(
  deps: CustomerTaggingDeps,
  viewer: CorpViewer,
  input: SaveCustomerTagInput,
  actor: string,
): Promise<CustomerTagDetailRow> {
  const { db } = deps;
  const corpId = viewer.corpId;
  if (input.id === undefined) {
    await requireCustomerInScope(db, viewer, input.externalUserid);
    await requireTags(db, corpId, input.tagSource, [input.tagId], 'tagId');
    const [saved] = await tagCustomer(
      deps,
      viewer,
      { ...input, addTagIds: [input.tagId], removeTagIds: [] },
      actor,
    ).then((rows) => rows.filter((r) => r.tag_id === input.tagId));
    if (!saved) throw new Error('customer tag missing right after it was saved');
    return saved;
  }

  // A record of a customer outside the scope is as unknown as one that does not exist.
  const row = (await findCustomerTagDetail(db, viewer, input.id)) && (await findCustomerTag(db, corpId, input.id));
  if (!row) throw new NotFoundError('customer tag', input.id, 'CUSTOMER_TAG_NOT_FOUND');
  const fixed = 'cannot change on an existing record; add a new record instead';
  if (input.externalUserid !== row.external_userid)
    throw ValidationError.field('externalUserid', fixed, 'rule.fixedOnRecord');
  if (input.tagSource !== row.tag_source) throw ValidationError.field('tagSource', fixed, 'rule.fixedOnRecord');
  if (row.tag_source === 'corp' && input.userid !== undefined && input.userid !== row.userid) {
    throw ValidationError.field('userid', fixed, 'rule.fixedOnRecord');
  }
  if (input.tagId !== row.tag_id) {
    const key = await resolveTarget(db, corpId, row.tag_source, row.external_userid, row.userid || undefined);
    await requireTags(db, corpId, row.tag_source, [input.tagId], 'tagId');
    if ((await listCustomerTagDetails(db, corpId, key, [input.tagId])).length > 0) {
      throw new ConflictError(`the customer already carries tag ${input.tagId}`, 'CUSTOMER_TAG_EXISTS');
    }
    if (key.source === 'corp') {
      const oldIsLive = (await liveTagIds(db, corpId, 'corp', [row.tag_id])).has(row.tag_id);
      await markInWecom(deps, corpId, key, [input.tagId], oldIsLive ? [row.tag_id] : []);
    }
    // A concurrent retag to the same tag loses on the row's unique key.
    await conflictOnUniqueViolation(
      () =>
        db.transaction(async (trx) => {
          await retagCustomerTag(trx, corpId, row, input.tagId, actor);
          await recordCustomerTagChange(trx, corpId, key, { added: [input.tagId], removed: [row.tag_id] }, actor);
        }),
      {},
      () => new ConflictError(`the customer already carries tag ${input.tagId}`, 'CUSTOMER_TAG_EXISTS'),
    );
  }
  return getCustomerTag(db, viewer, row.id);
}
