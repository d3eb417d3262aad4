import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * WeCom's events say who and when (to the second), not what changed, so two changes of one object
 * within a second arrive as identical plaintexts. An event applied as a fresh read of WeCom
 * (`refresh_on_copy`) takes an identical copy arriving after its apply began (`apply_started_at`)
 * as a new event: the key is unique only among rows that still absorb copies. Rows stored before
 * keep absorbing every copy, as they did.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('wecom_callback_event', (t) => {
    t.boolean('refresh_on_copy').notNullable().defaultTo(false);
    t.timestamp('apply_started_at', { useTz: true });
  });
  await knex.raw(
    `CREATE UNIQUE INDEX wecom_callback_event_copy_uq ON wecom_callback_event (corp_id, dedupe_key)
      WHERE NOT refresh_on_copy OR apply_started_at IS NULL`,
  );
  await knex.schema.alterTable('wecom_callback_event', (t) => {
    t.dropUnique(['corp_id', 'dedupe_key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  // Later copies fold back into the first row of their key, which is unique again.
  await knex.raw(
    `WITH copies AS (
       SELECT id, receive_count, min(id) OVER (PARTITION BY corp_id, dedupe_key) AS first_id
         FROM wecom_callback_event),
     extra AS (
       SELECT first_id, sum(receive_count) AS n FROM copies WHERE id <> first_id GROUP BY first_id)
     UPDATE wecom_callback_event e SET receive_count = e.receive_count + extra.n
       FROM extra WHERE e.id = extra.first_id`,
  );
  await knex.raw(
    `DELETE FROM wecom_callback_event e
      USING (SELECT id, min(id) OVER (PARTITION BY corp_id, dedupe_key) AS first_id FROM wecom_callback_event) c
      WHERE e.id = c.id AND c.id <> c.first_id`,
  );
  await knex.schema.alterTable('wecom_callback_event', (t) => {
    t.unique(['corp_id', 'dedupe_key']);
  });
  await knex.raw('DROP INDEX IF EXISTS wecom_callback_event_copy_uq');
  await knex.schema.alterTable('wecom_callback_event', (t) => {
    t.dropColumn('apply_started_at');
    t.dropColumn('refresh_on_copy');
  });
}
