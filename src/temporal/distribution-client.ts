import { distributionSummary } from './workflow-summaries';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type {
  DistributionState,
  ManualAssignRequest,
  ManualAssignResult,
  distributeClue,
} from '../workflows/distribute-clue';
import { clueDistributionWorkflowId, SEARCH_ATTRIBUTES } from './names';

export interface DistributionClientOptions {
  taskQueue: string;
  recheckSeconds: number;
  /** Deadline for one call to Temporal, so a down server never holds a caller for long. */
  callTimeoutMs?: number;
}

/** Everything the API asks of distribution workflows. */
export class DistributionClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly client: Client,
    private readonly options: DistributionClientOptions,
  ) {
    this.timeoutMs = options.callTimeoutMs ?? 5000;
  }

  private withDeadline<T>(fn: () => Promise<T>): Promise<T> {
    return this.client.connection.withDeadline(Date.now() + this.timeoutMs, fn);
  }

  /** Starts the clue's first distribution; a second start of the same clue is a no-op. */
  async start(clue: { id: string; businessId: string | null }): Promise<void> {
    try {
      await this.withDeadline(() =>
        this.client.workflow.start<typeof distributeClue>('distributeClue', {
          workflowId: clueDistributionWorkflowId(clue.id),
          taskQueue: this.options.taskQueue,
          args: [{ clueId: clue.id, recheckSeconds: this.options.recheckSeconds }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: distributionSummary(clue),
          typedSearchAttributes: [
            { key: SEARCH_ATTRIBUTES.clueId, value: clue.id },
            { key: SEARCH_ATTRIBUTES.businessId, value: clue.businessId ?? '' },
            { key: SEARCH_ATTRIBUTES.clueStatus, value: 'pending' },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return;
      throw error;
    }
  }

  /**
   * Assigns by hand through the clue's workflow: the running one when there is one, otherwise a
   * new run under the same workflow id (its history stays together in the UI).
   */
  async assignManually(
    clue: { id: string; businessId: string | null },
    request: ManualAssignRequest,
  ): Promise<ManualAssignResult> {
    const startOperation = new WithStartWorkflowOperation<typeof distributeClue>('distributeClue', {
      workflowId: clueDistributionWorkflowId(clue.id),
      taskQueue: this.options.taskQueue,
      args: [{ clueId: clue.id, recheckSeconds: this.options.recheckSeconds }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: distributionSummary(clue),
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.clueId, value: clue.id },
        { key: SEARCH_ATTRIBUTES.businessId, value: clue.businessId ?? '' },
      ],
    });
    return this.client.workflow.executeUpdateWithStart<
      typeof distributeClue,
      ManualAssignResult,
      [ManualAssignRequest]
    >('assignManually', { args: [request], startWorkflowOperation: startOperation });
  }

  /** Best effort: the workflow re-reads the database anyway when its own timer fires. */
  async notifyFollowUp(clueId: string): Promise<boolean> {
    return this.signal(clueId, 'followUpRecorded');
  }

  async wake(clueId: string): Promise<boolean> {
    return this.signal(clueId, 'wake');
  }

  async state(clueId: string): Promise<DistributionState | null> {
    try {
      return await this.withDeadline(() =>
        this.client.workflow
          .getHandle(clueDistributionWorkflowId(clueId))
          .query<DistributionState>('distributionState'),
      );
    } catch {
      return null;
    }
  }

  private async signal(clueId: string, name: string): Promise<boolean> {
    try {
      await this.withDeadline(() => this.client.workflow.getHandle(clueDistributionWorkflowId(clueId)).signal(name));
      return true;
    } catch {
      return false;
    }
  }
}
