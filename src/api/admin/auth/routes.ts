import { Type } from '@sinclair/typebox';
import { login } from '../../../domain/users/login';
import type { AppDeps } from '../../app';
import { defineRoute, type RouteDefinition } from '../../route';

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);

const LoginResult = Type.Object({
  token: Type.String(),
  expiresIn: Type.Integer({ description: 'seconds' }),
  mustChangePassword: Type.Boolean({
    description:
      'the password is a one-time password from a reset: until it is changed, only self-service operations answer',
  }),
  user: Type.Object({ id: Type.String(), username: Type.String(), realName: Type.Union([Type.String(), Type.Null()]) }),
});

export function authRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/auth/login',
      operationId: 'login',
      errors: [401],
      seedOp: 'auth.login',
      summary: 'Log in with username and password; the token comes back in the `token` header and in data',
      tag: 'auth',
      auth: 'public',
      body: LoginBody,
      response: LoginResult,
      handle: async ({ body }, ctx) => {
        const result = await login(deps.db, body, {
          secret: deps.config.JWT_SECRET,
          ttlSeconds: deps.config.JWT_TTL_SECONDS,
        });
        ctx.koa.set('token', result.token);
        return result;
      },
    }),
  ];
}
