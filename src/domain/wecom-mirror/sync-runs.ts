import type { Executor } from '../../db/knex';

export interface SyncRun {
  id: string;
  startedAt: Date;
}

/** Opens the run of one sync phase; a retried call (same workflow run and kind) gets the same row. */
export async function beginSyncRun(
  db: Executor,
  run: { corpId: string; kind: string; workflowId: string; runId: string },
): Promise<SyncRun> {
  await db('wecom_sync_run')
    .insert({ corp_id: run.corpId, kind: run.kind, workflow_id: run.workflowId, run_id: run.runId })
    .onConflict(['workflow_id', 'run_id', 'kind'])
    .ignore();
  const row = await db('wecom_sync_run')
    .where({ workflow_id: run.workflowId, run_id: run.runId, kind: run.kind })
    .first<{ id: string; started_at: Date }>('id', 'started_at');
  if (!row) throw new Error(`sync run ${run.workflowId}/${run.runId}/${run.kind} vanished`);
  return { id: row.id, startedAt: row.started_at };
}

export async function finishSyncRun(
  db: Executor,
  id: string,
  outcome: { status: 'succeeded' | 'failed'; stats: unknown },
): Promise<void> {
  await db('wecom_sync_run')
    .where({ id })
    .update({ status: outcome.status, stats: JSON.stringify(outcome.stats), finished_at: db.fn.now() });
}

/** Where a paging activity stopped, written in the same transaction as the rows of its last page. */
export interface PageCheckpoint<Counts> {
  cursor: string;
  pages: number;
  pairs: number;
  /** What the pages so far changed, so a resumed activity reports the pages done before a crash too. */
  counts: Counts;
}

export async function readPageCheckpoint<Counts>(
  db: Executor,
  syncRunId: string,
  key: string,
): Promise<PageCheckpoint<Counts> | undefined> {
  const row = await db('wecom_sync_run')
    .where({ id: syncRunId })
    .first<{ checkpoint: PageCheckpoint<Counts> | null } | undefined>(
      db.raw("stats->'checkpoints'->? AS checkpoint", [key]),
    );
  return row?.checkpoint ?? undefined;
}

export async function writePageCheckpoint<Counts>(
  db: Executor,
  syncRunId: string,
  key: string,
  checkpoint: PageCheckpoint<Counts>,
): Promise<void> {
  await db('wecom_sync_run')
    .where({ id: syncRunId })
    .update({
      stats: db.raw(
        `stats || jsonb_build_object('checkpoints', coalesce(stats->'checkpoints', '{}'::jsonb) || jsonb_build_object(?::text, ?::jsonb))`,
        [key, JSON.stringify(checkpoint)],
      ),
    });
}
