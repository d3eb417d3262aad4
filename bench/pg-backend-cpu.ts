/**
 * CPU time of the PostgreSQL backends that serve one client (by application_name), read from
 * /proc: the server is shared with other work, so the postgres processes' total says little about
 * what one benchmark's statements cost.
 */
import { processTicks } from './processes';
import type { Db } from '../src/db/knex';

/** USER_HZ: the unit of /proc/<pid>/stat's utime and stime on Linux. */
const TICKS_PER_SECOND = 100;

export interface BackendCpu {
  /** CPU seconds of the client's backends between start() and stop(). */
  seconds: number;
  /** Backends seen in that time. */
  backends: number;
}

/**
 * Samples the client's backends; call sample() now and then (a backend that exits between two
 * samples loses its last few seconds of CPU, one that starts after start() counts from zero).
 */
export class BackendCpuTracker {
  private readonly baseline = new Map<number, number>();
  private readonly latest = new Map<number, number>();
  private started = false;

  constructor(
    private readonly db: Db,
    private readonly database: string,
    private readonly applicationName: string,
  ) {}

  private async pids(): Promise<number[]> {
    const { rows } = (await this.db.raw('SELECT pid FROM pg_stat_activity WHERE datname = ? AND application_name = ?', [
      this.database,
      this.applicationName,
    ])) as { rows: Array<{ pid: number }> };
    return rows.map((r) => r.pid);
  }

  async start(): Promise<void> {
    for (const pid of await this.pids()) {
      const ticks = processTicks(pid);
      if (ticks !== undefined) this.baseline.set(pid, ticks);
    }
    this.started = true;
    await this.sample();
  }

  async sample(): Promise<void> {
    if (!this.started) return;
    for (const pid of await this.pids()) {
      const ticks = processTicks(pid);
      if (ticks === undefined) continue;
      if (!this.baseline.has(pid)) this.baseline.set(pid, 0);
      this.latest.set(pid, ticks);
    }
  }

  async stop(): Promise<BackendCpu> {
    await this.sample();
    let ticks = 0;
    for (const [pid, last] of this.latest) ticks += last - (this.baseline.get(pid) ?? 0);
    return { seconds: ticks / TICKS_PER_SECOND, backends: this.latest.size };
  }
}

/** `url` with application_name set, so the server tells this client's backends apart. */
export function withApplicationName(url: string, applicationName: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', applicationName);
  return parsed.toString();
}
