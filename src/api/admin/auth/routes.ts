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
      errors: [401, 429],
      seedOp: 'auth.login',
      summary: 'Log in with username and password; the token comes back in the `token` header and in data',
      description:
        'Wrong passwords are throttled per username and client address (the next attempt after ' +
        'LOGIN_MAX_CONSECUTIVE_FAILS in a row, blocks that grow each time) and per address across usernames ' +
        '(LOGIN_MAX_FAILS_PER_IP). A blocked attempt answers 429 TOO_MANY_FAILURES with Retry-After, even with the ' +
        'right password, and the same way for usernames that do not exist. A successful login resets the count.',
      tag: 'auth',
      auth: 'public',
      body: LoginBody,
      response: LoginResult,
      handle: async ({ body }, ctx) => {
        const result = await login(
          deps.db,
          body,
          { secret: deps.config.JWT_SECRET, ttlSeconds: deps.config.JWT_TTL_SECONDS },
          { ip: ctx.ip, throttle: deps.throttles.login },
        );
        ctx.koa.set('token', result.token);
        return result;
      },
    }),
  ];
}
