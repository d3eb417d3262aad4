import { Type } from '@sinclair/typebox';
import type { TimelineEntry } from '../../../domain/timeline/timeline';
import type { PortraitTags, TagGroup } from '../../../domain/tags/portrait-tags';
import { StringEnum } from '../../validation';

const NStr = Type.Union([Type.String(), Type.Null()]);
const iso = (d: Date) => new Date(d).toISOString();

export const TimelineEntryView = Type.Object({
  id: Type.String({ description: 'stable id of the entry: where it comes from and its id there' }),
  kind: Type.String({ description: 'what happened (intake, assigned, follow_up, wecom_added, transfer_succeeded, …)' }),
  time: Type.String(),
  actorType: StringEnum(
    ['admin', 'partner', 'employee', 'customer', 'system'] as const,
    'who did it: an admin, a partner (its collect API), a WeCom employee, the customer, or the product/WeCom itself',
  ),
  actor: Type.Union([Type.String(), Type.Null()], {
    description: 'admin username, partner:<partner id>, employee userid or external userid; null for the system',
  }),
  actorName: Type.String({ description: 'the actor as the page names it (系统 for the system)' }),
  text: Type.String({ description: 'the entry in words (Chinese), as the detail page shows it' }),
  clueId: Type.Union([Type.String(), Type.Null()], { description: 'the clue the entry is about, if any' }),
  externalUserid: Type.Union([Type.String(), Type.Null()], { description: 'the customer the entry is about, if any' }),
  detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});

export function presentTimelineEntry(e: TimelineEntry) {
  return {
    id: e.key,
    kind: e.kind,
    time: iso(e.at),
    actorType: e.actorType,
    actor: e.actor,
    actorName: e.actorName,
    text: e.text,
    clueId: e.clue_id,
    externalUserid: e.external_userid,
    detail: e.detail,
  };
}

const TagGroupView = <T extends ReturnType<typeof Type.Object>>(use: T) =>
  Type.Array(
    Type.Object({
      groupId: Type.String(),
      groupName: Type.String(),
      tags: Type.Array(Type.Object({ tagId: Type.String(), tagName: Type.String(), appliedOn: Type.Array(use) })),
    }),
  );

export const PortraitTagsView = Type.Object({
  corpTags: TagGroupView(
    Type.Object({
      externalUserid: Type.String(),
      userid: Type.String({ description: 'the employee whose relation carries the tag' }),
      employeeName: NStr,
      appliedAt: Type.String(),
      appliedBy: Type.Union([Type.String(), Type.Null()], { description: 'admin username, or the sync / callback' }),
    }),
  ),
  systemTags: TagGroupView(
    Type.Object({
      place: StringEnum(['clue', 'customer'] as const, 'on the clue, or on a WeCom customer'),
      clueId: NStr,
      customerId: NStr,
      appliedAt: Type.String(),
      appliedBy: NStr,
    }),
  ),
});

function presentGroups<T extends { appliedAt: Date }>(groups: Array<TagGroup<T>>) {
  return groups.map((g) => ({
    ...g,
    tags: g.tags.map((t) => ({ ...t, appliedOn: t.appliedOn.map((u) => ({ ...u, appliedAt: iso(u.appliedAt) })) })),
  }));
}

export function presentPortraitTags(p: PortraitTags) {
  return { corpTags: presentGroups(p.corpTags), systemTags: presentGroups(p.systemTags) };
}
