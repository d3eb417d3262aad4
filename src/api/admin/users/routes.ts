import { Type } from '@sinclair/typebox';
import { allMenuPermissions } from '../../../db/queries/users';
import { UnauthorizedError } from '../../../domain/errors';
import { changeOwnPassword, resetPassword } from '../../../domain/users/credentials';
import type { Actor } from '../../../domain/users/super-admins';
import {
  assignRoles,
  checkUsername,
  deleteUsers,
  loadUser,
  pageUsers,
  saveUser,
  updateUserStatus,
  type DeleteRefusal,
} from '../../../domain/users/users';
import type { UsernameRefusal } from '../../../domain/users/usernames';
import { bindWecomUserid } from '../../../domain/users/wecom-binding';
import type { AppDeps } from '../../app';
import { formatMessage, localeOf, type MessageKey } from '../../messages';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString, StringEnum } from '../../validation';
import { presentUser, SaveUserBody, Username, UserPageFilters, UserPassword, UserStatus, UserView } from './schemas';

function actorOf(ctx: RequestContext): Actor {
  if (!ctx.user) throw new UnauthorizedError('missing token header', 'TOKEN_MISSING');
  return { id: ctx.user.id, username: ctx.user.username, superAdmin: ctx.user.access.superAdmin };
}

const USERNAME_REASONS: Record<UsernameRefusal, MessageKey> = {
  taken: 'report.usernameTaken',
  invalidCharacters: 'report.usernameCharacters',
  tooLong: 'report.usernameTooLong',
};

const DELETE_REASONS: Record<DeleteRefusal, MessageKey> = {
  self: 'report.deleteSelf',
  notFound: 'report.userNotFound',
  superAdminRequired: 'report.superAdminRequired',
  lastSuperAdmin: 'report.lastSuperAdmin',
};

const Role = Type.Object({ id: Type.String(), key: Type.String(), name: Type.String(), dataScope: Type.Integer() });

const CurrentUser = Type.Object({
  user: UserView,
  roles: Type.Array(Role, { description: 'the active roles, those that grant anything' }),
  permissions: Type.Array(Type.String(), {
    description: 'permission strings granted; for the super admin every permission of the menu tree',
  }),
  superAdmin: Type.Boolean(),
  dataScope: Type.Object(
    {
      all: Type.Boolean(),
      deptIds: Type.Array(Type.String(), {
        description: 'when not all: rows owned by users of these departments, besides the user’s own',
      }),
    },
    { description: 'which rows of clues, customers, relations and groups the user sees' },
  ),
  mustChangePassword: Type.Boolean(),
});

const UserIdBody = Type.Object({ id: IdString }, { additionalProperties: false });

