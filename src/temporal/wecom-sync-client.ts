import { syncSearchAttributes, syncSummary } from './workflow-summaries';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { WecomSyncProgress } from '../workflows/wecom-full-sync';
import { wecomSyncWorkflowId, type WecomSyncKind } from './names';

/** Where the latest sync of a (corp, kind) stands, as Temporal knows it. */
export interface WecomSyncStatus {
  workflowId: string;
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW. */
  status: string;
  startTime: Date;
  closeTime: Date | null;
  /** The workflow's `progress` query; null when it could not be answered (e.g. no worker is up). */
  progress: WecomSyncProgress | null;
}

/** Starts WeCom full syncs and reports on them; the admin `sync` endpoints answer with the workflow id. */
export interface WecomSyncStarter {
  start(corpId: string, kind: WecomSyncKind, startedBy: string): Promise<{ workflowId: string; runId: string }>;
  /** The latest sync of `kind` for the corp, or null when there never was one. */
  status(corpId: string, kind: WecomSyncKind): Promise<WecomSyncStatus | null>;
}

export class WecomSyncClient implements WecomSyncStarter {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly callTimeoutMs = 5000,
  ) {}

  async start(corpId: string, kind: WecomSyncKind, startedBy: string): Promise<{ workflowId: string; runId: string }> {
    const workflowId = wecomSyncWorkflowId(corpId, kind);
    const handle = await this.client.connection.withDeadline(Date.now() + this.callTimeoutMs, () =>
      this.client.workflow.start('wecomFullSync', {
        workflowId,
        taskQueue: this.taskQueue,
        args: [{ corpId, kind, startedBy }],
        staticSummary: syncSummary(corpId, kind, startedBy),
        typedSearchAttributes: syncSearchAttributes(corpId, kind),
        // A second request while a sync runs joins it instead of starting another.
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    );
    return { workflowId, runId: handle.firstExecutionRunId };
  }

  async status(corpId: string, kind: WecomSyncKind): Promise<WecomSyncStatus | null> {
    const handle = this.client.workflow.getHandle(wecomSyncWorkflowId(corpId, kind));
    const deadline = () => Date.now() + this.callTimeoutMs;
    let description;
    try {
      description = await this.client.connection.withDeadline(deadline(), () => handle.describe());
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
    const progress = await this.client.connection
      .withDeadline(deadline(), () => handle.query<WecomSyncProgress>('progress'))
      .catch(() => null);
    return {
      workflowId: description.workflowId,
      runId: description.runId,
      status: description.status.name,
      startTime: description.startTime,
      closeTime: description.closeTime ?? null,
      progress,
    };
  }
}
