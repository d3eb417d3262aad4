import type { WecomSyncKind } from '../../temporal/names';
import type { WecomSyncStarter } from '../../temporal/wecom-sync-client';
import { DomainError, UnavailableError } from '../errors';

/**
 * Starts (or joins, when one already runs) the corp's full sync of `kind` and returns its
 * workflow id; the operator follows its progress in the Temporal UI.
 */
export async function startWecomSync(
  starter: WecomSyncStarter,
  corpId: string,
  kind: WecomSyncKind,
  startedBy: string,
): Promise<{ workflowId: string; runId: string }> {
  try {
    return await starter.start(corpId, kind, startedBy);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new UnavailableError(
      `could not start the ${kind} sync: Temporal is unreachable, try again later`,
      'TEMPORAL_UNAVAILABLE',
    );
  }
}
