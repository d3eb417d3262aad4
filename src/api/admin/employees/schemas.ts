import { Type } from '@sinclair/typebox';
import { EMPLOYEE_SORT_FIELDS, type WecomEmployeeRow } from '../../../db/queries/wecom-employees';
import { PageRequest } from '../../paging';
import { IdString } from '../../validation';

const NStr = Type.Union([Type.String(), Type.Null()]);
const NInt = Type.Union([Type.Integer(), Type.Null()]);
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** A WeCom userid: 1–64 letters, digits, '-', '_', '.' or '@'. */
export const WecomUserid = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_.@-]+$',
  'x-message': 'field.wecomUserid',
});

const DeptIdDigits = Type.String({
  pattern: '^[1-9][0-9]{0,17}$',
  maxLength: 18,
  'x-message': 'field.wecomDeptId',
});

/** WeCom member status: 1 activated, 2 disabled, 4 not activated, 5 left the corp. */
const EmployeeStatus = Type.Unsafe<1 | 2 | 4 | 5>({
  type: 'integer',
  enum: [1, 2, 4, 5],
  description: '1 activated, 2 disabled, 4 not activated, 5 left the corp',
});
const Gender = Type.Unsafe<0 | 1 | 2 | null>({
  type: ['integer', 'null'],
  enum: [0, 1, 2, null],
  description: '0 unknown, 1 male, 2 female',
});

export const SearchByNameQuery = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '\\S', description: 'part of the name, case-insensitive' }),
});

export const ByUseridQuery = Type.Object({ userid: WecomUserid });

export const PageEmployeesBody = PageRequest(
  {
    name: Type.Optional(Type.String({ maxLength: 64, description: 'part of the name, case-insensitive' })),
    departmentId: Type.Optional(DeptIdDigits),
    status: Type.Optional(Type.Array(EmployeeStatus, { maxItems: 4, uniqueItems: true })),
    hasContactFeature: Type.Optional(Type.Boolean({ description: 'may have external contacts (客户联系)' })),
    includeDeleted: Type.Optional(Type.Boolean({ description: 'also list employees gone from WeCom' })),
  },
  EMPLOYEE_SORT_FIELDS,
);

const OptionalNullableText = (maxLength: number) =>
  Type.Optional(Type.Union([Type.String({ maxLength }), Type.Null()]));

export const SaveEmployeeBody = Type.Object(
  {
    id: Type.Optional(IdString),
    userid: Type.Optional(WecomUserid),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' })),
    alias: OptionalNullableText(128),
    position: OptionalNullableText(128),
    mobile: OptionalNullableText(32),
    email: Type.Optional(
      Type.Union([Type.String({ maxLength: 0 }), Type.String({ format: 'email', maxLength: 254 }), Type.Null()], {
        'x-message': 'format.email',
      }),
    ),
    gender: Type.Optional(Gender),
    status: Type.Optional(EmployeeStatus),
    mainDepartment: Type.Optional(Type.Union([DeptIdDigits, Type.Null()])),
    departments: Type.Optional(Type.Array(DeptIdDigits, { maxItems: 100, uniqueItems: true })),
    hasContactFeature: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const EmployeeView = Type.Object({
  id: Type.String(),
  userid: Type.String(),
  name: Type.String(),
  alias: NStr,
  position: NStr,
  mobile: NStr,
  email: NStr,
  gender: NInt,
  avatar: NStr,
  status: NInt,
  mainDepartment: NStr,
  departments: Type.Array(Type.String()),
  isLeaderInDept: Type.Array(Type.Integer()),
  openUserid: NStr,
  hasContactFeature: Type.Boolean(),
  deleted: Type.Boolean({ description: 'gone from WeCom (soft-deleted here)' }),
  delTime: NStr,
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export function presentEmployee(e: WecomEmployeeRow) {
  return {
    id: e.id,
    userid: e.userid,
    name: e.name,
    alias: e.alias,
    position: e.position,
    mobile: e.mobile,
    email: e.email,
    gender: e.gender,
    avatar: e.avatar,
    status: e.status,
    mainDepartment: e.main_department,
    departments: e.departments.map(String),
    isLeaderInDept: e.is_leader_in_dept,
    openUserid: e.open_userid,
    hasContactFeature: e.has_contact_feature,
    deleted: e.is_del !== 0,
    delTime: iso(e.del_time),
    ctime: iso(e.ctime) as string,
    cuser: e.cuser,
    mtime: iso(e.mtime) as string,
    muser: e.muser,
  };
}
