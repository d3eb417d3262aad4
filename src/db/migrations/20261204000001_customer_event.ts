import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * customer_event: what happened to a WeCom customer that the mirror's current rows cannot tell
 * (corp tags pushed by an admin, transfers and their outcome, merges). With clue_event it makes the
 * customer timeline (客户动态); a clue linked to the customer shows both.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customer_event', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.string('external_userid', 64).notNullable();
    t.string('kind', 32).notNullable();
    t.jsonb('detail');
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('cuser', 64);
    t.index(['corp_id', 'external_userid', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_event');
}
