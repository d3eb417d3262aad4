import type { Client } from '@temporalio/client';
import type { ImportWorkflowStarter } from '../domain/clue-imports/start-import';
import type { importCluesWorkflow, ClueImportProgress } from '../workflows/import-clues';
import { clueImportWorkflowId } from './names';
import { clueImportSummary } from './workflow-summaries';

/** Starts clue import workflows and reads their progress query. */
export class ClueImportClient implements ImportWorkflowStarter {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly callTimeoutMs = 5000,
  ) {}

  async start(clueImport: { id: string; fileName: string }): Promise<string> {
    const workflowId = clueImportWorkflowId(clueImport.id);
    await this.client.connection.withDeadline(Date.now() + this.callTimeoutMs, () =>
      this.client.workflow.start<typeof importCluesWorkflow>('importCluesWorkflow', {
        workflowId,
        taskQueue: this.taskQueue,
        args: [{ importId: clueImport.id }],
        staticSummary: clueImportSummary(clueImport),
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    );
    return workflowId;
  }

  /** The workflow's progress query; null when it cannot be answered now (no worker, Temporal down). */
  async progress(workflowId: string): Promise<ClueImportProgress | null> {
    return this.client.connection
      .withDeadline(Date.now() + this.callTimeoutMs, () =>
        this.client.workflow.getHandle(workflowId).query<ClueImportProgress>('progress'),
      )
      .catch(() => null);
  }
}
