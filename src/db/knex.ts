import knexFactory, { type Knex } from 'knex';
import path from 'node:path';
import pg from 'pg';

// bigint ids come back as strings (the JS number cannot hold every int8); counts that fit are parsed.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);
// `date` columns are calendar days: keep them as 'YYYY-MM-DD' instead of a midnight in the server's zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Db = Knex;
export type Executor = Knex | Knex.Transaction;

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

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
    migrations: { directory: MIGRATIONS_DIR, loadExtensions: ['.ts', '.js'], tableName: 'knex_migrations' },
  });
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}
