import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/** A customer's timeline reads the callbacks about that customer (remark and profile edits). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `CREATE INDEX wecom_callback_event_customer_idx ON wecom_callback_event (corp_id, (payload->>'ExternalUserID'))
      WHERE change_type IS NOT NULL`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX wecom_callback_event_customer_idx');
}
