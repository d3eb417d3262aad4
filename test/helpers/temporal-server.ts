import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { LOG_DIR, temporalBinary } from './env';
import { waitFor } from './wait';

export interface TemporalServer {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function isServing(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      const response = await connection.withDeadline(Date.now() + 1500, () => connection.healthService.check({}));
      return response.status === 1;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/** Starts a headless Temporal dev server (the real server, built from the CLI); persistent when dbFile is given. */
export async function startTemporalDevServer(options: {
  port: number;
  dbFile?: string;
  name: string;
}): Promise<TemporalServer> {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = openSync(path.join(LOG_DIR, `temporal-${options.name}.log`), 'a');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--headless',
    '--log-level',
    'error',
  ];
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  const child = spawn(temporalBinary(), args, { stdio: ['ignore', log, log] });
  const address = `127.0.0.1:${options.port}`;
  await waitFor(`Temporal on ${address}`, async () => (child.exitCode !== null ? undefined : isServing(address)), {
    timeoutMs: 60_000,
    intervalMs: 300,
  });
  return {
    address,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
