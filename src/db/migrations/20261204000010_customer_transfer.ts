import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * customer_transfer: one in-service transfer (在职继承) an admin asked for; customer_transfer_item:
 * one customer of it, from the local check to WeCom's final status. The items are also the local
 * record of WeCom's 90-day rule (at most 2 done or waiting transfers per customer).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customer_transfer', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    // Null when each customer went from its own current follow user.
    t.string('handover_userid', 64);
    t.string('takeover_userid', 64).notNullable();
    t.string('transfer_msg', 200);
    // running → done (every item final).
    t.string('status', 16).notNullable().defaultTo('running');
    // Outbox: set once Temporal accepted the workflow's start.
    t.timestamp('workflow_started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('cuser', 64);
    t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['corp_id', 'id']);
  });
  await knex.raw(
    "CREATE INDEX customer_transfer_unstarted_idx ON customer_transfer (id) WHERE status = 'running' AND workflow_started_at IS NULL",
  );

  await knex.schema.createTable('customer_transfer_item', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('transfer_id').notNullable().references('customer_transfer.id');
    t.string('corp_id', 64).notNullable();
    t.string('external_userid', 64).notNullable();
    t.string('handover_userid', 64);
    t.string('takeover_userid', 64).notNullable();
    // The clue linked to the customer when asked (its owner follows the customer on success).
    t.bigInteger('clue_id').references('clue.id');
    // Null: passed the local check; else the code of the rule it broke (never sent to WeCom).
    t.string('check_result', 32);
    // Set before transfer_customer is called for the item: a retry knows the call may have gone out.
    t.timestamp('sent_at', { useTz: true });
    t.integer('errcode');
    // WeCom transfer_result: 1 done, 2 waiting, 3 refused, 4 takeover at its limit, 5 no record.
    t.smallint('status');
    t.timestamp('takeover_time', { useTz: true });
    t.string('reason', 200);
    t.boolean('final').notNullable().defaultTo(false);
    // Set once a final outcome was applied to the mirror, the clue and the timeline.
    t.timestamp('applied_at', { useTz: true });
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['transfer_id', 'external_userid']);
    t.index(['clue_id']);
    t.index(['corp_id', 'external_userid', 'ctime']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_transfer_item');
  await knex.schema.dropTable('customer_transfer');
}
