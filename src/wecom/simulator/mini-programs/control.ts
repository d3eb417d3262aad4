import Router from '@koa/router';
import { Type } from '@sinclair/typebox';
import { ControlError, controlErrors, notFound, readBody } from '../control/http';
import { MiniProgramExistsError, type MiniProgramRegistry, type SimMiniProgram } from './state';

const Opt = Type.Optional;
const Page = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^/?#\\s][^?#\\s]*$' });
const Settings = {
  secret: Opt(Type.String({ minLength: 1, maxLength: 128 })),
  pages: Opt(Type.Array(Page, { maxItems: 500 })),
  released: Opt(Type.Boolean()),
  dailySchemeLimit: Opt(Type.Integer({ minimum: 0 })),
};
const CreateBody = Type.Object({ appId: Opt(Type.String({ pattern: '^wx[0-9a-f]{16}$' })), ...Settings });
const InvalidateBody = Type.Object({ mode: Opt(Type.Union([Type.Literal('revoke'), Type.Literal('expire')])) });
const ClockBody = Type.Object({ advanceSeconds: Type.Number({ minimum: 0 }) });
const FaultBody = Type.Object({ errcode: Type.Integer(), count: Opt(Type.Integer({ minimum: 1 })) });

function describe(app: SimMiniProgram) {
  return {
    appId: app.appId,
    ...app.settings,
    now: app.now(),
    tokensIssued: app.tokensIssued,
    schemeCount: app.schemes.length,
  };
}

/** Control of the simulated WeChat's mini-programs, under /control/mini-programs. */
export function createMiniProgramControlRouter(registry: MiniProgramRegistry): Router {
  const router = new Router({ prefix: '/control/mini-programs' });
  router.use(controlErrors);
  const requireApp = (appId: string | undefined) => {
    const app = appId === undefined ? undefined : registry.get(appId);
    if (!app) throw notFound(`mini-program ${appId ?? ''}`);
    return app;
  };

  router.post('/', async (ctx) => {
    const body = await readBody(ctx, CreateBody);
    try {
      const app = registry.create({ ...body, pages: body.pages ?? [] });
      ctx.status = 201;
      ctx.body = describe(app);
    } catch (error) {
      if (error instanceof MiniProgramExistsError) throw new ControlError(409, 'MINI_PROGRAM_EXISTS', error.message);
      throw error;
    }
  });
  router.get('/:appId', (ctx) => {
    ctx.body = describe(requireApp(ctx.params['appId']));
  });
  router.patch('/:appId', async (ctx) => {
    const app = requireApp(ctx.params['appId']);
    const body = await readBody(ctx, Type.Object(Settings));
    if (body.secret !== undefined) app.settings.secret = body.secret;
    if (body.pages !== undefined) app.settings.pages = [...body.pages];
    if (body.released !== undefined) app.settings.released = body.released;
    if (body.dailySchemeLimit !== undefined) app.settings.dailySchemeLimit = body.dailySchemeLimit;
    ctx.body = describe(app);
  });
  router.delete('/:appId', (ctx) => {
    ctx.body = { deleted: registry.delete(ctx.params['appId'] as string) };
  });
  /** Every scheme the app generated, oldest first. */
  router.get('/:appId/schemes', (ctx) => {
    ctx.body = { schemes: requireApp(ctx.params['appId']).schemes };
  });
  router.post('/:appId/tokens/invalidate', async (ctx) => {
    const app = requireApp(ctx.params['appId']);
    const body = await readBody(ctx, InvalidateBody);
    ctx.body = { invalidated: app.invalidateTokens(body.mode ?? 'expire') };
  });
  /** The next `count` (1) generatescheme calls answer `errcode`. */
  router.post('/:appId/faults', async (ctx) => {
    const app = requireApp(ctx.params['appId']);
    const body = await readBody(ctx, FaultBody);
    app.fault = { errcode: body.errcode, count: body.count ?? 1 };
    ctx.status = 201;
    ctx.body = app.fault;
  });
  router.post('/:appId/clock', async (ctx) => {
    const app = requireApp(ctx.params['appId']);
    app.clock.advance((await readBody(ctx, ClockBody)).advanceSeconds);
    ctx.body = { now: app.now(), offsetSeconds: app.clock.offsetSeconds };
  });
  return router;
}
