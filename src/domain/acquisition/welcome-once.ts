import {
  claimWelcomeSend,
  findWelcomeSend,
  finishWelcomeSend,
  releaseWelcomeSend,
  type WelcomeSender,
} from '../../db/queries/acq-welcome-sends';
import type { WecomApi } from '../../wecom/api';
import type { MaterialDeps } from '../materials/materials';
import { sendAcqWelcome, wantsWelcome, WelcomeRetryableError, type AcqAdd, type WelcomeOutcome } from './acq-adds';

/**
 * Far longer than a send takes, and short against the code's 20 s: a claim this old belongs to a
 * sender that died or hangs, and the other may send. Sending twice is harmless — WeCom answers the
 * second with 41051, recorded as already sent — it only costs a call.
 */
export const WELCOME_CLAIM_LEASE_MS = 5_000;

/**
 * Sends an add's welcome unless another process is sending or has sent it: the API does at once
 * when the callback is stored, the event's workflow when the API did not. Answers the outcome
 * (whoever sent it), null when the link sends no welcome; throws WelcomeRetryableError while
 * another sender holds the claim or for a send that may still succeed before the deadline.
 */
export async function sendWelcomeOnce(
  deps: MaterialDeps,
  api: WecomApi,
  eventId: string,
  add: AcqAdd,
  sender: WelcomeSender,
  now: () => Date = () => new Date(),
): Promise<WelcomeOutcome | null> {
  if (!wantsWelcome(add)) return null;
  if (!(await claimWelcomeSend(deps.db, eventId, sender, WELCOME_CLAIM_LEASE_MS))) {
    const row = await findWelcomeSend(deps.db, eventId);
    if (row && row.status !== 'sending') return { status: row.status, errcode: row.errcode };
    throw new WelcomeRetryableError('the welcome is being sent by another process');
  }
  let outcome: WelcomeOutcome | null;
  try {
    outcome = await sendAcqWelcome(deps, api, add, now);
  } catch (error) {
    await releaseWelcomeSend(deps.db, eventId);
    throw error;
  }
  // wantsWelcome held, so there is an outcome; null only if the link changed in between.
  const final = outcome ?? { status: 'failed' as const, errcode: null };
  await finishWelcomeSend(deps.db, eventId, final);
  return outcome;
}
