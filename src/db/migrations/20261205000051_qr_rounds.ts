import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * Rounds of a multi-person channel QR code: when every member who can still take customers today
 * has had their round limit of adds, a new round starts and all of them are pushed to WeCom again.
 * Adds since the round started (and since local midnight: rounds restart daily) are the round's.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('acq_link', (t) => {
    t.timestamp('round_started_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('acq_link', (t) => {
    t.dropColumn('round_started_at');
  });
}
