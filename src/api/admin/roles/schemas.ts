import { Type, type Static } from '@sinclair/typebox';
import type { RoleDetailRow } from '../../../db/queries/roles';
import { IdString } from '../../validation';

const DataScope = Type.Integer({
  minimum: 1,
  maximum: 5,
  description:
    'rows the role sees: 1 all, 2 custom departments (deptIds), 3 own department, 4 own department and below, 5 self only',
});
const Status = Type.Integer({
  minimum: 0,
  maximum: 1,
  description: '0 enabled, 1 disabled (a disabled role grants nothing)',
});

export const SaveRoleBody = Type.Object(
  {
    id: Type.Optional(IdString),
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' }),
    roleKey: Type.String({
      pattern: '^[A-Za-z][A-Za-z0-9_:-]*$',
      maxLength: 64,
      description: 'unique key (case-insensitive), e.g. sales_manager',
    }),
    order: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    status: Type.Optional(Status),
    dataScope: DataScope,
    deptIds: Type.Optional(
      Type.Array(IdString, { maxItems: 500, description: 'departments of data scope 2; replaced by the list sent' }),
    ),
    remark: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const RoleView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  roleKey: Type.String(),
  order: Type.Integer(),
  status: Type.Integer({ description: '0 enabled, 1 disabled' }),
  dataScope: Type.Integer(),
  deptIds: Type.Array(Type.String()),
  remark: Type.Union([Type.String(), Type.Null()]),
  builtIn: Type.Boolean({ description: 'the super-admin role: every permission, cannot be deleted or narrowed' }),
  userCount: Type.Integer(),
  ctime: Type.String({ format: 'date-time' }),
  mtime: Type.String({ format: 'date-time' }),
});

export function presentRole(row: RoleDetailRow): Static<typeof RoleView> {
  return {
    id: row.id,
    name: row.name,
    roleKey: row.role_key,
    order: row.order_num,
    status: row.status,
    dataScope: row.data_scope,
    deptIds: row.dept_ids,
    remark: row.remark,
    builtIn: row.built_in,
    userCount: row.user_count,
    ctime: row.ctime.toISOString(),
    mtime: row.mtime.toISOString(),
  };
}
