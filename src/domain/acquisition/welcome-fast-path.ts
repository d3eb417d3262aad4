import type { Logger } from 'pino';
import { findCallbackEvent } from '../wecom-events/event-store';
import type { MaterialDeps } from '../materials/materials';
import { ADD_CHANGES, findAcqAdd } from './acq-adds';
import { sendWelcomeOnce } from './welcome-once';

export interface WelcomeFastPathOptions {
  /** Sends at once; each holds a database connection and a WeCom request. */
  concurrency: number;
  /** Beyond this many waiting, new adds are left to their workflows. */
  maxWaiting: number;
}

/**
 * Sends acquisition welcomes from the API process as soon as their callback is stored, so the
 * 20 s a welcome code lives is not spent waiting for the event's workflow behind a backlog. Best
 * effort by design: whatever this skips, drops or fails on (a full queue, a crash, a retryable
 * error), the event's workflow sends, and the claim in sendWelcomeOnce keeps the two from both
 * calling WeCom. Never delays the callback's answer.
 */
export class WelcomeFastPath {
  private active = 0;
  private readonly waiting: Array<{ corpId: string; eventId: string }> = [];
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly deps: MaterialDeps,
    private readonly logger: Logger,
    private readonly options: WelcomeFastPathOptions = { concurrency: 8, maxWaiting: 1000 },
  ) {}

  /** Takes a newly stored event; only adds (through a link with a welcome, checked later) are sent. */
  offer(event: { corpId: string; eventId: string; changeType: string }): void {
    if (!ADD_CHANGES.has(event.changeType) || this.waiting.length >= this.options.maxWaiting) return;
    this.waiting.push({ corpId: event.corpId, eventId: event.eventId });
    this.pump();
  }

  /** Resolves once nothing is being sent or waiting (shutdown). */
  async drained(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return;
    await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private pump(): void {
    while (this.active < this.options.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift() as { corpId: string; eventId: string };
      this.active++;
      void this.send(next).finally(() => {
        this.active--;
        if (this.active === 0 && this.waiting.length === 0) {
          for (const resolve of this.idle) resolve();
          this.idle.clear();
        }
        this.pump();
      });
    }
  }

  private async send({ corpId, eventId }: { corpId: string; eventId: string }): Promise<void> {
    try {
      const event = await findCallbackEvent(this.deps.db, eventId);
      // Its workflow may already be started ('started'); only a finished event has nothing left to send.
      if (!event || event.status === 'done' || event.status === 'failed') return;
      const add = await findAcqAdd(this.deps.db, corpId, event.payload);
      if (!add) return;
      const outcome = await sendWelcomeOnce(this.deps, await this.deps.wecom(corpId), eventId, add, 'api');
      if (outcome) this.logger.debug({ eventId, welcome: outcome.status }, 'welcome sent on receipt');
    } catch (err) {
      // The event's workflow sends it (and retries what may be retried).
      this.logger.debug({ err, eventId }, 'welcome left to the event workflow');
    }
  }
}
