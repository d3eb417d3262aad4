import knexFactory, { type Knex } from 'knex';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

// bigint ids come back as strings (the JS number cannot hold every int8); counts that fit are parsed.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);
// `date` columns are calendar days: keep them as 'YYYY-MM-DD' instead of a midnight in the server's zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Db = Knex;
export type Executor = Knex | Knex.Transaction;

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/**
 * The migrations in MIGRATIONS_DIR: the .ts sources under tsx, the compiled .js files in the
 * build. Each is recorded in knex_migrations under its source name (`<name>.ts`) either way, so
 * the compiled build continues a database migrated from source, and the other way round.
 */
export const migrationFiles: Knex.MigrationSource<string> = {
  async getMigrations() {
    const byName = new Map<string, string>();
    for (const file of (await readdir(MIGRATIONS_DIR)).sort()) {
      if (/^[^.]+\.(ts|js)$/.test(file) && !byName.has(sourceName(file))) byName.set(sourceName(file), file);
    }
    return [...byName.values()];
  },
  getMigrationName: sourceName,
  getMigration: async (file) => (await import(path.join(MIGRATIONS_DIR, file))) as Knex.Migration,
};

function sourceName(file: string): string {
  return file.replace(/\.js$/, '.ts');
}

export interface DbOptions {
  /** Session lock_timeout of every connection (PostgreSQL's default: wait forever). */
  lockTimeoutMs?: number;
}

export function createDb(databaseUrl: string, poolMax = 10, options: DbOptions = {}): Db {
  return knexFactory({
    client: 'pg',
    connection: {
      connectionString: databaseUrl,
      application_name: 'scrm',
      // Sent in the startup packet: the setting costs no round trip and holds for the whole session.
      ...(options.lockTimeoutMs === undefined ? {} : { options: `-c lock_timeout=${options.lockTimeoutMs}` }),
    },
    pool: { min: 0, max: poolMax },
    migrations: { migrationSource: migrationFiles, tableName: 'knex_migrations' },
  });
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}
