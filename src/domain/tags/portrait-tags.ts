import type { Executor } from '../../db/knex';
import type { SystemTagOnRow } from '../../db/queries/clue-self-tags';
import { listCorpTagDetailsOfCustomers, type CustomerTagDetailRow } from '../../db/queries/customer-tags';
import type { CorpViewer } from '../../db/queries/data-scope';
import { resolveRecord, type RecordTarget } from '../clues/record-target';
import { querySystemTags } from './clue-system-tags';

export interface TagGroup<T> {
  groupId: string;
  groupName: string;
  tags: Array<{ tagId: string; tagName: string; appliedOn: T[] }>;
}

export interface CorpTagUse {
  externalUserid: string;
  userid: string;
  employeeName: string | null;
  appliedAt: Date;
  appliedBy: string | null;
}

export interface SystemTagUse {
  place: 'clue' | 'customer';
  clueId: string | null;
  customerId: string | null;
  appliedAt: Date;
  appliedBy: string | null;
}

export interface PortraitTags {
  corpTags: Array<TagGroup<CorpTagUse>>;
  systemTags: Array<TagGroup<SystemTagUse>>;
}

/** Groups uses of tags by group then tag, keeping the order the rows come in. */
function grouped<R, T>(
  rows: R[],
  keyOf: (r: R) => { groupId: string; groupName: string; tagId: string; tagName: string },
  useOf: (r: R) => T,
): Array<TagGroup<T>> {
  const groups = new Map<string, TagGroup<T>>();
  for (const row of rows) {
    const k = keyOf(row);
    let group = groups.get(k.groupId);
    if (!group) groups.set(k.groupId, (group = { groupId: k.groupId, groupName: k.groupName, tags: [] }));
    let tag = group.tags.find((t) => t.tagId === k.tagId);
    if (!tag) group.tags.push((tag = { tagId: k.tagId, tagName: k.tagName, appliedOn: [] }));
    tag.appliedOn.push(useOf(row));
  }
  return [...groups.values()];
}

/**
 * clueDetail.portraitTags (客户画像): the corp tags of the customer(s) — each with the employees
 * whose relation carries it — and the system tags of the clue and its customers, by group, with
 * who applied each and when.
 */
export async function portraitTags(db: Executor, viewer: CorpViewer, target: RecordTarget): Promise<PortraitTags> {
  const { customers } = await resolveRecord(db, viewer, target);
  const [corpRows, systemRows] = await Promise.all([
    listCorpTagDetailsOfCustomers(
      db,
      viewer.corpId,
      customers.map((c) => c.external_userid),
    ),
    querySystemTags(db, viewer, target, {}),
  ]);
  return {
    corpTags: grouped(
      corpRows,
      (r: CustomerTagDetailRow) => ({
        groupId: r.tag_group_id ?? '',
        groupName: r.group_name ?? '',
        tagId: r.tag_id,
        tagName: r.tag_name ?? r.tag_id,
      }),
      (r) => ({
        externalUserid: r.external_userid,
        userid: r.userid,
        employeeName: r.employee_name,
        appliedAt: r.mtime,
        appliedBy: r.muser,
      }),
    ),
    systemTags: grouped(
      systemRows,
      (r: SystemTagOnRow) => ({ groupId: r.group_id, groupName: r.group_name, tagId: r.tag_id, tagName: r.tag_name }),
      (r) => ({ place: r.place, clueId: r.clue_id, customerId: r.customer_id, appliedAt: r.ctime, appliedBy: r.cuser }),
    ),
  };
}
