import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * Self-built tags on clues. A WeCom customer's self tags stay in customer_tag (userid ''); a clue
 * has no corp of its own, so its tags sit here, one row per (clue, tag). History lives in the
 * clue's timeline (clue_event), so a removal deletes the row.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('clue_self_tag', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('clue_id').notNullable().references('clue.id');
    t.bigInteger('tag_id').notNullable().references('self_tag.id');
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('cuser', 64);
    t.unique(['clue_id', 'tag_id']);
    t.index(['tag_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('clue_self_tag');
}
