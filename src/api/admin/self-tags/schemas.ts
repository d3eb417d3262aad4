import { Type } from '@sinclair/typebox';
import type { SelfTagGroupRow, SelfTagRow } from '../../../db/queries/self-tags';
import type { SelfTagGroupWithTags } from '../../../domain/tags/self-tags';

const NStr = Type.Union([Type.String(), Type.Null()]);
const iso = (d: Date | string) => new Date(d).toISOString();

export const SelfTagOrder = Type.Integer({ minimum: 0, maximum: 4294967295, description: 'larger sorts first' });
export const SelfTagName = Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' });

export const NewSelfTag = Type.Object(
  { name: SelfTagName, order: Type.Optional(SelfTagOrder) },
  { additionalProperties: false },
);

export const SelfTagView = Type.Object({
  id: Type.String(),
  groupId: Type.String(),
  groupName: Type.String(),
  name: Type.String(),
  order: Type.Integer(),
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export const SelfTagGroupView = Type.Object({
  id: Type.String(),
  groupName: Type.String(),
  order: Type.Integer(),
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export const SelfTagGroupWithTagsView = Type.Object({
  ...SelfTagGroupView.properties,
  tags: Type.Array(SelfTagView),
});

export const DeletedSelfTagsView = Type.Object({
  deletedTagIds: Type.Array(Type.String()),
  deletedGroupIds: Type.Array(Type.String(), { description: 'groups deleted, also those left without tags' }),
});

export function presentSelfTag(t: SelfTagRow) {
  return {
    id: t.id,
    groupId: t.group_id,
    groupName: t.group_name,
    name: t.name,
    order: Number(t.tag_order),
    ctime: iso(t.ctime),
    cuser: t.cuser,
    mtime: iso(t.mtime),
    muser: t.muser,
  };
}

export function presentSelfTagGroup(g: SelfTagGroupRow) {
  return {
    id: g.id,
    groupName: g.name,
    order: Number(g.group_order),
    ctime: iso(g.ctime),
    cuser: g.cuser,
    mtime: iso(g.mtime),
    muser: g.muser,
  };
}

export function presentSelfTagGroupWithTags({ group, tags }: SelfTagGroupWithTags) {
  return { ...presentSelfTagGroup(group), tags: tags.map(presentSelfTag) };
}
