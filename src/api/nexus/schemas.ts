import { Type } from '@sinclair/typebox';
import { StringEnum } from '../validation';

/** An employee number or department code: the HR system's keys, opaque, no spaces. */
const HrKey = (description: string) =>
  Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S+$', 'x-message': 'field.plainId', description });

const EmpNo = HrKey('employee number (工号), the key of a user');
const DeptCode = HrKey('department code, the key of a department');

const userFields = {
  empNo: EmpNo,
  username: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^\\S+$',
      'x-message': 'field.plainId',
      description: 'login name; a new user gets the employee number',
    }),
  ),
  realName: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  phone: Type.Optional(Type.String({ minLength: 1, maxLength: 32, format: 'cn-phone' })),
  email: Type.Optional(Type.String({ maxLength: 254, format: 'email' })),
  deptCode: Type.Optional(DeptCode),
  status: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 1, description: '0 active, 1 disabled (tokens stop at once)' }),
  ),
  roleKeys: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      maxItems: 50,
      uniqueItems: true,
      description: 'when given, the user’s roles become exactly these (role keys); left out, roles stay as they are',
    }),
  ),
};

export const NexusUserBody = Type.Object(userFields, { additionalProperties: false });

const SaveResult = StringEnum(['created', 'updated', 'unchanged'] as const, 'what the call changed');

export const NexusUserResult = Type.Object({
  empNo: Type.String(),
  username: Type.String(),
  result: SaveResult,
});

export const EmpNoBody = Type.Object({ empNo: EmpNo }, { additionalProperties: false });

export const DeletedUserResult = Type.Object({
  empNo: Type.String(),
  deleted: Type.Boolean({ description: 'false when no live user had this employee number (nothing changed)' }),
});

const NullableKey = (description: string) =>
  Type.Union(
    [Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S+$', 'x-message': 'field.plainId' }), Type.Null()],
    {
      description,
    },
  );

export const NexusDeptBody = Type.Object(
  {
    code: DeptCode,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    parentCode: Type.Optional(
      NullableKey(
        'the parent department’s code; null makes it a root (left out: a new one is a root, an existing one stays)',
      ),
    ),
    order: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    leaderEmpNo: Type.Optional(NullableKey('employee number of the department’s leader; null for none')),
  },
  { additionalProperties: false },
);

export const NexusDeptResult = Type.Object({ code: Type.String(), result: SaveResult });

export const DeleteDeptBody = Type.Object(
  {
    code: DeptCode,
    includeSubDepts: Type.Boolean({
      default: false,
      description: 'delete the sub-departments (and their users) too; without it a department that has some is refused',
    }),
  },
  { additionalProperties: false },
);

export const DeletedDeptResult = Type.Object({
  code: Type.String(),
  deleted: Type.Boolean({ description: 'false when no live department had this code (nothing changed)' }),
  deptCodes: Type.Array(Type.String(), { description: 'the departments deleted' }),
  users: Type.Array(Type.Object({ empNo: Type.Union([Type.String(), Type.Null()]), username: Type.String() }), {
    description: 'the users deleted with them (their tokens stop at once)',
  }),
});

export const MoveUsersBody = Type.Object(
  {
    deptCode: DeptCode,
    empNos: Type.Array(EmpNo, { minItems: 1, maxItems: 500, uniqueItems: true }),
  },
  { additionalProperties: false },
);

export const MoveUsersResult = Type.Object({
  deptCode: Type.String(),
  results: Type.Array(
    Type.Object({
      empNo: Type.String(),
      result: StringEnum(
        ['moved', 'unchanged', 'notFound'] as const,
        'moved; unchanged (already there); notFound (no live user has this employee number)',
      ),
    }),
  ),
});

export const SsoBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 4096, description: 'the HR system’s token of the signed-in user' }) },
  { additionalProperties: false },
);

export const SsoResult = Type.Object({
  token: Type.String({ description: 'our admin token (also in the `token` header), with the claims of a login' }),
  expiresIn: Type.Integer({ description: 'seconds until this token expires' }),
  mustChangePassword: Type.Boolean(),
  sessionExpiresAt: Type.String({
    format: 'date-time',
    description: 'end of the 12 hours in which the same HR token answers this session; after it, it is refused',
  }),
  user: Type.Object({
    id: Type.String(),
    username: Type.String(),
    realName: Type.Union([Type.String(), Type.Null()]),
    empNo: Type.String(),
  }),
});
