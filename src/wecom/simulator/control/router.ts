import Router from '@koa/router';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { deliverAll } from '../api-router';
import { CorpExistsError, type CorpRegistry, type CorpRuntime } from '../runtime';
import { settleDueTransfers } from '../transfers';
import { registerAcquisitionActions } from './actions-acquisition';
import { registerContactActions } from './actions-contacts';
import { registerGroupActions } from './actions-groups';
import { registerOrgActions } from './actions-org';
import { registerTagActions } from './actions-tags';
import { registerTransferActions } from './actions-transfer';
import { emit, requireRuntime } from './emit';
import { ControlError, controlErrors, readBody } from './http';
import { SNAPSHOT_SECTIONS, snapshot, type SnapshotSection } from './snapshot';

const Opt = Type.Optional;
const AesKey = Type.String({ pattern: '^[A-Za-z0-9]{43}$' });

const Settings = {
  callbackUrl: Opt(Type.String({ pattern: '^https?://' })),
  callbackToken: Opt(Type.String({ minLength: 1, maxLength: 64 })),
  encodingAesKey: Opt(AesKey),
  /** Longest wait for the app's answer before the attempt counts as failed (WeCom: 5 s). */
  callbackTimeoutMs: Opt(Type.Integer({ minimum: 1, maximum: 60_000 })),
  callbackRetryDelayMs: Opt(Type.Integer({ minimum: 0, maximum: 600_000 })),
  callbackRetries: Opt(Type.Integer({ minimum: 0, maximum: 10 })),
  rateLimitPerMinute: Opt(Type.Integer({ minimum: 1 })),
  customerLimitPerMember: Opt(Type.Integer({ minimum: 1 })),
};

const CreateCorpBody = Type.Object({
  corpId: Opt(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
  secret: Opt(Type.String({ minLength: 1, maxLength: 128 })),
  agentId: Opt(Type.Integer({ minimum: 1 })),
  seed: Type.Integer({ minimum: 0, maximum: 4294967295 }),
  customers: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  employees: Opt(Type.Integer({ minimum: 3, maximum: 50_000 })),
  groups: Opt(Type.Integer({ minimum: 0, maximum: 100_000 })),
  ...Settings,
});

const PatchCorpBody = Type.Object({
  ...Settings,
  /** Per-path per-minute limits, e.g. { "externalcontact/get": 5 }; null removes one. */
  rateLimitPerPath: Opt(Type.Record(Type.String(), Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]))),
});

const ClockBody = Type.Object({
  advanceSeconds: Type.Number({ minimum: 0 }),
  silent: Opt(Type.Boolean()),
  wait: Opt(Type.Boolean()),
});
const InvalidateBody = Type.Object({ mode: Opt(Type.Union([Type.Literal('revoke'), Type.Literal('expire')])) });
const FaultBody = Type.Object({
  path: Type.String({ minLength: 1 }),
  errcode: Opt(Type.Integer()),
  rate: Opt(Type.Number({ minimum: 0, maximum: 1 })),
  count: Opt(Type.Integer({ minimum: 1 })),
  latencyMs: Opt(Type.Integer({ minimum: 0, maximum: 120_000 })),
});

function credentials(runtime: CorpRuntime) {
  const { corp } = runtime;
  return {
    corpId: corp.corpId,
    secret: corp.credentials.secret,
    agentId: corp.credentials.agentId,
    callbackToken: corp.settings.callbackToken,
    encodingAesKey: corp.settings.encodingAesKey,
  };
}

function describeCorp(runtime: CorpRuntime) {
  const { corp } = runtime;
  const { callbackToken: _t, encodingAesKey: _k, ...settings } = corp.settings;
  return {
    ...credentials(runtime),
    seed: corp.seed,
    size: corp.size,
    now: corp.now(),
    clockOffsetSeconds: corp.clock.offsetSeconds,
    counts: {
      departments: corp.departments.size,
      employees: corp.employees.size,
      customers: corp.customers.size,
      groupChats: corp.chats.size,
      tagGroups: corp.tagGroups.filter((g) => !g.deleted).length,
    },
    settings,
  };
}

