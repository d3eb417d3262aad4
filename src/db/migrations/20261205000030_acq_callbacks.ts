import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * - acq_event: one row per applied `customer_acquisition` callback (quota notices, a link gone or
 *   unavailable, a profile opened or a friend request, a first chat). The unique event_id is what
 *   makes its effect (a counter, a status, a timeline entry) happen once, however often the
 *   callback is delivered or its workflow retried.
 * - acq_visitor_clue: the clue a landing page named for a visitor's unionid when it asked
 *   allocationHit; an add of a customer with that unionid is linked to it. The latest visit wins.
 * - lookups of a WeCom link_id (link-level or a rule's own link), which callbacks name, and of
 *   a clue's further phones, which an acquired customer's remark mobiles are matched against.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('acq_event', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.bigInteger('event_id').notNullable().unique().references('wecom_callback_event.id');
    t.string('change_type', 64).notNullable();
    t.bigInteger('link_id').references('acq_link.id');
    t.string('wecom_link_id', 128);
    t.string('userid', 64);
    t.string('external_userid', 64);
    t.jsonb('detail');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['link_id']);
    t.index(['corp_id', 'change_type', 'occurred_at']);
  });

  await knex.schema.createTable('acq_visitor_clue', (t) => {
    t.string('corp_id', 64).notNullable();
    t.string('unionid', 64).notNullable();
    t.bigInteger('clue_id').notNullable().references('clue.id');
    t.bigInteger('link_id').notNullable().references('acq_link.id');
    t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['corp_id', 'unionid']);
    t.index(['clue_id']);
    t.index(['link_id']);
  });

  await knex.raw("CREATE INDEX clue_contact_phone_idx ON clue_contact (value_key) WHERE type = 'phone'");
  await knex.raw(
    'CREATE INDEX acq_link_wecom_link_idx ON acq_link (corp_id, wecom_link_id) WHERE wecom_link_id IS NOT NULL',
  );
  await knex.raw(
    'CREATE INDEX acq_link_rule_config_link_idx ON acq_link_rule (corp_id, config_link_id) WHERE config_link_id IS NOT NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS acq_link_rule_config_link_idx');
  await knex.raw('DROP INDEX IF EXISTS acq_link_wecom_link_idx');
  await knex.raw('DROP INDEX IF EXISTS clue_contact_phone_idx');
  await knex.schema.dropTable('acq_visitor_clue');
  await knex.schema.dropTable('acq_event');
}
