import type Router from '@koa/router';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type Koa from 'koa';
import type { DeliveryRecord, EventFields } from '../callbacks';
import type { CorpRegistry, CorpRuntime } from '../runtime';
import { notFound, readBody } from './http';

/** Options every scripted action accepts. */
export const ActionOptions = {
  /** Change the state without sending the callback. */
  silent: Type.Optional(Type.Boolean()),
  /** Send the identical signed body this many times (duplicate delivery, as WeCom's retries do). */
  deliveries: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  /** Answer only after delivery finished (default true). */
  wait: Type.Optional(Type.Boolean()),
};

export interface CallbackSummary {
  id: number;
  event: string;
  changeType?: string;
  outcome: DeliveryRecord['outcome'];
  attempts: number;
  statuses: Array<number | string>;
}

export function summarize(record: DeliveryRecord): CallbackSummary {
  return {
    id: record.id,
    event: record.event,
    changeType: record.changeType,
    outcome: record.outcome,
    attempts: record.attempts.length,
    statuses: record.attempts.map((a) => a.status ?? a.error ?? 'unknown'),
  };
}

/** Sends the events of an action in order; waits for their outcome unless told not to. */
export async function emit(
  runtime: CorpRuntime,
  events: readonly EventFields[],
  options: { silent?: boolean; deliveries?: number; wait?: boolean },
): Promise<CallbackSummary[]> {
  if (options.silent === true) return [];
  const pending = events.map((event) => runtime.callbacks.deliver(event, { copies: options.deliveries }));
  if (options.wait === false) {
    const all = runtime.callbacks.records();
    return all.slice(all.length - events.length).map(summarize);
  }
  return (await Promise.all(pending)).map(summarize);
}

export function requireRuntime(registry: CorpRegistry, corpId: string): CorpRuntime {
  const runtime = registry.get(corpId);
  if (!runtime) throw notFound(`corp ${corpId}`);
  return runtime;
}

export interface ActionResult {
  done: object;
  events: EventFields[];
}

/** Registers POST /corps/:corpId/actions/<name>: validate, mutate the corp, send the matching callbacks. */
export function defineAction<S extends TSchema>(
  router: Router,
  registry: CorpRegistry,
  name: string,
  schema: S,
  run: (
    runtime: CorpRuntime,
    body: Static<S> & { silent?: boolean; deliveries?: number; wait?: boolean },
  ) => ActionResult,
): void {
  router.post(`/corps/:corpId/actions/${name}`, async (ctx: Koa.Context) => {
    const runtime = requireRuntime(registry, String(ctx.params['corpId']));
    const body = (await readBody(ctx, schema)) as Static<S> & { silent?: boolean; deliveries?: number; wait?: boolean };
    const { done, events } = run(runtime, body);
    const callbacks = await emit(runtime, events, body);
    ctx.body = { action: name, done, callbacks };
  });
}
