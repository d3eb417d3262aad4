import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * Customer merge. A merged clue is kept (readable by its id) and names its survivor; lists, stats
 * and duplicate matching skip it. A merge is one clue_merge row with one clue_merge_item per
 * merged clue: an item's done_at is set in the same transaction that moves that clue, which is
 * what makes a retried step a no-op, and its `moved` counts are what the merge reports.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('clue', (t) => {
    t.bigInteger('merged_into_clue_id').references('clue.id');
    t.timestamp('merged_at', { useTz: true });
  });
  await knex.raw(
    'CREATE INDEX clue_merged_into_idx ON clue (merged_into_clue_id) WHERE merged_into_clue_id IS NOT NULL',
  );
  await knex.schema.alterTable('clue_follow_up', (t) => {
    // The clue a follow-up was recorded on, once a merge moved it to the survivor.
    t.bigInteger('merged_from_clue_id').references('clue.id');
  });
  await knex.raw(
    'CREATE INDEX clue_follow_up_merged_from_idx ON clue_follow_up (merged_from_clue_id) WHERE merged_from_clue_id IS NOT NULL',
  );
  await knex.schema.createTable('clue_merge', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('survivor_clue_id').notNullable().references('clue.id');
    // Survivor and sorted merged ids: asking for the same merge again finds this row.
    t.string('request_key', 512).notNullable().unique();
    t.jsonb('field_picks');
    // running | done | failed
    t.string('status', 16).notNullable().defaultTo('running');
    t.string('error', 512);
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('cuser', 64);
    t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['survivor_clue_id']);
  });
  await knex.schema.createTable('clue_merge_item', (t) => {
    t.bigInteger('merge_id').notNullable().references('clue_merge.id');
    t.bigInteger('clue_id').notNullable().references('clue.id');
    t.integer('position').notNullable();
    t.jsonb('moved');
    t.timestamp('done_at', { useTz: true });
    t.primary(['merge_id', 'clue_id']);
    t.index(['clue_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('clue_merge_item');
  await knex.schema.dropTable('clue_merge');
  await knex.raw('DROP INDEX IF EXISTS clue_follow_up_merged_from_idx');
  await knex.schema.alterTable('clue_follow_up', (t) => {
    t.dropColumn('merged_from_clue_id');
  });
  await knex.raw('DROP INDEX IF EXISTS clue_merged_into_idx');
  await knex.schema.alterTable('clue', (t) => {
    t.dropColumn('merged_at');
    t.dropColumn('merged_into_clue_id');
  });
}
