import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * The tag lookup index led with (corp_id, tag_source), which equals every row a sync reads for
 * one customer; without fresh statistics the planner then preferred it over the unique
 * (corp_id, external_userid, userid, …) index and scanned a corp's whole tag set per page.
 * Leading with tag_id keeps it for "who carries this tag" and out of per-customer lookups.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_tag', (t) => {
    t.dropIndex(['corp_id', 'tag_source', 'tag_id']);
    t.index(['tag_id', 'corp_id', 'tag_source']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customer_tag', (t) => {
    t.dropIndex(['tag_id', 'corp_id', 'tag_source']);
    t.index(['corp_id', 'tag_source', 'tag_id']);
  });
}
