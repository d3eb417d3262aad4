import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { StartPacer } from './outbox-dispatcher';

export interface LoadAwarePacerOptions {
  /**
   * Event-loop utilisation (0–1) of this process above which it counts as busy, when two samples
   * in a row exceed it. Quiet intake (tens of clues a second) samples about 0.2, with single
   * spikes; a saturating burst stays near 1.
   */
  busyUtilization?: number;
  /** How long the process still counts as busy after the last busy sample. */
  holdMs?: number;
  /** Starts per second while busy, so distribution never stalls. */
  busyStartsPerSecond?: number;
  /** A row waiting longer than this is started at once, busy or not. */
  maxDeferMs?: number;
  sampleMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Workflow starts are background work: each one costs Temporal and the worker several times what
 * the intake of the clue cost. While this process is saturated with requests (a burst of intake),
 * starts go out at a trickle so answering keeps the CPU; a row deferred longer than `maxDeferMs`
 * goes out anyway, so a sustained load delays distribution but never starves it. Outside bursts
 * starts are not paced at all.
 */
export class LoadAwarePacer<T> implements StartPacer<T> {
  private readonly busyUtilization: number;
  private readonly holdMs: number;
  private readonly intervalMs: number;
  private readonly maxDeferMs: number;
  private readonly sampleMs: number;
  private timer: NodeJS.Timeout | undefined;
  private last: EventLoopUtilization | undefined;
  private busyUntil = 0;
  private previousBusy = false;
  private nextSlotAt = 0;

  constructor(
    /** When the row was committed, in this process's clock (ms since epoch). */
    private readonly committedAt: (item: T) => number,
    options: LoadAwarePacerOptions = {},
  ) {
    this.busyUtilization = options.busyUtilization ?? 0.5;
    this.holdMs = options.holdMs ?? 2000;
    this.intervalMs = 1000 / Math.max(1, options.busyStartsPerSecond ?? 2);
    this.maxDeferMs = options.maxDeferMs ?? 60_000;
    this.sampleMs = options.sampleMs ?? 250;
  }

  start(): void {
    if (this.timer) return;
    this.last = performance.eventLoopUtilization();
    this.timer = setInterval(() => this.sample(), this.sampleMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  isBusy(): boolean {
    return Date.now() < this.busyUntil;
  }

  async permit(item: T): Promise<void> {
    const now = Date.now();
    if (!this.isBusy() || now - this.committedAt(item) >= this.maxDeferMs) return;
    const slot = Math.max(now, this.nextSlotAt);
    this.nextSlotAt = slot + this.intervalMs;
    if (slot > now) await sleep(slot - now);
  }

  private sample(): void {
    const current = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(current, this.last);
    this.last = current;
    // Two busy samples in a row: a garbage collection or a slow query alone is not a burst.
    const busy = utilization > this.busyUtilization;
    if (busy && this.previousBusy) this.busyUntil = Date.now() + this.holdMs;
    this.previousBusy = busy;
  }
}
