import type { Executor } from '../knex';
import type { WelcomeStatus } from './acq-attributions';

export type WelcomeSender = 'api' | 'worker';

export interface AcqWelcomeSendRow {
  event_id: string;
  status: 'sending' | WelcomeStatus;
  errcode: number | null;
  sender: WelcomeSender;
  claimed_at: Date;
  finished_at: Date | null;
}

/**
 * Takes the right to send an event's welcome: new, or still `sending` under a claim older than
 * `leaseMs` (its sender died or hung). Answers whether this caller holds it now.
 */
export async function claimWelcomeSend(
  db: Executor,
  eventId: string,
  sender: WelcomeSender,
  leaseMs: number,
): Promise<boolean> {
  const result = await db.raw<{ rows: unknown[] }>(
    `INSERT INTO acq_welcome_send (event_id, status, sender, claimed_at) VALUES (?, 'sending', ?, now())
     ON CONFLICT (event_id) DO UPDATE SET sender = excluded.sender, claimed_at = now()
       WHERE acq_welcome_send.status = 'sending'
         AND acq_welcome_send.claimed_at < now() - make_interval(secs => ?::double precision / 1000)
     RETURNING event_id`,
    [eventId, sender, leaseMs],
  );
  return result.rows.length === 1;
}

export async function findWelcomeSend(db: Executor, eventId: string): Promise<AcqWelcomeSendRow | undefined> {
  return db<AcqWelcomeSendRow>('acq_welcome_send').where({ event_id: eventId }).first();
}

/** Records the outcome; the first sender to finish decides it (a later one only confirms). */
export async function finishWelcomeSend(
  db: Executor,
  eventId: string,
  outcome: { status: WelcomeStatus; errcode: number | null },
): Promise<void> {
  await db('acq_welcome_send')
    .where({ event_id: eventId, status: 'sending' })
    .update({ status: outcome.status, errcode: outcome.errcode, finished_at: db.fn.now() });
}

/** Gives a claim back at once after a send that may succeed on another try, by whichever sender. */
export async function releaseWelcomeSend(db: Executor, eventId: string): Promise<void> {
  await db('acq_welcome_send')
    .where({ event_id: eventId, status: 'sending' })
    .update({ claimed_at: db.raw("'-infinity'::timestamptz") });
}
