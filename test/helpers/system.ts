import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import {
  LOG_DIR,
  REPO_ROOT,
  SHARED_SIMULATOR_PORT,
  SHARED_THROTTLE_ENV,
  TEST_DATABASE_URL,
  TEST_FILES_DIR,
  TEST_JWT_SECRET,
} from './env';
import { waitFor } from './wait';

export interface SystemOptions {
  name: string;
  temporalAddress: string;
  apiPort: number;
  taskQueue: string;
  env?: Record<string, string>;
}

/**
 * The system under test as real processes: the API and the worker, started from their entry
 * files exactly as in production (node + tsx loader, one OS process each, so a kill is a crash).
 */
export class TestSystem {
  private api: ChildProcess | undefined;
  private worker: ChildProcess | undefined;
  readonly baseUrl: string;

  constructor(private readonly options: SystemOptions) {
    this.baseUrl = `http://127.0.0.1:${options.apiPort}`;
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: TEST_DATABASE_URL,
      TEMPORAL_ADDRESS: this.options.temporalAddress,
      TEMPORAL_TASK_QUEUE: this.options.taskQueue,
      API_PORT: String(this.options.apiPort),
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'info',
      DISPATCH_SWEEP_MS: '500',
      DISTRIBUTION_RECHECK_SECONDS: '3',
      WECOM_API_BASE_URL: `http://127.0.0.1:${SHARED_SIMULATOR_PORT}/cgi-bin/`,
      WECHAT_API_BASE_URL: `http://127.0.0.1:${SHARED_SIMULATOR_PORT}/`,
      WECOM_SCHEDULE_CHECK_SECONDS: '2',
      WECOM_MAX_RETRY_DELAY_SECONDS: '2',
      FILES_DIR: TEST_FILES_DIR,
      // Every test API tolerates the suites' deliberate failures; the throttle tests set their own.
      ...SHARED_THROTTLE_ENV,
      ...this.options.env,
    };
  }

  /** The process's log file: its JSON log lines (stdout) and anything it writes to stderr. */
  logFile(logName: 'api' | 'worker'): string {
    return path.join(LOG_DIR, `${this.options.name}-${logName}.log`);
  }

  private spawnEntry(entry: string, logName: 'api' | 'worker'): ChildProcess {
    mkdirSync(LOG_DIR, { recursive: true });
    const file = this.logFile(logName);
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: REPO_ROOT,
      env: this.env(),
      stdio: ['ignore', 'pipe', openSync(file, 'a')],
    });
    child.stdout?.pipe(createWriteStream(file, { flags: 'a' }));
    return child;
  }

  /** Starts the API; resolves once it answers HTTP (healthy or not: Temporal may be down on purpose). */
  async startApi(): Promise<void> {
    if (
      await fetch(`${this.baseUrl}/health`).then(
        () => true,
        () => false,
      )
    ) {
      throw new Error(
        `port ${this.options.apiPort} is already taken by another server; stop it before running the tests`,
      );
    }
    this.api = this.spawnEntry('src/main/api.ts', 'api');
    // As long as a worker may take (below): on a busy machine loading the API's sources alone can take a minute.
    await waitFor(
      'API to listen',
      async () => {
        if (this.api?.exitCode !== null) throw new Error(`API exited with ${String(this.api?.exitCode)}`);
        const response = await fetch(`${this.baseUrl}/health`).catch(() => undefined);
        return response !== undefined;
      },
      { timeoutMs: 90_000 },
    );
  }

  /** Starts a worker; resolves once it polls its task queue. */
  async startWorker(): Promise<void> {
    const worker = this.spawnEntry('src/main/worker.ts', 'worker');
    this.worker = worker;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('worker did not start within 90 s')), 90_000);
      worker.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('worker running')) {
          clearTimeout(timer);
          resolve();
        }
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited with ${String(code)}`));
      });
    });
  }

  /** Kills the worker without warning (a crash), or stops it gracefully. */
  async stopWorker(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await stopProcess(this.worker, signal);
    this.worker = undefined;
  }

  async stopApi(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await stopProcess(this.api, signal);
    this.api = undefined;
  }

  async start(): Promise<void> {
    await Promise.all([this.startApi(), this.startWorker()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.stopApi(), this.stopWorker('SIGTERM')]);
  }
}

async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
