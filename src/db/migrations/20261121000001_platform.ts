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

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sys_user', (t) => {
    t.bigIncrements('id').primary();
    t.string('username', 64).notNullable();
    t.string('password_hash', 255).notNullable();
    t.string('emp_no', 64);
    t.string('real_name', 64);
    t.string('phone_num', 32);
    t.string('email', 254);
    t.string('avatar', 1024);
    t.string('wecom_userid', 64);
    t.bigInteger('dept_id');
    // 0 active, 1 disabled (the seed token's account_status claim).
    t.smallint('account_status').notNullable().defaultTo(0);
    // Bumped on password change so tokens issued before it stop working.
    t.integer('token_version').notNullable().defaultTo(0);
    auditColumns(knex, t);
  });
  await knex.raw('CREATE UNIQUE INDEX sys_user_username_uq ON sys_user (lower(username)) WHERE is_del = 0');

  await knex.schema.createTable('partner', (t) => {
    t.bigIncrements('id').primary();
    t.string('name', 128).notNullable();
    t.integer('rate_limit_per_minute');
    t.string('remark', 512);
    auditColumns(knex, t);
  });

  await knex.schema.createTable('partner_key', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('partner_id').notNullable().references('partner.id');
    // Public half of the key, used to find the row; the secret half is stored only as a SHA-256 digest.
    t.string('key_id', 32).notNullable().unique();
    t.binary('secret_sha256').notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('cuser', 64);
    t.index(['partner_id']);
  });

  await knex.schema.createTable('distribution_policy', (t) => {
    t.bigIncrements('id').primary();
    t.string('name', 128).notNullable();
    // Lower value is tried first when several policies match a clue.
    t.integer('priority').notNullable().defaultTo(100);
    t.boolean('enabled').notNullable().defaultTo(true);
    t.specificType('match_sources', 'integer[]').notNullable().defaultTo('{}');
    t.specificType('match_tags', 'text[]').notNullable().defaultTo('{}');
    t.specificType('match_land_pages', 'text[]').notNullable().defaultTo('{}');
    t.specificType('match_partner_ids', 'bigint[]').notNullable().defaultTo('{}');
    t.string('timezone', 64).notNullable().defaultTo('Asia/Shanghai');
    t.integer('follow_up_sla_seconds').notNullable().defaultTo(86400);
    // What happens when the SLA passes without a follow-up: back to the pool, or on to the next member.
    t.string('recycle_mode', 16).notNullable().defaultTo('pool');
    // Current round of the day: members' round counters only count within it.
    t.date('round_day');
    t.integer('round_no').notNullable().defaultTo(0);
    auditColumns(knex, t);
  });

  await knex.schema.createTable('distribution_member', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('policy_id').notNullable().references('distribution_policy.id');
    t.string('employee_userid', 64).notNullable();
    t.string('employee_name', 64);
    t.integer('weight').notNullable().defaultTo(1);
    t.integer('daily_limit');
    t.integer('round_limit');
    t.string('working_hours', 64);
    t.boolean('active').notNullable().defaultTo(true);
    auditColumns(knex, t);
    t.index(['policy_id']);
  });
  await knex.raw(
    'CREATE UNIQUE INDEX distribution_member_policy_employee_uq ON distribution_member (policy_id, employee_userid) WHERE is_del = 0',
  );

  await knex.schema.createTable('distribution_counter', (t) => {
    t.bigInteger('member_id').notNullable().references('distribution_member.id');
    t.date('day').notNullable();
    t.integer('assigned_count').notNullable().defaultTo(0);
    t.integer('round_no').notNullable().defaultTo(0);
    t.integer('round_count').notNullable().defaultTo(0);
    t.primary(['member_id', 'day']);
  });

  await knex.schema.createTable('clue', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('partner_id').references('partner.id');
    t.string('business_id', 64);
    t.string('link_man_name', 64).notNullable();
    t.string('link_man_tel', 32).notNullable();
    // Digits only, without the +86 prefix: what duplicate detection compares.
    t.string('phone_normalized', 32).notNullable();
    t.string('email', 254);
    t.string('address', 256);
    t.string('wechat', 64);
    t.text('remark');
    t.integer('source');
    t.string('from_page', 2048);
    t.string('land_page', 2048);
    t.string('submit_page', 2048);
    t.string('device', 16);
    t.string('tag', 64);
    t.string('se', 64);
    t.text('chat');
    // pending → waiting | assigned → followed; recycled back to pool; closed.
    t.string('status', 16).notNullable().defaultTo('pending');
    // Outbox state of the distribution workflow: pending until Temporal accepted the start.
    t.string('distribution_state', 16).notNullable().defaultTo('pending');
    t.integer('dispatch_attempts').notNullable().defaultTo(0);
    t.string('last_dispatch_error', 512);
    t.timestamp('distribution_started_at', { useTz: true });
    t.bigInteger('policy_id').references('distribution_policy.id');
    t.string('owner_userid', 64);
    t.string('owner_name', 64);
    t.timestamp('assigned_at', { useTz: true });
    t.integer('assignment_seq').notNullable().defaultTo(0);
    t.timestamp('first_follow_up_at', { useTz: true });
    t.string('waiting_reason', 64);
    t.bigInteger('duplicate_of_clue_id').references('clue.id');
    t.integer('receive_count').notNullable().defaultTo(1);
    auditColumns(knex, t);
    t.index(['policy_id']);
    t.index(['duplicate_of_clue_id']);
    t.index(['phone_normalized']);
    t.index(['status', 'ctime']);
    t.index(['owner_userid']);
  });
  await knex.raw('CREATE UNIQUE INDEX clue_partner_business_uq ON clue (partner_id, business_id)');
  await knex.raw("CREATE INDEX clue_distribution_pending_idx ON clue (id) WHERE distribution_state = 'pending'");

  await knex.schema.createTable('clue_assignment', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('clue_id').notNullable().references('clue.id');
    // The clue's assignment sequence number this row created; unique so a retried activity cannot assign twice.
    t.integer('seq').notNullable();
    t.bigInteger('policy_id').references('distribution_policy.id');
    t.bigInteger('member_id').references('distribution_member.id');
    t.string('employee_userid', 64).notNullable();
    t.string('employee_name', 64);
    // auto | manual | recycle
    t.string('kind', 16).notNullable();
    t.string('operator', 64);
    t.timestamp('assigned_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('ended_at', { useTz: true });
    t.string('end_reason', 32);
    t.unique(['clue_id', 'seq']);
    t.index(['policy_id']);
    t.index(['member_id']);
  });

  await knex.schema.createTable('clue_follow_up', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('clue_id').notNullable().references('clue.id');
    t.string('employee_userid', 64);
    t.text('content').notNullable();
    t.string('method', 32);
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('cuser', 64);
    t.index(['clue_id']);
  });

  // Everything that happened to a clue, in order: the timeline of the detail page.
  await knex.schema.createTable('clue_event', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('clue_id').notNullable().references('clue.id');
    t.string('kind', 32).notNullable();
    t.jsonb('detail');
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('cuser', 64);
    t.index(['clue_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'clue_event',
    'clue_follow_up',
    'clue_assignment',
    'clue',
    'distribution_counter',
    'distribution_member',
    'distribution_policy',
    'partner_key',
    'partner',
    'sys_user',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
