import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * A clue arrives without policy, owner or duplicate link, yet every intake added a NULL entry to
 * each of those three indexes. They only serve lookups by a value (foreign-key checks, the owner
 * filter), which a partial index on the non-NULL rows answers as well; intake then maintains five
 * indexes instead of eight.
 */
const COLUMNS = ['policy_id', 'duplicate_of_clue_id', 'owner_userid'] as const;

export async function up(knex: Knex): Promise<void> {
  for (const column of COLUMNS) {
    await knex.raw(`DROP INDEX IF EXISTS clue_${column}_index`);
    await knex.raw(`CREATE INDEX clue_${column}_index ON clue (${column}) WHERE ${column} IS NOT NULL`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const column of COLUMNS) {
    await knex.raw(`DROP INDEX IF EXISTS clue_${column}_index`);
    await knex.raw(`CREATE INDEX clue_${column}_index ON clue (${column})`);
  }
}
