import type { CorpViewer } from '../../db/queries/data-scope';
import { listCustomerTagDetails } from '../../db/queries/customer-tags';
import { findCustomerInScope } from '../../db/queries/wecom-customers';
import { listRelationsOfCustomer } from '../../db/queries/wecom-relations';
import { NotFoundError } from '../errors';
import { requireTags, tagCustomer, type CustomerTaggingDeps } from './customer-tagging';

export interface UpdateCorpTagsInput {
  externalUserid: string;
  /** One relation; without it every live relation of the customer the viewer may see. */
  userid?: string;
  /** The corp tags the relation(s) carry afterwards (empty: none). */
  tagIds: string[];
}

export interface RelationTagsChange {
  userid: string;
  added: string[];
  removed: string[];
  tagIds: string[];
}

/**
 * clueDetail.updateCorpTags: makes the customer's relations carry exactly `tagIds`. Each relation
 * whose tags differ gets one mark_tag with the difference, the mirror follows once WeCom accepted,
 * and the timeline records what changed; a relation already right calls nothing. Tags are
 * checked before any call, so an unknown tag changes nothing anywhere.
 */
export async function updateCustomerCorpTags(
  deps: CustomerTaggingDeps,
  viewer: CorpViewer,
  input: UpdateCorpTagsInput,
  actor: string,
): Promise<RelationTagsChange[]> {
  const { db } = deps;
  const corpId = viewer.corpId;
  const customer = await findCustomerInScope(db, viewer, { externalUserid: input.externalUserid });
  if (!customer) throw new NotFoundError('customer', input.externalUserid, 'CUSTOMER_NOT_FOUND');
  await requireTags(db, corpId, 'corp', input.tagIds, 'tagIds');
  const userids =
    input.userid !== undefined
      ? [input.userid]
      : (await listRelationsOfCustomer(db, viewer, input.externalUserid))
          .filter((r) => r.status === 0)
          .map((r) => r.userid);
  if (userids.length === 0) {
    throw new NotFoundError('live relation of customer', input.externalUserid, 'RELATION_NOT_FOUND');
  }
  const wanted = new Set(input.tagIds);
  const changes: RelationTagsChange[] = [];
  for (const userid of userids) {
    const key = { externalUserid: input.externalUserid, userid, source: 'corp' as const };
    const current = (await listCustomerTagDetails(db, corpId, key)).map((t) => t.tag_id);
    const added = input.tagIds.filter((id) => !current.includes(id));
    const removed = current.filter((id) => !wanted.has(id));
    if (added.length > 0 || removed.length > 0) {
      await tagCustomer(
        deps,
        viewer,
        { externalUserid: input.externalUserid, userid, tagSource: 'corp', addTagIds: added, removeTagIds: removed },
        actor,
      );
    }
    changes.push({ userid, added, removed, tagIds: [...input.tagIds] });
  }
  return changes;
}
