import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * Counters of failed authentication (admin logins, partner keys, HR-system signatures), shared by
 * every API process. The columns are the ones rate-limiter-flexible's RateLimiterPostgres reads and
 * writes (`key`, `points`, `expire` in epoch milliseconds); the limiters are built with
 * `tableCreated: true`, so this migration, not the library, owns the table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('auth_throttle', (t) => {
    // '<limiter prefix>:<address>' or '<limiter prefix>:<address>/<username>'.
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire');
  });
  // The library's periodic sweep deletes rows that expired an hour ago.
  await knex.raw('CREATE INDEX auth_throttle_expire_idx ON auth_throttle (expire)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('auth_throttle');
}
