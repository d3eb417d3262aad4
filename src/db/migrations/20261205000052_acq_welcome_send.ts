import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * One row per add event whose welcome is being or was sent. The API sends a welcome as soon as
 * the callback is stored, and the event's workflow sends it if the API did not: the row is the
 * claim that lets exactly one of them call WeCom at a time, and the outcome both then read.
 * A claim older than its lease (a process that died mid-send) may be taken over.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('acq_welcome_send', (t) => {
    t.bigInteger('event_id').primary().references('wecom_callback_event.id').onDelete('CASCADE');
    // sending → sent | already_sent | expired | failed
    t.string('status', 16).notNullable();
    t.integer('errcode');
    // api | worker: who sent it (or is sending it).
    t.string('sender', 16).notNullable();
    t.timestamp('claimed_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('acq_welcome_send');
}
