import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/** Soft delete and audit columns shared by every business table (seed 003: isDel, ctime, cuser, mtime, muser). */
function auditColumns(knex: Knex, t: Knex.CreateTableBuilder): void {
  t.smallint('is_del').notNullable().defaultTo(0);
  t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.string('cuser', 64);
  t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.string('muser', 64);
}

/**
 * Columns of a row mirrored from WeCom: when it vanished there (soft-deleted here with the time)
 * and which full-sync run saw it last, so a run can reconcile what it did not see.
 */
function mirrorColumns(t: Knex.CreateTableBuilder): void {
  t.string('corp_id', 64).notNullable();
  t.timestamp('del_time', { useTz: true });
  t.bigInteger('seen_sync_run');
}

export async function up(knex: Knex): Promise<void> {
  // One row per WeCom corp this installation serves; the configured corp is upserted at boot.
  await knex.schema.createTable('wecom_corp', (t) => {
    t.string('corp_id', 64).primary();
    t.string('name', 128).notNullable().defaultTo('');
    t.string('secret', 256).notNullable();
    t.integer('agent_id');
    t.string('callback_token', 64).notNullable();
    t.string('encoding_aes_key', 43).notNullable();
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // An admin works on one corp; null means the installation's default corp.
  await knex.schema.alterTable('sys_user', (t) => {
    t.string('corp_id', 64);
  });

  await knex.schema.createTable('wecom_dept', (t) => {
    t.bigIncrements('id').primary();
    mirrorColumns(t);
    t.bigInteger('dept_id').notNullable();
    t.string('name', 128).notNullable().defaultTo('');
    t.string('name_en', 128);
    t.bigInteger('parent_id');
    t.bigInteger('dept_order').notNullable().defaultTo(0);
    t.specificType('leaders', 'text[]').notNullable().defaultTo('{}');
    auditColumns(knex, t);
    t.unique(['corp_id', 'dept_id']);
  });

  await knex.schema.createTable('wecom_employee', (t) => {
    t.bigIncrements('id').primary();
    mirrorColumns(t);
    t.string('userid', 64).notNullable();
    t.string('name', 128).notNullable().defaultTo('');
    t.string('alias', 128);
    t.string('position', 128);
    t.string('mobile', 32);
    t.string('email', 254);
    t.smallint('gender');
    t.string('avatar', 1024);
    // WeCom status: 1 activated, 2 disabled, 4 not activated, 5 left the corp.
    t.smallint('status');
    t.bigInteger('main_department');
    t.specificType('departments', 'bigint[]').notNullable().defaultTo('{}');
    t.specificType('is_leader_in_dept', 'smallint[]').notNullable().defaultTo('{}');
    t.string('open_userid', 64);
    // In get_follow_user_list: the member may have external contacts.
    t.boolean('has_contact_feature').notNullable().defaultTo(false);
    auditColumns(knex, t);
    t.unique(['corp_id', 'userid']);
  });
  await knex.raw('CREATE INDEX wecom_employee_name_idx ON wecom_employee (corp_id, name)');

  await knex.schema.createTable('wecom_customer', (t) => {
    t.bigIncrements('id').primary();
    mirrorColumns(t);
    t.string('external_userid', 64).notNullable();
    t.string('name', 128).notNullable().defaultTo('');
    // 1 WeChat user, 2 WeCom user.
    t.smallint('type');
    t.smallint('gender');
    t.string('avatar', 1024);
    t.string('corp_name', 128);
    t.string('corp_full_name', 256);
    t.string('position', 128);
    t.string('unionid', 64);
    t.jsonb('external_profile');
    // Local fields, kept by the SCRM and never overwritten by a sync.
    t.string('local_remark', 512);
    t.string('phone', 32);
    t.bigInteger('clue_id');
    t.timestamp('first_add_time', { useTz: true });
    auditColumns(knex, t);
    t.unique(['corp_id', 'external_userid']);
  });
  await knex.raw('CREATE INDEX wecom_customer_phone_idx ON wecom_customer (phone) WHERE phone IS NOT NULL');
  await knex.raw('CREATE INDEX wecom_customer_clue_idx ON wecom_customer (clue_id) WHERE clue_id IS NOT NULL');

  // One follow-user relation per (customer, employee) pair.
  await knex.schema.createTable('wecom_relation', (t) => {
    t.bigIncrements('id').primary();
    mirrorColumns(t);
    t.string('external_userid', 64).notNullable();
    t.string('userid', 64).notNullable();
    t.string('remark', 64);
    t.string('description', 512);
    t.timestamp('add_time', { useTz: true });
    t.string('remark_corp_name', 128);
    t.specificType('remark_mobiles', 'text[]').notNullable().defaultTo('{}');
    t.string('oper_userid', 64);
    t.integer('add_way');
    t.string('state', 64);
    t.string('wechat_channels_nickname', 128);
    // 0 valid; 1 the employee deleted the customer; 2 the customer deleted the employee;
    // 3 moved away by a transfer; 4 gone in WeCom without a callback (found by a full sync).
    t.smallint('status').notNullable().defaultTo(0);
    t.string('del_source', 64);
    auditColumns(knex, t);
    t.unique(['corp_id', 'external_userid', 'userid']);
  });
  await knex.raw('CREATE INDEX wecom_relation_userid_idx ON wecom_relation (corp_id, userid, status)');
  await knex.raw('CREATE INDEX wecom_relation_add_time_idx ON wecom_relation (corp_id, add_time)');

  await knex.schema.createTable('wecom_corp_tag_group', (t) => {
    t.bigIncrements('id').primary();
    mirrorColumns(t);
    t.string('group_id', 64).notNullable();
    t.string('group_name', 64).notNullable();
    t.bigInteger('group_order').notNullable().defaultTo(0);
    t.timestamp('create_time', { useTz: true });
    auditColumns(knex, t);
    t.unique(['corp_id', 'group_id']);
  });

  await knex.schema.createTable('wecom_corp_tag', (t) => {
    t.bigIncrements('id').primary();
    mirrorColumns(t);
    t.string('tag_id', 64).notNullable();
    t.string('group_id', 64).notNullable();
    t.string('name', 64).notNullable();
    t.bigInteger('tag_order').notNullable().defaultTo(0);
    t.timestamp('create_time', { useTz: true });
    auditColumns(knex, t);
    t.unique(['corp_id', 'tag_id']);
    t.index(['corp_id', 'group_id']);
  });

  // Tags that exist only in the SCRM (never pushed to WeCom).
  await knex.schema.createTable('self_tag_group', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.string('name', 64).notNullable();
    t.bigInteger('group_order').notNullable().defaultTo(0);
    auditColumns(knex, t);
  });
  await knex.raw('CREATE UNIQUE INDEX self_tag_group_name_uq ON self_tag_group (corp_id, name) WHERE is_del = 0');

  await knex.schema.createTable('self_tag', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.bigInteger('group_id').notNullable().references('self_tag_group.id');
    t.string('name', 64).notNullable();
    t.bigInteger('tag_order').notNullable().defaultTo(0);
    auditColumns(knex, t);
    t.index(['group_id']);
  });
  await knex.raw('CREATE UNIQUE INDEX self_tag_name_uq ON self_tag (group_id, name) WHERE is_del = 0');

  // A tag on a customer: a corp tag on one follow-user relation (as WeCom keeps them), or a
  // self-built tag on the customer (userid '' then).
  await knex.schema.createTable('customer_tag', (t) => {
    t.bigIncrements('id').primary();
    mirrorColumns(t);
    t.string('external_userid', 64).notNullable();
    t.string('userid', 64).notNullable().defaultTo('');
    t.string('tag_source', 8).notNullable(); // 'corp' | 'self'
    t.string('tag_id', 64).notNullable();
    auditColumns(knex, t);
    t.unique(['corp_id', 'external_userid', 'userid', 'tag_source', 'tag_id']);
    t.index(['corp_id', 'tag_source', 'tag_id']);
  });

  await knex.schema.createTable('wecom_group_chat', (t) => {
    t.bigIncrements('id').primary();
    mirrorColumns(t);
    t.string('chat_id', 64).notNullable();
    t.string('name', 128).notNullable().defaultTo('');
    t.string('owner', 64);
    t.timestamp('create_time', { useTz: true });
    t.text('notice');
    t.string('member_version', 64);
    // WeCom status: 0 normal, 1 owner resigned, 2 inheriting, 3 inherited.
    t.smallint('status').notNullable().defaultTo(0);
    t.specificType('admin_list', 'text[]').notNullable().defaultTo('{}');
    t.integer('member_count').notNullable().defaultTo(0);
    auditColumns(knex, t);
    t.unique(['corp_id', 'chat_id']);
    t.index(['corp_id', 'owner']);
  });

  await knex.schema.createTable('wecom_group_member', (t) => {
    t.bigIncrements('id').primary();
    mirrorColumns(t);
    t.string('chat_id', 64).notNullable();
    t.string('member_id', 64).notNullable();
    // 1 corp member, 2 external contact.
    t.smallint('member_type').notNullable();
    t.string('unionid', 64);
    t.timestamp('join_time', { useTz: true });
    // API encoding: 1 invited directly, 2 invited via link, 3 scanned the group QR.
    t.smallint('join_scene');
    t.string('invitor', 64);
    t.string('group_nickname', 128);
    t.string('name', 128);
    t.string('state', 64);
    // 0 in the group, 1 left it (quit_time, quit_scene: 0 left voluntarily, 1 removed).
    t.smallint('status').notNullable().defaultTo(0);
    t.timestamp('quit_time', { useTz: true });
    t.smallint('quit_scene');
    auditColumns(knex, t);
    t.unique(['corp_id', 'chat_id', 'member_id']);
    t.index(['corp_id', 'state']);
    t.index(['corp_id', 'member_id']);
  });
  await knex.raw('CREATE INDEX wecom_group_member_join_idx ON wecom_group_member (corp_id, join_time)');
  await knex.raw('CREATE INDEX wecom_group_member_quit_idx ON wecom_group_member (corp_id, quit_time)');

  // Local records about chat groups (remark, category, channel) that WeCom does not hold.
  await knex.schema.createTable('chat_group', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.string('chat_id', 64).notNullable();
    t.string('remark', 512);
    t.string('category', 64);
    t.bigInteger('channel_id');
    auditColumns(knex, t);
  });
  await knex.raw('CREATE UNIQUE INDEX chat_group_chat_uq ON chat_group (corp_id, chat_id) WHERE is_del = 0');

  // Every callback accepted from WeCom, stored before the HTTP answer; processed by a workflow.
  await knex.schema.createTable('wecom_callback_event', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    // SHA-256 of the decrypted XML: a redelivery is byte-identical, two distinct events are not.
    t.string('dedupe_key', 64).notNullable();
    t.string('msg_type', 32);
    t.string('event', 64);
    t.string('change_type', 64);
    t.jsonb('payload').notNullable();
    t.text('plaintext').notNullable();
    t.integer('receive_count').notNullable().defaultTo(1);
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // pending → done | failed; 'pending' rows are (re)started by the dispatcher.
    t.string('status', 16).notNullable().defaultTo('pending');
    t.timestamp('processed_at', { useTz: true });
    t.text('error');
    t.unique(['corp_id', 'dedupe_key']);
  });
  await knex.raw(
    "CREATE INDEX wecom_callback_event_pending_idx ON wecom_callback_event (received_at) WHERE status = 'pending'",
  );

  // One row per full-sync run; rows it saw carry its id in seen_sync_run.
  await knex.schema.createTable('wecom_sync_run', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.string('kind', 32).notNullable();
    t.string('workflow_id', 256).notNullable();
    t.string('run_id', 64).notNullable();
    t.string('status', 16).notNullable().defaultTo('running');
    t.jsonb('stats').notNullable().defaultTo('{}');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.unique(['workflow_id', 'run_id', 'kind']);
    t.index(['corp_id', 'kind']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'wecom_sync_run',
    'wecom_callback_event',
    'chat_group',
    'wecom_group_member',
    'wecom_group_chat',
    'customer_tag',
    'self_tag',
    'self_tag_group',
    'wecom_corp_tag',
    'wecom_corp_tag_group',
    'wecom_relation',
    'wecom_customer',
    'wecom_employee',
    'wecom_dept',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable('sys_user', (t) => {
    t.dropColumn('corp_id');
  });
  await knex.schema.dropTableIfExists('wecom_corp');
}
