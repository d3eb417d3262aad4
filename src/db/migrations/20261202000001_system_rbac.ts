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
 * Roles, menus and the system's own department tree (the HR system's, not WeCom's).
 *
 * - sys_menu is the permission tree. Nodes the route table implies carry a `code` (the permission
 *   of a button, `dir:`/`page:` for the levels above) and are inserted once at boot; an admin's
 *   later edits to their name, order or place are never overwritten.
 * - Grants change rarely and are read on every request: each change bumps the single row of
 *   sys_grant_version, and every API process keeps permissions cached until that number moves.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sys_dept', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('parent_id').references('id').inTable('sys_dept');
    // The HR system's key for the department; its calls name departments by code, never by our id.
    t.string('code', 64);
    t.string('name', 100).notNullable();
    t.integer('order_num').notNullable().defaultTo(0);
    t.string('leader_emp_no', 64);
    auditColumns(knex, t);
  });
  await knex.raw('CREATE UNIQUE INDEX sys_dept_code_uq ON sys_dept (code) WHERE is_del = 0 AND code IS NOT NULL');
  await knex.raw('CREATE INDEX sys_dept_parent_idx ON sys_dept (parent_id) WHERE is_del = 0');

  await knex.schema.createTable('sys_menu', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('parent_id').references('id').inTable('sys_menu');
    // 'directory' | 'menu' | 'button'
    t.string('menu_type', 16).notNullable();
    t.string('name', 100).notNullable();
    t.integer('order_num').notNullable().defaultTo(0);
    t.string('path', 255);
    t.string('icon', 100);
    t.boolean('visible').notNullable().defaultTo(true);
    t.string('permission', 100);
    // Set on nodes created from the route table, so the boot step finds them again.
    t.string('code', 100);
    auditColumns(knex, t);
  });
  await knex.raw('CREATE UNIQUE INDEX sys_menu_code_uq ON sys_menu (code)');
  await knex.raw('CREATE UNIQUE INDEX sys_menu_permission_uq ON sys_menu (permission) WHERE is_del = 0');
  await knex.raw('CREATE INDEX sys_menu_parent_idx ON sys_menu (parent_id) WHERE is_del = 0');

  await knex.schema.createTable('sys_role', (t) => {
    t.bigIncrements('id').primary();
    t.string('name', 64).notNullable();
    t.string('role_key', 64).notNullable();
    t.integer('order_num').notNullable().defaultTo(0);
    // 0 active, 1 disabled (as sys_user.account_status).
    t.smallint('status').notNullable().defaultTo(0);
    // 1 all, 2 custom departments, 3 own department, 4 own department and below, 5 self only.
    t.smallint('data_scope').notNullable().defaultTo(5);
    // The super-admin role: holds every permission, cannot be deleted, disabled or narrowed.
    t.boolean('built_in').notNullable().defaultTo(false);
    t.string('remark', 500);
    auditColumns(knex, t);
  });
  await knex.raw('CREATE UNIQUE INDEX sys_role_key_uq ON sys_role (lower(role_key)) WHERE is_del = 0');
  await knex.raw('ALTER TABLE sys_role ADD CONSTRAINT sys_role_scope_ck CHECK (data_scope BETWEEN 1 AND 5)');

  await knex.schema.createTable('sys_role_menu', (t) => {
    t.bigInteger('role_id').notNullable().references('id').inTable('sys_role').onDelete('CASCADE');
    t.bigInteger('menu_id').notNullable().references('id').inTable('sys_menu').onDelete('CASCADE');
    t.primary(['role_id', 'menu_id']);
    t.index(['menu_id']);
  });
  await knex.schema.createTable('sys_role_dept', (t) => {
    t.bigInteger('role_id').notNullable().references('id').inTable('sys_role').onDelete('CASCADE');
    t.bigInteger('dept_id').notNullable().references('id').inTable('sys_dept').onDelete('CASCADE');
    t.primary(['role_id', 'dept_id']);
  });
  await knex.schema.createTable('sys_user_role', (t) => {
    t.bigInteger('user_id').notNullable().references('id').inTable('sys_user').onDelete('CASCADE');
    t.bigInteger('role_id').notNullable().references('id').inTable('sys_role').onDelete('CASCADE');
    t.primary(['user_id', 'role_id']);
    t.index(['role_id']);
  });

  await knex.schema.createTable('sys_grant_version', (t) => {
    t.smallint('id').primary();
    t.bigInteger('version').notNullable().defaultTo(0);
  });
  await knex('sys_grant_version').insert({ id: 1, version: 0 });

  await knex.schema.alterTable('sys_user', (t) => {
    // Set by an admin's password reset: the one-time password must be changed at next login.
    t.boolean('must_change_password').notNullable().defaultTo(false);
  });
  await knex.raw('CREATE UNIQUE INDEX sys_user_emp_no_uq ON sys_user (emp_no) WHERE is_del = 0 AND emp_no IS NOT NULL');
  await knex.raw(
    `CREATE UNIQUE INDEX sys_user_wecom_userid_uq ON sys_user (coalesce(corp_id, ''), wecom_userid)
       WHERE is_del = 0 AND wecom_userid IS NOT NULL`,
  );
  await knex.raw('CREATE INDEX sys_user_dept_idx ON sys_user (dept_id) WHERE is_del = 0');

  const [superAdmin] = await knex('sys_role')
    .insert({
      name: '超级管理员',
      role_key: 'super_admin',
      order_num: 0,
      data_scope: 1,
      built_in: true,
      cuser: 'system',
    })
    .returning('id');
  // Users that existed before roles did could do everything; they keep that.
  await knex.raw(`INSERT INTO sys_user_role (user_id, role_id) SELECT id, ? FROM sys_user WHERE is_del = 0`, [
    (superAdmin as { id: string }).id,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS sys_user_emp_no_uq');
  await knex.raw('DROP INDEX IF EXISTS sys_user_wecom_userid_uq');
  await knex.raw('DROP INDEX IF EXISTS sys_user_dept_idx');
  await knex.schema.alterTable('sys_user', (t) => t.dropColumn('must_change_password'));
  for (const table of [
    'sys_grant_version',
    'sys_user_role',
    'sys_role_dept',
    'sys_role_menu',
    'sys_role',
    'sys_menu',
    'sys_dept',
  ]) {
    await knex.schema.dropTable(table);
  }
}
