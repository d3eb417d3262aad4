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
 * - group_join_qr: a group-join QR code (WeCom join way, 加入群聊) of a channel. `state` is handed
 *   to WeCom and comes back on every member who joins through the code (groupchat/get
 *   member_list[].state, mirrored in wecom_group_member.state): that is the attribution, so a
 *   state is unique per corp over all rows, deleted ones included, and never handed out twice.
 *   Join figures are counted from the member mirror, not kept here, so redelivered callbacks and
 *   resyncs cannot skew them.
 * - mini_link: a mini-program promotion link of a channel (app, page, query, title, cover).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('group_join_qr', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.string('name', 64).notNullable();
    t.bigInteger('channel_id').references('id').inTable('acq_channel');
    t.string('channel_type', 16);
    // WeCom: 1 group mini-program plugin, 2 group QR plugin (the one with a qr_code).
    t.smallint('scene').notNullable().defaultTo(2);
    t.specificType('chat_id_list', 'text[]').notNullable();
    t.smallint('auto_create_room').notNullable().defaultTo(1);
    t.string('room_base_name', 40);
    t.integer('room_base_id');
    t.string('state', 30).notNullable();
    t.string('remark', 30);
    t.string('config_id', 64).notNullable();
    t.text('qr_code');
    // 1 in use, 2 WeCom no longer knows the join way (found when reading or editing it).
    t.smallint('status').notNullable().defaultTo(1);
    auditColumns(knex, t);
    t.index(['channel_id']);
    t.index(['corp_id', 'is_del']);
  });
  await knex.raw('CREATE UNIQUE INDEX group_join_qr_state_uq ON group_join_qr (corp_id, state)');
  await knex.raw('CREATE UNIQUE INDEX group_join_qr_config_uq ON group_join_qr (corp_id, config_id) WHERE is_del = 0');

  await knex.schema.createTable('mini_link', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.string('name', 64).notNullable();
    t.string('app_id', 32).notNullable();
    t.string('page_path', 256).notNullable();
    t.string('query', 512);
    t.string('title', 64);
    // A material row; the material table comes with its own migration, so no foreign key here.
    t.bigInteger('cover_material_id');
    t.bigInteger('channel_id').references('id').inTable('acq_channel');
    t.string('channel_type', 16);
    t.string('state', 30).notNullable();
    t.string('remark', 512);
    auditColumns(knex, t);
    t.index(['channel_id']);
    t.index(['corp_id', 'channel_type']);
  });
  await knex.raw('CREATE UNIQUE INDEX mini_link_state_uq ON mini_link (corp_id, state)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS mini_link_state_uq');
  await knex.schema.dropTable('mini_link');
  await knex.raw('DROP INDEX IF EXISTS group_join_qr_config_uq');
  await knex.raw('DROP INDEX IF EXISTS group_join_qr_state_uq');
  await knex.schema.dropTable('group_join_qr');
}
