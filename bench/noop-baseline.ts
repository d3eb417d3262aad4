import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';

export interface NoopResult {
  count: number;
  seconds: number;
  perSecond: number;
}

/**
 * Starts `count` no-op workflows with `concurrency` starters (as the distribution outbox starts
 * clues) on the server at `address` and waits for all of them; a worker in this process runs them.
 */
export async function measureNoopWorkflows(address: string, count: number, concurrency: number): Promise<NoopResult> {
  const taskQueue = `bench-noop-${process.pid}-${Date.now()}`;
  // Completion is counted where the no-op runs, not by awaiting each result: a result is a long
  // poll of its own, thousands of which would load the server as the drain's workflows never do.
  // A workflow whose only step is a local activity completes in the task that ran it.
  let done = 0;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const activities = {
    noop: async () => {
      if (++done === count) allDone();
    },
  };
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('./noop-workflow'),
    activities,
  });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const running = worker.run();
  try {
    const started = Date.now();
    let next = 0;
    const handles: Array<{ result(): Promise<unknown> }> = [];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < count; i = next++) {
          handles.push(await client.workflow.start('noopWorkflow', { taskQueue, workflowId: `${taskQueue}-${i}` }));
        }
      }),
    );
    await finished;
    // The last ones started close the run: their results confirm the workflows did complete.
    await Promise.all(handles.slice(-concurrency).map((h) => h.result()));
    const seconds = (Date.now() - started) / 1000;
    return { count, seconds, perSecond: count / seconds };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await nativeConnection.close();
  }
}
