import { Type, type TSchema } from '@sinclair/typebox';
import type { UserWithRoles } from '../../../domain/users/users';
import { IdString } from '../../validation';

/** Long enough for the password policy to say what is wrong (it allows 8 to 128 characters). */
const PasswordInput = Type.String({ maxLength: 1024 });
/** The username's form is checked by the domain, so that a too-long name is answered as such. */
const UsernameInput = Type.String({ minLength: 1, maxLength: 256 });

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const UserStatus = Type.Integer({ minimum: 0, maximum: 1, description: '0 enabled, 1 disabled' });

export const SaveUserBody = Type.Object(
  {
    id: Type.Optional(IdString),
    username: Type.Optional(
      Type.String({
        ...UsernameInput,
        description:
          'required for a new user: 1-64 letters, digits and _ . @ -, starting with a letter or digit; unique',
      }),
    ),
    password: Type.Optional(
      Type.String({
        ...PasswordInput,
        description:
          'required for a new user, refused on an existing one: 8-128 characters, not containing the username, ' +
          'at least two of letters, digits and symbols',
      }),
    ),
    realName: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    empNo: Type.Optional(
      Nullable(
        Type.String({
          maxLength: 64,
          pattern: '^$|^\\S+$',
          'x-message': 'field.plainId',
          description: 'employee number; unique',
        }),
      ),
    ),
    phone: Type.Optional(Nullable(Type.String({ format: 'cn-phone', maxLength: 32 }))),
    email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 254 }))),
    deptId: Type.Optional(Type.Union([IdString, Type.Null()], { description: 'a department of the system tree' })),
    status: Type.Optional(UserStatus),
    roleIds: Type.Optional(
      Type.Array(IdString, {
        maxItems: 50,
        uniqueItems: true,
        description: 'new users only (use assignRoles afterwards)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const UserView = Type.Object({
  id: Type.String(),
  username: Type.String(),
  realName: Type.Union([Type.String(), Type.Null()]),
  empNo: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  avatar: Type.Union([Type.String(), Type.Null()]),
  deptId: Type.Union([Type.String(), Type.Null()]),
  deptName: Type.Union([Type.String(), Type.Null()]),
  status: Type.Integer({ description: '0 enabled, 1 disabled' }),
  corpId: Type.Union([Type.String(), Type.Null()], { description: 'null: the installation’s default corp' }),
  wecomUserid: Type.Union([Type.String(), Type.Null()]),
  mustChangePassword: Type.Boolean(),
  roles: Type.Array(
    Type.Object({
      id: Type.String(),
      key: Type.String(),
      name: Type.String(),
      dataScope: Type.Integer(),
      status: Type.Integer(),
      builtIn: Type.Boolean(),
    }),
  ),
  ctime: Type.String(),
  mtime: Type.String(),
});

export function presentUser({ user, roles, deptName }: UserWithRoles) {
  return {
    id: user.id,
    username: user.username,
    realName: user.real_name,
    empNo: user.emp_no,
    phone: user.phone_num,
    email: user.email,
    avatar: user.avatar,
    deptId: user.dept_id,
    deptName,
    status: user.account_status,
    corpId: user.corp_id,
    wecomUserid: user.wecom_userid,
    mustChangePassword: user.must_change_password,
    roles: roles.map((role) => ({
      id: role.id,
      key: role.role_key,
      name: role.name,
      dataScope: role.data_scope,
      status: role.status,
      builtIn: role.built_in,
    })),
    ctime: new Date(user.ctime).toISOString(),
    mtime: new Date(user.mtime).toISOString(),
  };
}

export const UserPageFilters = {
  username: Type.Optional(Type.String({ maxLength: 64, description: 'contains, case-insensitive' })),
  realName: Type.Optional(Type.String({ maxLength: 64, description: 'contains, case-insensitive' })),
  empNo: Type.Optional(Type.String({ maxLength: 64, description: 'contains, case-insensitive' })),
  phone: Type.Optional(Type.String({ maxLength: 32, description: 'contains' })),
  deptId: Type.Optional(Type.String({ ...IdString, description: 'the department and every department below it' })),
  status: Type.Optional(UserStatus),
  roleId: Type.Optional(Type.String({ ...IdString, description: 'users holding this role' })),
};

export const UserPassword = PasswordInput;
export const Username = UsernameInput;
export { UserStatus };
