import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * acq_attribution: one customer add that came through an acquisition link or one of its rules,
 * with the welcome message's outcome. An add is identified by the pair, the state and the event's
 * time, so a redelivered or reprocessed callback finds its row and counts once.
 * welcome_status: sent | already_sent | expired | failed (welcome_errcode says why) | null when
 * the link sends none or the event carried no welcome code.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('acq_attribution', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.string('external_userid', 64).notNullable();
    t.string('userid', 64).notNullable();
    t.bigInteger('link_id').notNullable().references('id').inTable('acq_link');
    t.bigInteger('rule_id').references('id').inTable('acq_link_rule');
    t.bigInteger('channel_id').references('id').inTable('acq_channel');
    t.string('state', 30).notNullable();
    t.bigInteger('event_id').references('id').inTable('wecom_callback_event');
    t.string('change_type', 64).notNullable();
    t.timestamp('added_at', { useTz: true }).notNullable();
    t.string('welcome_status', 16);
    t.integer('welcome_errcode');
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'userid', 'external_userid', 'state', 'added_at']);
    t.index(['corp_id', 'external_userid']);
    t.index(['link_id', 'added_at']);
    t.index(['rule_id']);
    t.index(['channel_id']);
    t.index(['event_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('acq_attribution');
}
