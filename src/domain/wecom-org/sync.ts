import type { WecomSyncKind } from '../../temporal/names';
import type { WecomSyncStarter, WecomSyncStatus } from '../../temporal/wecom-sync-client';
import { DomainError, NotFoundError, UnavailableError } from '../errors';

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

/** Where the corp's latest sync of `kind` stands; NotFoundError when it never ran. */
export async function wecomSyncStatus(
  starter: WecomSyncStarter,
  corpId: string,
  kind: WecomSyncKind,
): Promise<WecomSyncStatus> {
  let status: WecomSyncStatus | null;
  try {
    status = await starter.status(corpId, kind);
  } catch {
    throw new UnavailableError(
      'could not read the sync: Temporal is unreachable, try again later',
      'TEMPORAL_UNAVAILABLE',
    );
  }
  if (!status) throw new NotFoundError('WeCom sync', kind, 'SYNC_NOT_FOUND');
  return status;
}