export function userRoutes(deps: AppDeps): RouteDefinition[] {
  const locale = (ctx: RequestContext) =>
    localeOf(ctx.koa.get('accept-language') || undefined, deps.config.API_DEFAULT_LOCALE);
  const tokenSettings = () => ({ secret: deps.config.JWT_SECRET, ttlSeconds: deps.config.JWT_TTL_SECONDS });

  return [
    defineRoute({
      method: 'POST',
      path: '/admin/user/save',
      operationId: 'saveUser',
      seedOp: 'user.save',
      errors: [404, 409],
      summary: 'Add a user, or modify the one id names (fields sent change, null clears)',
      description:
        'A new user needs username and password (held to the password policy) and may get roles at once. ' +
        'On an existing user password and roleIds are refused (resetPassword, changePassword, assignRoles); ' +
        'status 1 disables the user and revokes its tokens. 409 when the username or employee number is taken.',
      tag: 'system',
      auth: 'admin',
      permission: 'user:save',
      body: SaveUserBody,
      response: UserView,
      handle: async ({ body }, ctx) => presentUser(await saveUser(deps.db, body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/user/page',
      operationId: 'pageUsers',
      seedOp: 'user.page',
      summary: 'Page through users with filters',
      tag: 'system',
      auth: 'admin',
      permission: 'user:page',
      body: PageRequest(UserPageFilters, ['id', 'username', 'realName', 'empNo', 'status', 'ctime', 'mtime']),
      response: PageOf(UserView),
      handle: async ({ body }) => {
        const page = await pageUsers(deps.db, body);
        return { list: page.list.map(presentUser), total: page.total, pageNum: body.pageNum, pageSize: body.pageSize };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/user/current',
      operationId: 'currentUser',
      seedOp: 'user.current',
      summary: 'The signed-in user with roles, permissions and data scope: what a front end needs to draw itself',
      description: 'Self-service: answers while a forced password change is pending.',
      tag: 'system',
      auth: 'admin',
      selfService: true,
      response: CurrentUser,
      handle: async (_input, ctx) => {
        const user = ctx.user;
        if (!user) throw new UnauthorizedError('missing token header', 'TOKEN_MISSING');
        const loaded = await loadUser(deps.db, user.id);
        const { access } = user;
        return {
          user: presentUser(loaded),
          roles: access.roles.map((role) => ({
            id: role.id,
            key: role.key,
            name: role.name,
            dataScope: role.dataScope,
          })),
          permissions: access.superAdmin ? await allMenuPermissions(deps.db) : [...access.permissions].sort(),
          superAdmin: access.superAdmin,
          dataScope: access.scope.all ? { all: true, deptIds: [] } : { all: false, deptIds: access.scope.deptIds },
          mustChangePassword: loaded.user.must_change_password,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/user/{id}',
      operationId: 'getUser',
      seedOp: 'user.get',
      summary: 'Get a user with roles and department',
      tag: 'system',
      auth: 'admin',
      permission: 'user:get',
      params: Type.Object({ id: IdString }),
      response: UserView,
      handle: async ({ params }) => presentUser(await loadUser(deps.db, params.id)),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/user/checkUsername',
      operationId: 'checkUsername',
      seedOp: 'user.checkUsername',
      summary: 'Whether a username is free and valid, and why not',
      description: 'Answers 200 either way; `id` is the user being edited, whose own username counts as free.',
      tag: 'system',
      auth: 'admin',
      permission: 'user:checkUsername',
      body: Type.Object({ username: Username, id: Type.Optional(IdString) }, { additionalProperties: false }),
      response: Type.Object({
        available: Type.Boolean(),
        reason: Type.Union([StringEnum(['taken', 'invalidCharacters', 'tooLong'] as const), Type.Null()]),
        message: Type.Union([Type.String(), Type.Null()], { description: 'the reason in the request’s language' }),
      }),
      handle: async ({ body }, ctx) => {
        const result = await checkUsername(deps.db, body.username, body.id);
        return {
          ...result,
          message: result.reason ? formatMessage(USERNAME_REASONS[result.reason], {}, locale(ctx)) : null,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/user/batchDelete',
      operationId: 'deleteUsers',
      seedOp: 'user.batchDelete',
      summary: 'Delete users (soft), reporting each id',
      description:
        'Yourself, a user that does not exist, a super admin (unless you are one) and the last active super admin ' +
        'are refused and reported; the others are deleted and their tokens stop working at once.',
      tag: 'system',
      auth: 'admin',
      permission: 'user:batchDelete',
      body: Type.Object(
        { ids: Type.Array(IdString, { minItems: 1, maxItems: 100, uniqueItems: true }) },
        { additionalProperties: false },
      ),
      response: Type.Object({
        results: Type.Array(
          Type.Object({
            id: Type.String(),
            deleted: Type.Boolean(),
            reason: Type.Union([
              StringEnum(['self', 'notFound', 'superAdminRequired', 'lastSuperAdmin'] as const),
              Type.Null(),
            ]),
            message: Type.Union([Type.String(), Type.Null()]),
          }),
        ),
      }),
      handle: async ({ body }, ctx) => {
        const results = await deleteUsers(deps.db, body.ids, actorOf(ctx));
        return {
          results: results.map((r) => ({
            ...r,
            message: r.reason ? formatMessage(DELETE_REASONS[r.reason], {}, locale(ctx)) : null,
          })),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/user/assignRoles',
      operationId: 'assignUserRoles',
      seedOp: 'user.assignRoles',
      errors: [404, 409],
      summary: 'Replace a user’s roles; the user’s next request already has the new permissions',
      description:
        'Only a super admin may grant or take the super-admin role; taking it from the last active super admin is 409.',
      tag: 'system',
      auth: 'admin',
      permission: 'user:assignRoles',
      body: Type.Object(
        { userId: IdString, roleIds: Type.Array(IdString, { maxItems: 50, uniqueItems: true }) },
        { additionalProperties: false },
      ),
      response: UserView,
      handle: async ({ body }, ctx) => presentUser(await assignRoles(deps.db, body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/user/updateStatus',
      operationId: 'updateUserStatus',
      seedOp: 'user.updateStatus',
      errors: [404, 409],
      summary: 'Enable or disable a user; disabling revokes its tokens at once',
      description:
        'POST, not GET as in the original API: it changes state. Disabling the last active super admin is 409.',
      tag: 'system',
      auth: 'admin',
      permission: 'user:updateStatus',
      body: Type.Object({ id: IdString, status: UserStatus }, { additionalProperties: false }),
      response: UserView,
      handle: async ({ body }, ctx) => presentUser(await updateUserStatus(deps.db, body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/user/resetPassword',
      operationId: 'resetUserPassword',
      seedOp: 'user.resetPassword',
      errors: [404],
      summary: 'Reset a user’s password to a generated one-time password, shown only in this answer',
      description:
        'POST, not GET as in the original API: it changes state. The user’s tokens stop working at once, and after signing ' +
        'in with the one-time password only self-service operations answer until the password is changed.',
      tag: 'system',
      auth: 'admin',
      permission: 'user:resetPassword',
      body: UserIdBody,
      response: Type.Object({ password: Type.String({ description: 'the one-time password; it is not stored' }) }),
      handle: async ({ body }, ctx) => resetPassword(deps.db, body.id, actorOf(ctx)),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/user/changePassword',
      operationId: 'changeOwnPassword',
      seedOp: 'user.changePassword',
      summary: 'Change your own password (the current one is required); answers a fresh token',
      description:
        'Self-service. Every token issued before stops working, this one included; the answer carries a new one ' +
        '(also in the `token` header). Clears a pending forced change.',
      tag: 'system',
      auth: 'admin',
      selfService: true,
      body: Type.Object(
        { oldPassword: Type.String({ minLength: 1, maxLength: 1024 }), newPassword: UserPassword },
        { additionalProperties: false },
      ),
      response: Type.Object({ token: Type.String(), expiresIn: Type.Integer({ description: 'seconds' }) }),
      handle: async ({ body }, ctx) => {
        const result = await changeOwnPassword(deps.db, actorOf(ctx).id, body, tokenSettings());
        ctx.koa.set('token', result.token);
        return result;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/user/bindWecomUserid',
      operationId: 'bindUserWecomUserid',
      seedOp: 'user.bindWecomUserid',
      errors: [404, 409],
      summary: 'Bind a user to an employee of the user’s WeCom corp (null unbinds)',
      description:
        'The employee must be in the mirror of the corp. One employee binds one user per corp: 409 names the user ' +
        'already bound.',
      tag: 'system',
      auth: 'admin',
      permission: 'user:bindWecomUserid',
      body: Type.Object(
        {
          id: IdString,
          wecomUserid: Type.Union([
            Type.String({
              minLength: 1,
              maxLength: 64,
              pattern: '^[A-Za-z0-9_.@-]+$',
              'x-message': 'field.wecomUserid',
            }),
            Type.Null(),
          ]),
        },
        { additionalProperties: false },
      ),
      response: UserView,
      handle: async ({ body }, ctx) =>
        presentUser(await bindWecomUserid(deps.db, body, actorOf(ctx), deps.config.WECOM_CORP_ID)),
    }),
  ];
}
