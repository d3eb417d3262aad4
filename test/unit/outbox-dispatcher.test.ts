import pino from 'pino';
import { OutboxDispatcher, type OutboxSource, type StartPacer } from '../../src/temporal/outbox-dispatcher';
import { waitFor } from '../helpers/wait';

interface Row {
  id: string;
}

/** An outbox table in memory whose starts complete on the next turn of the event loop. */
function fakeSource(count: number, options: { failing?: boolean } = {}) {
  const pending = new Set(Array.from({ length: count }, (_, i) => String(i + 1)));
  const startedTwice: string[] = [];
  const seen = new Set<string>();
  const failures: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let attempts = 0;
  const source: OutboxSource<Row> = {
    what: 'rows',
    findPending: async (limit) => [...pending].slice(0, limit).map((id) => ({ id })),
    start: async (row) => {
      attempts++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      if (options.failing) throw new Error('Temporal unavailable');
      if (seen.has(row.id)) startedTwice.push(row.id);
      seen.add(row.id);
    },
    markStarted: async (ids) => ids.forEach((id) => pending.delete(id)),
    recordFailure: async (ids) => void failures.push(...ids),
  };
  return {
    source,
    pending,
    failures,
    startedTwice,
    get maxInFlight() {
      return maxInFlight;
    },
    get attempts() {
      return attempts;
    },
  };
}

const logger = pino({ level: 'silent' });

describe('OutboxDispatcher', () => {
  it('starts every pending row after notify(), never more than `concurrency` at once, each once', async () => {
    const table = fakeSource(450);
    const dispatcher = new OutboxDispatcher(table.source, logger, { sweepIntervalMs: 60_000, concurrency: 4 });
    dispatcher.notify();
    dispatcher.notify();
    await waitFor('every row started', async () => table.pending.size === 0, { intervalMs: 5 });
    expect(table.maxInFlight).toBe(4);
    expect(table.startedTwice).toEqual([]);
    await dispatcher.stop();
  });

  it('stops at the first failure, records it and leaves the rows pending for the sweep', async () => {
    const table = fakeSource(100, { failing: true });
    const dispatcher = new OutboxDispatcher(table.source, logger, { sweepIntervalMs: 60_000, concurrency: 3 });
    expect(await dispatcher.sweep(0)).toBe(0);
    expect(table.attempts).toBeLessThanOrEqual(3);
    expect(table.failures.length).toBeGreaterThan(0);
    expect(table.pending.size).toBe(100);
    // Within the back-off, notifications do not hammer a failing Temporal.
    dispatcher.notify();
    await dispatcher.stop();
    expect(table.attempts).toBeLessThanOrEqual(3);
  });

  it('starts no more than the source has room for, and goes on as room frees up', async () => {
    const table = fakeSource(120);
    let unconsumed = 0;
    let maxUnconsumed = 0;
    const start = table.source.start;
    table.source.start = async (row) => {
      await start(row);
      maxUnconsumed = Math.max(maxUnconsumed, ++unconsumed);
    };
    table.source.room = async () => 25 - unconsumed;
    // A worker that takes up ten started rows every few milliseconds.
    const consumer = setInterval(() => (unconsumed = Math.max(0, unconsumed - 10)), 5);
    const dispatcher = new OutboxDispatcher(table.source, logger, { sweepIntervalMs: 60_000, concurrency: 4 });
    try {
      dispatcher.notify();
      await waitFor('every row started', async () => table.pending.size === 0, { intervalMs: 5, timeoutMs: 10_000 });
      expect(maxUnconsumed).toBeLessThanOrEqual(25);
      expect(table.startedTwice).toEqual([]);
    } finally {
      clearInterval(consumer);
      await dispatcher.stop();
    }
  });

  it('waits while there is no room and starts nothing until there is', async () => {
    const table = fakeSource(5);
    let room = 0;
    table.source.room = async () => room;
    const dispatcher = new OutboxDispatcher(table.source, logger, { sweepIntervalMs: 60_000 });
    dispatcher.notify();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(table.attempts).toBe(0);
    room = 5;
    await waitFor('rows started once room appears', async () => table.pending.size === 0, { intervalMs: 5 });
    await dispatcher.stop();
  });

  it('asks the pacer before every start', async () => {
    const table = fakeSource(10);
    const permitted: string[] = [];
    const pacer: StartPacer<Row> = {
      permit: async (row) => void permitted.push(row.id),
      start: () => undefined,
      stop: () => undefined,
    };
    const dispatcher = new OutboxDispatcher(table.source, logger, { sweepIntervalMs: 60_000, pacer });
    expect(await dispatcher.sweep(0)).toBe(10);
    expect(permitted.sort()).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)).sort());
  });

  it('still starts enqueued rows from memory at once', async () => {
    const table = fakeSource(0);
    const started: string[] = [];
    const dispatcher = new OutboxDispatcher(
      { ...table.source, start: async (row) => void started.push(row.id) },
      logger,
      { sweepIntervalMs: 60_000 },
    );
    dispatcher.enqueue({ id: 'a' });
    dispatcher.enqueue({ id: 'b' });
    await waitFor('enqueued rows started', async () => started.length === 2, { intervalMs: 5 });
    expect(started.sort()).toEqual(['a', 'b']);
    await dispatcher.stop();
  });
});
