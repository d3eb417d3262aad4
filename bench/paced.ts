/**
 * An open-loop load generator: requests leave at evenly spaced instants whatever the server does,
 * and each latency is measured from the instant the request was due (so a stalled server cannot
 * hide its stall by slowing the generator down — no coordinated omission). Used for the
 * end-to-end sample and as a steady-rate cross-check of autocannon's `overallRate`, which sends
 * each connection's per-second quota in a burst at the start of every second.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface PacedOptions {
  url: string;
  /** Requests per second. */
  rate: number;
  /** How many requests to send in total. */
  count: number;
  /** Most connections used at once; further due requests wait for a free one (and that wait counts). */
  maxSockets: number;
  makeBody: () => { businessId: string; body: string };
  /** Called for every answer, with the wall-clock time (ms since epoch, fractional) it was fully received. */
  onResponse?: (businessId: string, status: number, receivedAtMs: number) => void;
  timeoutMs?: number;
}

export interface PacedResult {
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  durationS: number;
  /** Milliseconds from the due instant to the full answer, for 2xx answers. */
  latencies: number[];
  statusCounts: Record<string, number>;
  firstProblem?: string;
}

const wallClockMs = () => performance.timeOrigin + performance.now();

export async function runPaced(options: PacedOptions): Promise<PacedResult> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const interval = 1000 / options.rate;
  const result: PacedResult = { sent: 0, ok: 0, non2xx: 0, errors: 0, durationS: 0, latencies: [], statusCounts: {} };
  const inFlight = new Set<Promise<void>>();

  const fire = (dueAt: number) => {
    const { businessId, body } = options.makeBody();
    result.sent++;
    const done = new Promise<void>((resolve) => {
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: options.timeoutMs ?? 10_000,
        },
        (response) => {
          const status = response.statusCode ?? 0;
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => {
            if (status < 200 || status >= 300) chunks.push(chunk);
          });
          response.on('end', () => {
            const receivedAt = wallClockMs();
            result.statusCounts[status] = (result.statusCounts[status] ?? 0) + 1;
            if (status >= 200 && status < 300) {
              result.ok++;
              result.latencies.push(performance.now() - dueAt);
            } else {
              result.non2xx++;
              result.firstProblem ??= `HTTP ${status}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`;
            }
            options.onResponse?.(businessId, status, receivedAt);
            resolve();
          });
          response.on('error', (error) => {
            result.errors++;
            result.firstProblem ??= error.message;
            resolve();
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error('request timed out')));
      request.on('error', (error) => {
        result.errors++;
        result.firstProblem ??= error.message;
        resolve();
      });
      request.end(body);
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  const start = performance.now();
  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = () => {
      const now = performance.now();
      while (i < options.count && start + i * interval <= now) {
        fire(start + i * interval);
        i++;
      }
      if (i >= options.count) return resolve();
      setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
    };
    tick();
  });
  await Promise.all([...inFlight]);
  result.durationS = (performance.now() - start) / 1000;
  agent.destroy();
  return result;
}

/** Nearest-rank percentile of unsorted values (sorts a copy). */
export function percentiles(values: number[], ps: number[]): number[] {
  if (values.length === 0) return ps.map(() => NaN);
  const sorted = [...values].sort((a, b) => a - b);
  return ps.map(
    (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number,
  );
}
