import type { Client } from '@temporalio/client';
import { wecomSyncWorkflowId, type WecomSyncKind } from './names';

/** Starts WeCom full syncs; the admin `sync` endpoints answer with the workflow id. */
export interface WecomSyncStarter {
  start(corpId: string, kind: WecomSyncKind, startedBy: string): Promise<{ workflowId: string; runId: string }>;
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
        // A second request while a sync runs joins it instead of starting another.
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    );
    return { workflowId, runId: handle.firstExecutionRunId };
  }
}
