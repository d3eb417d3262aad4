/**
 * Child processes of the benchmark (Temporal dev server, worker, API, baseline server) and what
 * Linux tells about them: CPU time per phase and peak resident memory. Every child leads its own
 * process group so stopping it also stops anything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

export interface Child {
  name: string;
  pid: number;
  logFile: string;
  process: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<string>;
  hasExited(): boolean;
}

export function spawnChild(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string },
): Child {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', fd, fd],
    detached: true, // own process group: killProcessGroup reaches grandchildren too
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  let done = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve(signal ? `signal ${signal}` : `code ${String(code)}`);
    });
    child.once('error', (error) => {
      done = true;
      resolve(`spawn error: ${error.message}`);
    });
  });
  return { name, pid: child.pid, logFile: options.logFile, process: child, exited, hasExited: () => done };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM to the child's process group, SIGKILL after `graceMs` if it is still there. */
export async function stopChild(child: Child, graceMs = 8000): Promise<void> {
  if (child.hasExited()) {
    signalGroup(child.pid, 'SIGKILL'); // leftovers of the group, if any
    return;
  }
  signalGroup(child.pid, 'SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
  if ((await Promise.race([child.exited, timer])) === 'timeout') {
    signalGroup(child.pid, 'SIGKILL');
    await Promise.race([child.exited, new Promise((r) => setTimeout(r, 2000).unref())]);
  } else {
    signalGroup(child.pid, 'SIGKILL');
  }
}

/** Last lines of a child's log, for error messages. */
export function logTail(child: Child, lines = 15): string {
  try {
    const text = readFileSync(child.logFile, 'utf8').trimEnd().split('\n');
    return text
      .slice(-lines)
      .map((l) => `    | ${l}`)
      .join('\n');
  } catch {
    return '    | (no log)';
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function randomFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `preferred` when nothing listens there, otherwise a free port chosen by the kernel. */
export async function pickPort(preferred: number, taken: Set<number> = new Set()): Promise<number> {
  if (!taken.has(preferred) && (await portIsFree(preferred))) {
    taken.add(preferred);
    return preferred;
  }
  for (;;) {
    const port = await randomFreePort();
    if (!taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers 200; fails early when `child` exits, or after `timeoutMs`. */
export async function waitForHttp200(url: string, timeoutMs: number, children: Child[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    for (const child of children) {
      if (child.hasExited()) {
        throw new Error(
          `${child.name} exited (${await child.exited}) before ${url} answered 200; its log:\n${logTail(child)}`,
        );
      }
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      const text = await response.text();
      if (response.status === 200) return;
      last = `HTTP ${response.status}: ${text.slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`);
    await sleep(300);
  }
}

// ---------------------------------------------------------------------------------------------
// CPU and memory accounting from /proc.

/** utime + stime of a process, in clock ticks; undefined when it is gone. */
export function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state is index 0, utime 11, stime 12 (stat fields 14 and 15).
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest counts are inside user)
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface CpuSnapshot {
  at: number;
  machine: { busy: number; total: number };
  perPid: Map<number, number>;
}

/** Groups of processes whose CPU use is reported: label → pids (a function, re-read at each snapshot). */
export type CpuGroups = Array<{ label: string; pids: () => number[] }>;

export const groups = {
  processTree: (pid: number) => () => descendants(pid),
  named: (comm: string) => () => pidsNamed(comm),
};

export function cpuSnapshot(groupsToWatch: CpuGroups): CpuSnapshot {
  const perPid = new Map<number, number>();
  for (const group of groupsToWatch) {
    for (const pid of group.pids()) {
      const ticks = processTicks(pid);
      if (ticks !== undefined) perPid.set(pid, ticks);
    }
  }
  return { at: Date.now(), machine: machineTicks(), perPid };
}

export interface CpuUsage {
  /** Wall-clock length of the measured interval. */
  seconds: number;
  /** Busy share of the whole machine, in % of one core (2 cores busy = 200). */
  machine: number;
  cores: number;
  byGroup: Array<{ label: string; percent: number }>;
  /** Busy time not explained by the watched groups (other processes, kernel, softirq). */
  other: number;
}

export function cpuUsage(before: CpuSnapshot, after: CpuSnapshot, groupsToWatch: CpuGroups, cores: number): CpuUsage {
  const machineTotal = after.machine.total - before.machine.total;
  const machineBusy = after.machine.busy - before.machine.busy;
  const percentOfOneCore = (ticks: number) => (machineTotal > 0 ? (100 * cores * ticks) / machineTotal : 0);
  const counted = new Set<number>();
  const byGroup = groupsToWatch.map((group) => {
    let ticks = 0;
    for (const pid of group.pids()) {
      if (counted.has(pid)) continue;
      const end = after.perPid.get(pid);
      if (end === undefined) continue;
      counted.add(pid);
      ticks += end - (before.perPid.get(pid) ?? 0);
    }
    return { label: group.label, percent: percentOfOneCore(ticks) };
  });
  const machine = percentOfOneCore(machineBusy);
  return {
    seconds: (after.at - before.at) / 1000,
    machine,
    cores,
    byGroup,
    other: Math.max(0, machine - byGroup.reduce((a, g) => a + g.percent, 0)),
  };
}

/** A memory line of /proc/<pid>/status (VmRSS, VmHWM) in MiB; undefined when the process is gone. */
function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resident memory now (VmRSS), MiB. */
export const currentRssMiB = (pid: number) => statusMiB(pid, 'VmRSS');

/** Peak resident set size (VmHWM), MiB. */
export const peakRssMiB = (pid: number) => statusMiB(pid, 'VmHWM');
