import { Type } from '@sinclair/typebox';
import type { CorpTagGroupRow, CorpTagRow } from '../../../db/queries/corp-tags';
import type { CorpTagGroupWithTags } from '../../../domain/tags/corp-tags';

const NStr = Type.Union([Type.String(), Type.Null()]);
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** A WeCom id (tag, group, chat, user): opaque, no spaces. */
export const WecomId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^\\S+$',
  'x-message': 'field.wecomId',
});

/** WeCom's `order`: an unsigned 32-bit integer, larger sorts first. */
export const TagOrder = Type.Integer({ minimum: 0, maximum: 4294967295, description: 'larger sorts first' });

/** WeCom limits tag and group names to 30 characters. */
export const CorpTagName = Type.String({ minLength: 1, maxLength: 30, pattern: '\\S' });

export const NewCorpTag = Type.Object(
  { name: CorpTagName, order: Type.Optional(TagOrder) },
  { additionalProperties: false },
);

// Corp tags and their groups are identified by WeCom's ids only: they are what every operation takes.
export const CorpTagView = Type.Object({
  tagId: Type.String({ description: 'WeCom tag id: the tag’s identity in every operation' }),
  groupId: Type.String({ description: 'WeCom group id' }),
  groupName: NStr,
  name: Type.String(),
  order: Type.Integer(),
  createTime: Type.Union([Type.String({ description: 'creation in WeCom' }), Type.Null()]),
  ctime: Type.String(),
  mtime: Type.String(),
});

export const CorpTagGroupView = Type.Object({
  groupId: Type.String({ description: 'WeCom group id: the group’s identity in every operation' }),
  groupName: Type.String(),
  order: Type.Integer(),
  createTime: NStr,
  ctime: Type.String(),
  mtime: Type.String(),
});

export const CorpTagGroupWithTagsView = Type.Object({
  ...CorpTagGroupView.properties,
  tags: Type.Array(CorpTagView),
});

export const DeletedView = Type.Object({
  deletedTagIds: Type.Array(Type.String()),
  deletedGroupIds: Type.Array(Type.String(), { description: 'groups deleted, also those left without tags' }),
});

export function presentCorpTag(t: CorpTagRow) {
  return {
    tagId: t.tag_id,
    groupId: t.group_id,
    groupName: t.group_name,
    name: t.name,
    order: Number(t.tag_order),
    createTime: iso(t.create_time),
    ctime: iso(t.ctime) as string,
    mtime: iso(t.mtime) as string,
  };
}

export function presentCorpTagGroup(g: CorpTagGroupRow) {
  return {
    groupId: g.group_id,
    groupName: g.group_name,
    order: Number(g.group_order),
    createTime: iso(g.create_time),
    ctime: iso(g.ctime) as string,
    mtime: iso(g.mtime) as string,
  };
}

export function presentCorpTagGroupWithTags({ group, tags }: CorpTagGroupWithTags) {
  return { ...presentCorpTagGroup(group), tags: tags.map(presentCorpTag) };
}
