import { GroupCommitQueue } from '../../src/db/group-commit';

interface Item {
  key: string;
  value: number;
}

/** A writer that records every statement and completes it on a later turn of the event loop. */
function recordingWriter(options: { failWhen?: (item: Item) => boolean } = {}) {
  const statements: Item[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write = async (items: Item[]): Promise<string[]> => {
    statements.push(items);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 2));
    inFlight--;
    if (items.some((item) => options.failWhen?.(item))) throw new Error('constraint violated');
    return items.map((item) => `${item.key}=${item.value}`);
  };
  return {
    write,
    statements,
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

function queueFor(writer: ReturnType<typeof recordingWriter>, maxBatch = 8, maxInFlight = 2, retryAlone = true) {
  return new GroupCommitQueue<Item, string>({
    write: writer.write,
    keyOf: (item) => item.key,
    maxBatch,
    maxInFlight,
    retryAlone: () => retryAlone,
  });
}

describe('GroupCommitQueue', () => {
  it('answers a lone item on its own statement', async () => {
    const writer = recordingWriter();
    const queue = queueFor(writer);
    await expect(queue.submit({ key: 'a', value: 1 })).resolves.toBe('a=1');
    expect(writer.statements).toEqual([[{ key: 'a', value: 1 }]]);
  });

  it('gathers concurrent items into few statements, each caller getting its own result', async () => {
    const writer = recordingWriter();
    const queue = queueFor(writer, 8, 2);
    const items = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: i }));
    const results = await Promise.all(items.map((item) => queue.submit(item)));
    expect(results).toEqual(items.map((item) => `${item.key}=${item.value}`));
    expect(writer.statements.length).toBe(5);
    expect(Math.max(...writer.statements.map((s) => s.length))).toBe(8);
    expect(writer.maxInFlight).toBe(2);
    expect(queue.waiting).toBe(0);
  });

  it('never puts one key in two statements at once, and keeps its items in order', async () => {
    const writer = recordingWriter();
    const queue = queueFor(writer, 8, 3);
    const items = [
      { key: 'same', value: 1 },
      { key: 'other', value: 1 },
      { key: 'same', value: 2 },
      { key: 'same', value: 3 },
    ];
    await Promise.all(items.map((item) => queue.submit(item)));
    const sameOrder = writer.statements.flat().filter((item) => item.key === 'same');
    expect(sameOrder.map((item) => item.value)).toEqual([1, 2, 3]);
    for (const statement of writer.statements) {
      expect(new Set(statement.map((item) => item.key)).size).toBe(statement.length);
    }
    // 'same' waited for its previous statement each time: three statements, not one.
    expect(writer.statements.length).toBe(3);
  });

  it('fails only the bad item of a failed statement; its neighbours are written alone and answered', async () => {
    const writer = recordingWriter({ failWhen: (item) => item.value === 3 });
    const queue = queueFor(writer, 8, 1);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => queue.submit({ key: `k${i}`, value: i })),
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const rejected = outcomes[3] as PromiseRejectedResult;
    expect((rejected.reason as Error).message).toBe('constraint violated');
    // One failed statement of six, then each item alone.
    expect(writer.statements[0]).toHaveLength(6);
    expect(writer.statements.slice(1).every((statement) => statement.length === 1)).toBe(true);
    expect(writer.statements).toHaveLength(7);
  });

  it('gives every item the failure when the statement failed for all of them (database unreachable)', async () => {
    const writer = recordingWriter({ failWhen: () => true });
    const queue = queueFor(writer, 8, 1, false);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => queue.submit({ key: `k${i}`, value: i })),
    );
    expect(outcomes.map((o) => o.status)).toEqual(new Array(5).fill('rejected'));
    // No item-by-item retries: one statement, one wait for the failure.
    expect(writer.statements).toHaveLength(1);
  });

  it('treats a wrong number of results as a failed statement', async () => {
    const queue = new GroupCommitQueue<Item, string>({
      write: async () => ['only one'],
      keyOf: (item) => item.key,
      maxBatch: 8,
      maxInFlight: 1,
      retryAlone: () => true,
    });
    const outcomes = await Promise.allSettled([
      queue.submit({ key: 'a', value: 1 }),
      queue.submit({ key: 'b', value: 2 }),
    ]);
    // Alone, each item gets the one result it asked for.
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    const lone = new GroupCommitQueue<Item, string>({
      write: async () => [],
      keyOf: (item) => item.key,
      maxBatch: 8,
      maxInFlight: 1,
      retryAlone: () => true,
    });
    await expect(lone.submit({ key: 'a', value: 1 })).rejects.toThrow('group write returned 0 results for 1 items');
  });
});

