import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * material: the corp's library of things a welcome message, link or group message can carry
 * (text, image, link, mini-program, video, file), by scope (1 customer, 2 group chat, 3 app
 * message). File materials keep their original in the file store (`file_key`, content-checked at
 * upload) and a WeCom temporary `media_id`, valid 3 days from `media_uploaded_at` (WeCom's own
 * created_at), which is re-uploaded from the original when it runs out. `image_url` is the
 * permanent media/uploadimg URL of an image (≤ 2 MB), for bodies that need a URL. Soft-deleted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('material', (t) => {
    t.bigIncrements('id').primary();
    t.string('corp_id', 64).notNullable();
    t.string('type', 16).notNullable();
    t.smallint('scope').notNullable();
    t.string('title', 128);
    t.text('content');
    t.string('description', 512);
    t.text('url');
    t.text('pic_url');
    t.string('appid', 64);
    t.text('page');
    t.string('file_key', 200);
    t.string('file_name', 255);
    t.bigInteger('size');
    t.string('mime', 100);
    t.string('media_type', 8);
    t.string('media_id', 256);
    t.timestamp('media_uploaded_at', { useTz: true });
    t.text('image_url');
    t.smallint('is_del').notNullable().defaultTo(0);
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('cuser', 64);
    t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('muser', 64);
  });
  await knex.raw(
    "ALTER TABLE material ADD CONSTRAINT material_type_ck CHECK (type IN ('text', 'image', 'link', 'miniprogram', 'video', 'file'))",
  );
  await knex.raw('ALTER TABLE material ADD CONSTRAINT material_scope_ck CHECK (scope IN (1, 2, 3))');
  await knex.raw('CREATE INDEX material_corp_type_idx ON material (corp_id, type, scope, id) WHERE is_del = 0');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('material');
}
