import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * - mini_program_app: the WeChat credentials of a corp's mini-program (AppID + AppSecret), which a
 *   mini link needs to have WeChat generate a URL scheme per visit. The secret is kept like the
 *   corp secrets in wecom_corp: in its own column, never answered by the API.
 * - mini_link (corp_id, cover_material_id): deleting a material looks for the live links that use
 *   it as their cover.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mini_program_app', (t) => {
    t.string('corp_id', 64).notNullable();
    t.string('app_id', 32).notNullable();
    t.string('app_secret', 256).notNullable();
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('cuser', 64);
    t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('muser', 64);
    t.primary(['corp_id', 'app_id']);
  });
  await knex.raw(
    'CREATE INDEX mini_link_cover_material_idx ON mini_link (corp_id, cover_material_id) ' +
      'WHERE cover_material_id IS NOT NULL AND is_del = 0',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS mini_link_cover_material_idx');
  await knex.schema.dropTable('mini_program_app');
}
