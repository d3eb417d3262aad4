import type { Knex } from 'knex';

// Frozen: migrations never import application code.

function auditColumns(knex: Knex, t: Knex.CreateTableBuilder): void {
  t.smallint('is_del').notNullable().defaultTo(0);
  t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.string('cuser', 64);
  t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.string('muser', 64);
}

/**
 * Acquisition: where customers come from and how they reach an employee.
 *
 * - acq_channel: a source of customers (ad platform, poster, website, partner…).
 * - acq_link: an acquisition link of a channel with its allocation rules. `generation` counts the
 *   saves that change what WeCom should hold; `applied_generation` is the last one the publishing
 *   workflow brought to WeCom, so a link whose two differ is still being published.
 * - acq_link_rule: one employee of a link with weight and limits, and the single-person WeCom
 *   object (contact way or acquisition link) that gives this rule its own code and URL. A rule
 *   removed from the link keeps its row (is_del = 1) until its WeCom object is deleted there.
 * - acq_state: every `state` handed to WeCom, unique per corp, mapping an add event back to its
 *   link and rule.
 * - acq_rule_day: per rule and corp-local day, how many visitors were handed this rule's code
 *   (today's count and the current round's), the counters allocation at scan time takes atomically.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('acq_channel', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.string('name', 64).notNullable();
    t.string('type', 16).notNullable();
    t.smallint('status').notNullable().defaultTo(1);
    t.string('owner', 64);
    t.string('remark', 512);
    auditColumns(knex, t);
    t.index(['corp_id', 'type']);
  });
  await knex.raw('CREATE UNIQUE INDEX acq_channel_name_uq ON acq_channel (corp_id, lower(name)) WHERE is_del = 0');

  await knex.schema.createTable('acq_link', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.string('link_name', 30).notNullable();
    t.bigInteger('channel_id').references('id').inTable('acq_channel');
    t.string('channel_type', 16);
    t.specificType('user_list', 'text[]').notNullable().defaultTo('{}');
    t.specificType('department_list', 'text[]').notNullable().defaultTo('{}');
    t.jsonb('user_json').notNullable().defaultTo('[]');
    t.string('allocation_method', 16).notNullable().defaultTo('weight');
    t.integer('daily_limit');
    t.smallint('priority_type');
    t.specificType('priority_userid_list', 'text[]').notNullable().defaultTo('{}');
    t.boolean('skip_verify').notNullable().defaultTo(true);
    t.specificType('cst_tags', 'text[]').notNullable().defaultTo('{}');
    t.smallint('is_send_welcome').notNullable().defaultTo(0);
    t.text('welcome_content');
    t.specificType('media_ids', 'bigint[]').notNullable().defaultTo('{}');
    t.smallint('status').notNullable().defaultTo(0);
    t.text('status_reason');
    t.integer('add_friend_count').notNullable().defaultTo(0);
    t.integer('open_profile_count').notNullable().defaultTo(0);
    t.string('state', 30).notNullable();
    t.string('wecom_link_id', 128);
    t.text('url');
    t.integer('generation').notNullable().defaultTo(0);
    t.integer('applied_generation').notNullable().defaultTo(0);
    auditColumns(knex, t);
    t.index(['channel_id']);
    t.index(['corp_id', 'status']);
  });

  await knex.schema.createTable('acq_link_rule', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.bigInteger('link_id').notNullable().references('id').inTable('acq_link');
    t.string('user_id', 64).notNullable();
    t.integer('weight').notNullable().defaultTo(1);
    t.integer('daily_limit');
    t.integer('round_limit');
    t.string('working_hours', 17);
    t.string('get_type', 4).notNullable().defaultTo('qr');
    t.string('state', 30).notNullable();
    t.string('wecom_kind', 4);
    t.string('config_link_id', 128);
    t.text('qr_code');
    t.text('link_url');
    t.integer('position').notNullable().defaultTo(0);
    auditColumns(knex, t);
    t.index(['link_id']);
  });

  await knex.schema.createTable('acq_state', (t) => {
    t.string('corp_id', 64).notNullable();
    t.string('state', 30).notNullable();
    t.bigInteger('link_id').notNullable().references('id').inTable('acq_link');
    t.bigInteger('rule_id').references('id').inTable('acq_link_rule');
    t.primary(['corp_id', 'state']);
    t.index(['link_id']);
    t.index(['rule_id']);
  });

  await knex.schema.createTable('acq_rule_day', (t) => {
    t.bigInteger('rule_id').notNullable().references('id').inTable('acq_link_rule');
    t.date('day').notNullable();
    t.integer('hits').notNullable().defaultTo(0);
    t.integer('round_no').notNullable().defaultTo(0);
    t.integer('round_hits').notNullable().defaultTo(0);
    t.primary(['rule_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('acq_rule_day');
  await knex.schema.dropTable('acq_state');
  await knex.schema.dropTable('acq_link_rule');
  await knex.schema.dropTable('acq_link');
  await knex.raw('DROP INDEX IF EXISTS acq_channel_name_uq');
  await knex.schema.dropTable('acq_channel');
}
