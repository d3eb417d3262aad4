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
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('./noop-workflow'),
    activities: { noop: async () => undefined },
  });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const running = worker.run();
  try {
    const started = Date.now();
    let next = 0;
    const results: Array<Promise<unknown>> = [];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < count; i = next++) {
          const handle = await client.workflow.start('noopWorkflow', { taskQueue, workflowId: `${taskQueue}-${i}` });
          results.push(handle.result());
        }
      }),
    );
    await Promise.all(results);
    const seconds = (Date.now() - started) / 1000;
    return { count, seconds, perSecond: count / seconds };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await nativeConnection.close();
  }
}
