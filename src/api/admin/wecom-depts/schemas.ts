import { Type } from '@sinclair/typebox';
import { DEPT_SORT_FIELDS, type WecomDeptRow } from '../../../db/queries/wecom-depts';
import { PageRequest } from '../../paging';
import { IdString } from '../../validation';
import { WecomUserid } from '../employees/schemas';

const NStr = Type.Union([Type.String(), Type.Null()]);
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** A WeCom department id (digits); 0 only where a parent is meant (WeCom gives the root parent 0). */
export const WecomDeptId = Type.String({
  pattern: '^[1-9][0-9]{0,17}$',
  maxLength: 18,
  'x-message': 'field.wecomDeptId',
});
export const WecomParentDeptId = Type.String({
  pattern: '^(0|[1-9][0-9]{0,17})$',
  maxLength: 18,
  'x-message': 'field.wecomParentDeptId',
});

export const PageDeptsBody = PageRequest(
  {
    name: Type.Optional(Type.String({ maxLength: 128, description: 'part of the name, case-insensitive' })),
    parentId: Type.Optional(WecomParentDeptId),
    includeDeleted: Type.Optional(Type.Boolean({ description: 'also list departments gone from WeCom' })),
  },
  DEPT_SORT_FIELDS,
);

export const SaveDeptBody = Type.Object(
  {
    id: Type.Optional(IdString),
    deptId: Type.Optional(WecomDeptId),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' })),
    nameEn: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
    parentId: Type.Optional(WecomParentDeptId),
    order: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295, description: 'larger comes first' })),
    leaders: Type.Optional(Type.Array(WecomUserid, { maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const DeptView = Type.Object({
  id: Type.String(),
  deptId: Type.String({ description: 'WeCom department id' }),
  name: Type.String(),
  nameEn: NStr,
  parentId: NStr,
  order: Type.Integer(),
  leaders: Type.Array(Type.String()),
  deleted: Type.Boolean({ description: 'gone from WeCom (soft-deleted here)' }),
  delTime: NStr,
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export function presentDept(d: WecomDeptRow) {
  return {
    id: d.id,
    deptId: d.dept_id,
    name: d.name,
    nameEn: d.name_en,
    parentId: d.parent_id,
    order: Number(d.dept_order),
    leaders: d.leaders,
    deleted: d.is_del !== 0,
    delTime: iso(d.del_time),
    ctime: iso(d.ctime) as string,
    cuser: d.cuser,
    mtime: iso(d.mtime) as string,
    muser: d.muser,
  };
}

/** Answer of every full-sync start: the Temporal workflow to watch. */
