import type { Db } from '../db/knex';
import { findAcqAdd, type WelcomeOutcome } from '../domain/acquisition/acq-adds';
import { sendWelcomeOnce } from '../domain/acquisition/welcome-once';
import type { FileStore } from '../domain/files/file-store';
import { applyCallbackEvent } from '../domain/wecom-events/apply-event';
import { findCallbackEvent, finishEvent, markEventApplying } from '../domain/wecom-events/event-store';
import type { WecomApiFactory } from '../wecom/api';
import { withWecomFailures } from './wecom-failures';

export function createWecomEventActivities(deps: {
  db: Db;
  wecom: WecomApiFactory;
  files: FileStore;
  maxRetryDelayMs: number;
}) {
  const { db, wecom } = deps;
  const failures = <T>(fn: () => Promise<T>) => withWecomFailures(fn, deps.maxRetryDelayMs);
  return {
    /** Applies a stored callback to the mirror and marks it done; already-finished events are left as they are. */
    async applyWecomEvent(input: { eventId: string; welcome?: WelcomeOutcome | null }) {
      return failures(async () => {
        const event = await findCallbackEvent(db, input.eventId);
        if (!event) return { applied: false, note: 'event row not found' };
        if (event.status === 'done' || event.status === 'failed') return { applied: false, note: 'already processed' };
        await markEventApplying(db, input.eventId);
        const outcome = await applyCallbackEvent(db, await wecom(event.corp_id), event.payload, {
          eventId: input.eventId,
          welcome: input.welcome ?? null,
        });
        await finishEvent(db, input.eventId, { status: 'done', note: outcome.note });
        return outcome;
      });
    },

    /**
     * Sends the welcome of an add that came through an acquisition link, first of all the add's
     * WeCom calls, unless the API already did when the callback came in. Null when there is none
     * to send; throws only what may succeed on a retry.
     */
    async sendAcquisitionWelcome(input: { eventId: string }): Promise<WelcomeOutcome | null> {
      const event = await findCallbackEvent(db, input.eventId);
      if (!event || event.status === 'done' || event.status === 'failed') return null;
      const add = await findAcqAdd(db, event.corp_id, event.payload);
      if (!add) return null;
      return sendWelcomeOnce(
        { db, wecom, files: deps.files },
        await wecom(event.corp_id),
        input.eventId,
        add,
        'worker',
      );
    },

    /** Records why an event could not be applied, after its retries ran out or on a permanent WeCom error. */
    async failWecomEvent(input: { eventId: string; reason: string }) {
      await finishEvent(db, input.eventId, { status: 'failed', note: input.reason.slice(0, 2000) });
    },
  };
}

export type WecomEventActivities = ReturnType<typeof createWecomEventActivities>;
