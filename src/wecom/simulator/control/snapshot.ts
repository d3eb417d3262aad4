import {
  presentDepartment,
  presentExternalContact,
  presentFollowUser,
  presentGroupChat,
  presentLiveTagGroup,
  presentUser,
} from '../present';
import type { SimCorp } from '../state';

export const SNAPSHOT_SECTIONS = [
  'departments',
  'users',
  'customers',
  'tagGroups',
  'groupChats',
  'contactWays',
  'joinWays',
  'acquisitionLinks',
  'acquisitionQuota',
  'transfers',
  'media',
  'welcomes',
] as const;
export type SnapshotSection = (typeof SNAPSHOT_SECTIONS)[number];

/**
 * The corp as WeCom would report it through its APIs (same field names), in a stable order, for
 * tests to compare a mirror against. Deleted tags, pending half adds and dismissed groups are left out.
 */
export function snapshot(corp: SimCorp, sections: ReadonlySet<SnapshotSection>) {
  const out: Record<string, unknown> = { corpId: corp.corpId, now: corp.now(), seed: corp.seed };
  if (sections.has('departments')) out['departments'] = [...corp.departments.values()].map(presentDepartment);
  if (sections.has('users')) {
    out['users'] = [...corp.employees.values()].map((e) => ({
      ...presentUser(e),
      customer_contact: e.customerContact,
    }));
  }
  if (sections.has('customers')) {
    out['customers'] = [...corp.customers.values()].map((c) => ({
      external_contact: presentExternalContact(c),
      follow_user: c.relations.map((r) => presentFollowUser(corp, r)),
    }));
  }
  if (sections.has('tagGroups')) {
    out['tagGroups'] = corp.tagGroups.filter((g) => !g.deleted).map(presentLiveTagGroup);
  }
  if (sections.has('groupChats')) {
    out['groupChats'] = [...corp.chats.values()].map((c) => ({ ...presentGroupChat(c, true), status: c.status }));
  }
  if (sections.has('contactWays')) out['contactWays'] = [...corp.contactWays.values()];
  if (sections.has('joinWays')) out['joinWays'] = [...corp.joinWays.values()];
  if (sections.has('acquisitionLinks')) out['acquisitionLinks'] = [...corp.links.values()];
  if (sections.has('acquisitionQuota')) out['acquisitionQuota'] = structuredClone(corp.acquisitionQuota);
  if (sections.has('transfers')) out['transfers'] = corp.transfers.map((t) => ({ ...t }));
  if (sections.has('media')) out['media'] = [...corp.media.values()].map((m) => ({ ...m }));
  if (sections.has('welcomes')) out['welcomes'] = corp.welcomes.map((w) => ({ ...w }));
  return out;
}
