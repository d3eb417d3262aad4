import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * Clues whose workflow was started but has not yet taken its first step: the distribution
 * outbox counts them before starting more, so a backlog is fed to Temporal at the pace the
 * workers take it instead of piling up in Temporal's task queue. Partial, so the index only
 * holds the few clues in that window.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `CREATE INDEX clue_distribution_unconsumed_idx ON clue (distribution_started_at)
      WHERE distribution_state = 'started' AND status = 'pending'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX clue_distribution_unconsumed_idx');
}
