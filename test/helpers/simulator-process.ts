import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { LOG_DIR, REPO_ROOT } from './env';

export interface SimulatorProcess {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the WeCom simulator as its own process (as in production use), resolved once it listens. */
export async function startSimulator(port: number, name = 'shared'): Promise<SimulatorProcess> {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = openSync(path.join(LOG_DIR, `${name}-wecom-simulator.log`), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/wecom-simulator.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, SIMULATOR_PORT: String(port), SIMULATOR_HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', log],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error('WeCom simulator did not start within 60 s')), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('wecom simulator listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`WeCom simulator exited with ${String(code)}`));
    });
  });
  child.stdout?.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
