import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * `publish_requested_generation`: the latest generation of a link whose publishing workflow was
 * asked for (started or signalled). A link whose generation is ahead of it was saved but its
 * workflow could not be reached (Temporal down, process crash); the publishing sweep finds such
 * links through the partial index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('acq_link', (t) => {
    t.integer('publish_requested_generation').notNullable().defaultTo(0);
  });
  await knex.raw(
    'CREATE INDEX acq_link_publish_pending ON acq_link (mtime) WHERE generation > publish_requested_generation',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS acq_link_publish_pending');
  await knex.schema.alterTable('acq_link', (t) => {
    t.dropColumn('publish_requested_generation');
  });
}
