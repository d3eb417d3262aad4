import type { Db } from '../db/knex';
import { applyCallbackEvent } from '../domain/wecom-events/apply-event';
import { findCallbackEvent, finishEvent, markEventApplying } from '../domain/wecom-events/event-store';
import type { WecomApiFactory } from '../wecom/api';
import { withWecomFailures } from './wecom-failures';

export function createWecomEventActivities(deps: { db: Db; wecom: WecomApiFactory; maxRetryDelayMs: number }) {
  const { db, wecom } = deps;
  const failures = <T>(fn: () => Promise<T>) => withWecomFailures(fn, deps.maxRetryDelayMs);
  return {
    /** Applies a stored callback to the mirror and marks it done; already-finished events are left as they are. */
    async applyWecomEvent(input: { eventId: string }) {
      return failures(async () => {
        const event = await findCallbackEvent(db, input.eventId);
        if (!event) return { applied: false, note: 'event row not found' };
        if (event.status === 'done' || event.status === 'failed') return { applied: false, note: 'already processed' };
        await markEventApplying(db, input.eventId);
        const outcome = await applyCallbackEvent(db, await wecom(event.corp_id), event.payload);
        await finishEvent(db, input.eventId, { status: 'done', note: outcome.note });
        return outcome;
      });
    },

    /** Records why an event could not be applied, after its retries ran out or on a permanent WeCom error. */
    async failWecomEvent(input: { eventId: string; reason: string }) {
      await finishEvent(db, input.eventId, { status: 'failed', note: input.reason.slice(0, 2000) });
    },
  };
}

export type WecomEventActivities = ReturnType<typeof createWecomEventActivities>;
