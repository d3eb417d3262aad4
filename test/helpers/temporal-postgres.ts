import { execFile, spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { LOG_DIR, REPO_ROOT, TEST_DATABASE_URL, temporalBinary } from './env';
import { isServing, type TemporalServer } from './temporal-server';
import { waitFor } from './wait';

const run = promisify(execFile);

export interface TemporalPostgresTools {
  serverBin: string;
  sqlTool: string;
  schemaDir: string;
}

/**
 * The server, its schema tool and the schema they migrate to: from the environment when
 * scripts/test-all.sh has exported them, else from scripts/lib.sh, which builds what is missing.
 */
export async function temporalPostgresTools(): Promise<TemporalPostgresTools> {
  const { TEMPORAL_SERVER_BIN, TEMPORAL_SQL_TOOL, TEMPORAL_SCHEMA_DIR } = process.env;
  if (TEMPORAL_SERVER_BIN && TEMPORAL_SQL_TOOL && TEMPORAL_SCHEMA_DIR) {
    return { serverBin: TEMPORAL_SERVER_BIN, sqlTool: TEMPORAL_SQL_TOOL, schemaDir: TEMPORAL_SCHEMA_DIR };
  }
  const script =
    'source scripts/lib.sh && ensure_temporal_postgres_tools && ' +
    'printf "%s\\n" "$TEMPORAL_SERVER_BIN" "$TEMPORAL_SQL_TOOL" "$TEMPORAL_SCHEMA_DIR"';
  const { stdout } = await run('bash', ['-c', script], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [serverBin, sqlTool, schemaDir] = stdout.trim().split('\n');
  if (!serverBin || !sqlTool || !schemaDir) throw new Error(`scripts/lib.sh printed no Temporal tools: ${stdout}`);
  return { serverBin, sqlTool, schemaDir };
}

export interface TemporalPostgresOptions {
  /** The frontend's gRPC port; docker/temporal/postgres.yaml derives the server's other ports from it. */
  port: number;
  name: string;
  /** Database names; both are created and migrated. Default: the test database's name + _temporal(_visibility). */
  database?: string;
  visibilityDatabase?: string;
  /** Drops both databases first, so the schema is set up from version 0.0 as on a new machine. */
  fresh?: boolean;
}

export interface TemporalPostgresServer extends TemporalServer {
  tools: TemporalPostgresTools;
  /** The environment docker/temporal/postgres.yaml and docker/temporal-schema.sh read for this server. */
  env: Record<string, string>;
  /** Runs docker/temporal-schema.sh for this server's databases; resolves with what it printed. */
  setupSchema(): Promise<string>;
}

const testDatabaseName = () => decodeURIComponent(new URL(TEST_DATABASE_URL).pathname.slice(1));

async function dropDatabases(names: string[]): Promise<void> {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    for (const name of names) {
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`refusing to drop database with unusual name "${name}"`);
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

/**
 * Starts the PostgreSQL-backed Temporal server exactly as `TEMPORAL_BACKEND=postgres npm run start:all`
 * does (same binary, same docker/temporal config, same schema and namespace scripts), on the test
 * run's PostgreSQL and its own ports.
 */
export async function startTemporalPostgresServer(options: TemporalPostgresOptions): Promise<TemporalPostgresServer> {
  const tools = await temporalPostgresTools();
  const database = options.database ?? `${testDatabaseName()}_temporal`;
  const visibilityDatabase = options.visibilityDatabase ?? `${database}_visibility`;
  const db = new URL(TEST_DATABASE_URL);
  const env: Record<string, string> = {
    TEMPORAL_PORT: String(options.port),
    TEMPORAL_DB_HOST: db.hostname,
    TEMPORAL_DB_PORT: db.port || '5432',
    TEMPORAL_DB_USER: decodeURIComponent(db.username) || 'postgres',
    TEMPORAL_DB_PASSWORD: decodeURIComponent(db.password),
    TEMPORAL_DB_NAME: database,
    TEMPORAL_VISIBILITY_DB_NAME: visibilityDatabase,
    // Four services each hold a pool: small ones keep the test run within PostgreSQL's max_connections.
    TEMPORAL_DB_MAX_CONNS: '5',
    TEMPORAL_VISIBILITY_DB_MAX_CONNS: '2',
    TEMPORAL_LOG_LEVEL: 'warn',
    TEMPORAL_SQL_TOOL: tools.sqlTool,
    TEMPORAL_SCHEMA_DIR: tools.schemaDir,
  };
  const address = `127.0.0.1:${options.port}`;
  if (await isServing(address)) throw new Error(`a Temporal server already serves on ${address}; stop it first`);
  if (options.fresh) await dropDatabases([database, visibilityDatabase]);

  const setupSchema = async () =>
    (await run('sh', ['docker/temporal-schema.sh'], { cwd: REPO_ROOT, env: { ...process.env, ...env } })).stdout;
  await setupSchema();

  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `temporal-${options.name}.log`);
  const log = openSync(logFile, 'a');
  // As scripts/lib.sh starts it: docker/temporal/postgres.yaml, rendered with the environment above.
  const config = ['--root', '/', '--config', path.join(REPO_ROOT, 'docker/temporal'), '--env', 'postgres'];
  const child = spawn(tools.serverBin, [...config, '--allow-no-auth', 'start'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    // A server that exits (no schema, a port taken) fails the start at once, not after the timeout.
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => {
        const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join('\n');
        reject(new Error(`Temporal server exited with ${String(code)}; the end of ${logFile}:\n${tail}`));
      }),
    );
    await Promise.race([
      waitFor(`the PostgreSQL-backed Temporal on ${address} (log: ${logFile})`, () => isServing(address), {
        timeoutMs: 90_000,
        intervalMs: 300,
      }),
      exited,
    ]);
    await run('sh', ['docker/temporal-namespace.sh'], {
      cwd: REPO_ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_CLI: temporalBinary() },
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, process: child, stop, tools, env, setupSchema };
}
