import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * One row per committed intake statement, written by the statement itself: when the connection is
 * lost before the answer arrives, the writer reads its receipt on a fresh connection and knows
 * whether the statement committed (and what it answered), instead of guessing. Receipts are kept
 * a few minutes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('clue_intake_receipt', (t) => {
    t.uuid('batch_key').primary();
    t.jsonb('results').notNullable();
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['ctime']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('clue_intake_receipt');
}