function parseSections(raw: unknown): Set<SnapshotSection> {
  if (typeof raw !== 'string' || raw === '') return new Set(SNAPSHOT_SECTIONS);
  const wanted = raw.split(',');
  const unknown = wanted.filter((s) => !(SNAPSHOT_SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new ControlError(
      400,
      'INVALID_QUERY',
      `unknown sections ${unknown.join(', ')}; use ${SNAPSHOT_SECTIONS.join(', ')}`,
    );
  }
  return new Set(wanted as SnapshotSection[]);
}

/** The scripting API under /control: create corps, inspect them, and make things happen in them. */
export function createControlRouter(registry: CorpRegistry, logger: Logger): Router {
  const router = new Router({ prefix: '/control' });
  router.use(controlErrors);

  router.get('/health', (ctx) => {
    ctx.body = { ok: true, corps: registry.list().length };
  });

  router.get('/corps', (ctx) => {
    ctx.body = { corps: registry.list().map((r) => ({ corpId: r.corpId, seed: r.corp.seed, size: r.corp.size })) };
  });

  router.post('/corps', async (ctx) => {
    const body = await readBody(ctx, CreateCorpBody);
    const started = performance.now();
    let runtime: CorpRuntime;
    try {
      runtime = registry.create(body);
    } catch (error) {
      if (error instanceof CorpExistsError) throw new ControlError(409, 'CORP_EXISTS', error.message);
      throw error;
    }
    const generatedInMs = Math.round(performance.now() - started);
    logger.info({ corpId: runtime.corpId, customers: body.customers, generatedInMs }, 'corp created');
    ctx.status = 201;
    ctx.body = { ...credentials(runtime), generatedInMs };
  });

  router.get('/corps/:corpId', (ctx) => {
    ctx.body = describeCorp(requireRuntime(registry, ctx.params['corpId'] as string));
  });

  router.patch('/corps/:corpId', async (ctx) => {
    const runtime = requireRuntime(registry, ctx.params['corpId'] as string);
    const { rateLimitPerPath, ...rest } = await readBody(ctx, PatchCorpBody);
    const settings = runtime.corp.settings;
    Object.assign(settings, Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)));
    for (const [path, limit] of Object.entries(rateLimitPerPath ?? {})) {
      if (limit === null) delete settings.rateLimitPerPath[path];
      else settings.rateLimitPerPath[path] = limit;
    }
    if (rest.rateLimitPerMinute !== undefined || rateLimitPerPath !== undefined) runtime.limiter.reset();
    ctx.body = describeCorp(runtime);
  });

  router.delete('/corps/:corpId', (ctx) => {
    const corpId = ctx.params['corpId'] as string;
    if (!registry.delete(corpId)) throw new ControlError(404, 'NOT_FOUND', `corp ${corpId} not found`);
    ctx.body = { deleted: corpId };
  });

  router.get('/corps/:corpId/state', (ctx) => {
    const runtime = requireRuntime(registry, ctx.params['corpId'] as string);
    const sections = parseSections(ctx.query['sections']);
    // Transfers whose 24 hours passed are final by now, whether or not an API call noticed.
    void deliverAll(runtime, settleDueTransfers(runtime.corp), logger);
    ctx.body = snapshot(runtime.corp, sections);
  });

  router.get('/corps/:corpId/stats', (ctx) => {
    ctx.body = requireRuntime(registry, ctx.params['corpId'] as string).stats.toJSON();
  });

  router.get('/corps/:corpId/callbacks', (ctx) => {
    const runtime = requireRuntime(registry, ctx.params['corpId'] as string);
    ctx.body = { callbacks: runtime.callbacks.records(), stats: runtime.stats.toJSON().callbacks };
  });

  router.post('/corps/:corpId/verify-url', async (ctx) => {
    const runtime = requireRuntime(registry, ctx.params['corpId'] as string);
    if (!runtime.corp.settings.callbackUrl)
      throw new ControlError(409, 'NO_CALLBACK_URL', 'the corp has no callback URL');
    ctx.body = await runtime.callbacks.verifyUrl();
  });

  router.post('/corps/:corpId/clock', async (ctx) => {
    const runtime = requireRuntime(registry, ctx.params['corpId'] as string);
    const body = await readBody(ctx, ClockBody);
    runtime.corp.clock.advance(body.advanceSeconds);
    const events = settleDueTransfers(runtime.corp);
    const callbacks = await emit(runtime, events, body);
    ctx.body = {
      now: runtime.corp.now(),
      offsetSeconds: runtime.corp.clock.offsetSeconds,
      settledTransferEvents: events.length,
      callbacks,
    };
  });

  router.post('/corps/:corpId/tokens/invalidate', async (ctx) => {
    const runtime = requireRuntime(registry, ctx.params['corpId'] as string);
    const body = await readBody(ctx, InvalidateBody);
    const mode = body.mode ?? 'revoke';
    const invalidated = registry.tokens.invalidate(runtime.corpId, mode, runtime.corp.now());
    runtime.jsapiTicket.clear();
    runtime.agentTicket.clear();
    ctx.body = { mode, invalidated };
  });

  router.get('/corps/:corpId/faults', (ctx) => {
    ctx.body = { faults: requireRuntime(registry, ctx.params['corpId'] as string).faults.list() };
  });

  router.post('/corps/:corpId/faults', async (ctx) => {
    const runtime = requireRuntime(registry, ctx.params['corpId'] as string);
    const body = await readBody(ctx, FaultBody);
    ctx.status = 201;
    ctx.body = runtime.faults.add(body);
  });

  router.delete('/corps/:corpId/faults', (ctx) => {
    const runtime = requireRuntime(registry, ctx.params['corpId'] as string);
    const path = typeof ctx.query['path'] === 'string' ? ctx.query['path'] : undefined;
    ctx.body = { removed: runtime.faults.clear(path) };
  });

  registerContactActions(router, registry);
  registerGroupActions(router, registry);
  registerTagActions(router, registry);
  registerOrgActions(router, registry);
  registerTransferActions(router, registry);
  registerAcquisitionActions(router, registry);
  return router;
}
