import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * Contact methods of a clue. Rows are created lazily, from the clue's own phone / wechat / email
 * columns, the first time a clue's contacts are edited or merged: intake stays one statement, and
 * those columns keep showing the primary contact of each type. One primary per (clue, type);
 * `value_key` is what makes two contacts equal (phone digits, lower-case email, trimmed text).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('clue_contact', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('clue_id').notNullable().references('clue.id');
    // phone | wechat | email | qq | other
    t.string('type', 16).notNullable();
    t.string('value', 254).notNullable();
    t.string('value_key', 254).notNullable();
    t.boolean('is_primary').notNullable().defaultTo(false);
    t.string('remark', 128);
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('cuser', 64);
    t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('muser', 64);
    t.unique(['clue_id', 'type', 'value_key']);
  });
  await knex.raw('CREATE UNIQUE INDEX clue_contact_primary_uq ON clue_contact (clue_id, type) WHERE is_primary');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('clue_contact');
}
