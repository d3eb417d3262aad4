/** What both benchmarks read from their environment and machine. */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** An integer setting from the environment, refused loudly when it is not one. */
export function intEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${raw}")`);
  return value;
}

/** The Temporal CLI: TEMPORAL_BIN, else the one `go install` put in GOPATH/bin. */
export function temporalBinary(): string {
  const candidates: string[] = [];
  if (process.env['TEMPORAL_BIN']) candidates.push(process.env['TEMPORAL_BIN']);
  try {
    candidates.push(path.join(execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim(), 'bin', 'temporal'));
  } catch {
    // no Go toolchain on PATH: the default GOPATH may still hold the CLI
  }
  candidates.push(path.join(os.homedir(), 'go', 'bin', 'temporal'));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(
      `Temporal CLI not found (looked at ${candidates.join(', ')}); run scripts/start-all.sh once (it builds it), ` +
        'set TEMPORAL_BIN, or give a running server in BENCH_TEMPORAL_ADDRESS.',
    );
  }
  return found;
}

/** True when a Temporal frontend answers SERVING at `address`. */
export function temporalServing(bin: string, address: string): Promise<boolean> {
  return new Promise((resolve) =>
    execFile(bin, ['operator', 'cluster', 'health', '--address', address], { timeout: 3000 }, (error, stdout) =>
      resolve(!error && stdout.includes('SERVING')),
    ),
  );
}