describe('GroupCommitQueue when the connection is lost', () => {
  class ConnectionLost extends Error {}
  class Unavailable extends Error {}

  /** Fails the first `failures` statements with a lost connection, then writes normally. */
  function flakyQueue(failures: number) {
    const statements: Item[][] = [];
    const queue = new GroupCommitQueue<Item, string>({
      write: async (items) => {
        statements.push(items);
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (statements.length <= failures) throw new ConnectionLost('connection terminated');
        return items.map((item) => `${item.key}=${item.value}`);
      },
      keyOf: (item) => item.key,
      maxBatch: 8,
      maxInFlight: 1,
      retryAlone: () => true,
      retryOnce: (error) => error instanceof ConnectionLost,
      unavailable: (error) => new Unavailable(`database unavailable: ${(error as Error).message}`),
      retryDelayMs: 1,
    });
    return { queue, statements };
  }

  const submitAll = (queue: GroupCommitQueue<Item, string>, n: number) =>
    Promise.allSettled(Array.from({ length: n }, (_, i) => queue.submit({ key: `k${i}`, value: i })));

  it('writes the same statement once more after a lost connection, and answers every caller', async () => {
    const { queue, statements } = flakyQueue(1);
    const outcomes = await submitAll(queue, 5);
    expect(outcomes).toEqual(Array.from({ length: 5 }, (_, i) => ({ status: 'fulfilled', value: `k${i}=${i}` })));
    expect(statements).toHaveLength(2);
    expect(statements[1]).toEqual(statements[0]);
  });

  it('gives every caller the unavailable error when the second attempt loses its connection too', async () => {
    const { queue, statements } = flakyQueue(2);
    const outcomes = await submitAll(queue, 5);
    expect(outcomes.map((o) => o.status)).toEqual(new Array(5).fill('rejected'));
    for (const outcome of outcomes) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(Unavailable);
      expect(((outcome as PromiseRejectedResult).reason as Error).message).toBe(
        'database unavailable: connection terminated',
      );
    }
    // Twice, and never item by item: a database that is down is down for every item.
    expect(statements).toHaveLength(2);
  });

  it('retries once more only the statement that lost its connection, also when items are written alone', async () => {
    // Statement 1 fails on data (item 2), so items go alone; the first of those loses its connection.
    const statements: Item[][] = [];
    let lost = false;
    const queue = new GroupCommitQueue<Item, string>({
      write: async (items) => {
        statements.push(items);
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (items.length > 1) throw new Error('bad data');
        if (!lost) {
          lost = true;
          throw new ConnectionLost('connection terminated');
        }
        if (items[0]?.value === 2) throw new Error('bad data');
        return items.map((item) => `${item.key}=${item.value}`);
      },
      keyOf: (item) => item.key,
      maxBatch: 8,
      maxInFlight: 1,
      retryAlone: (error) => !(error instanceof ConnectionLost),
      retryOnce: (error) => error instanceof ConnectionLost,
      unavailable: (error) => new Unavailable((error as Error).message),
      retryDelayMs: 1,
    });
    const outcomes = await submitAll(queue, 4);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(((outcomes[2] as PromiseRejectedResult).reason as Error).message).toBe('bad data');
    expect(statements.map((s) => s.map((item) => item.value))).toEqual([[0, 1, 2, 3], [0], [0], [1], [2], [3]]);
  });
});
