import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * A new clue's intake is recorded by the clue row itself (ctime, cuser) and shown first in its
 * timeline; only repeated intakes of the same businessId add an 'intake_update' event. The
 * 'intake' rows written before would show twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex('clue_event').where({ kind: 'intake' }).del();
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    `INSERT INTO clue_event (clue_id, kind, cuser, ctime)
     SELECT c.id, 'intake', c.cuser, c.ctime FROM clue c
      WHERE NOT EXISTS (SELECT 1 FROM clue_event e WHERE e.clue_id = c.id AND e.kind = 'intake')`,
  );
}
