import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * Distribution links a new clue to the earliest earlier clue with the same phone number. On
 * (phone_normalized) alone that read every clue of the phone and sorted them; on
 * (phone_normalized, id) it reads one index entry, however often a phone comes back.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX clue_phone_normalized_id_index ON clue (phone_normalized, id)');
  await knex.raw('DROP INDEX IF EXISTS clue_phone_normalized_index');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX clue_phone_normalized_index ON clue (phone_normalized)');
  await knex.raw('DROP INDEX IF EXISTS clue_phone_normalized_id_index');
}
