import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * A partner's repeat of a businessId whose clue row another transaction holds (a distribution
 * mid-assignment, an admin edit) is stored here instead of waiting for the row, and applied to the
 * clue, in arrival order, once the row is free. The columns are the clue's own, with its types, so a
 * value the clue cannot hold is refused at intake, not when it is applied. No foreign key to clue:
 * checking it would wait for the very row lock this table exists to avoid.
 */
const FIELDS = [
  'link_man_name',
  'link_man_tel',
  'phone_normalized',
  'email',
  'address',
  'wechat',
  'remark',
  'source',
  'from_page',
  'land_page',
  'submit_page',
  'device',
  'tag',
  'se',
  'chat',
];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('clue_intake_deferred', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('clue_id').notNullable();
    t.string('link_man_name', 64).notNullable();
    t.string('link_man_tel', 32).notNullable();
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
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('cuser', 64);
    t.index(['clue_id', 'id']);
  });
}

/** Repeats still waiting are applied to their clues first, so going back loses none of them. */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    `WITH taken AS (
       DELETE FROM clue_intake_deferred RETURNING *
     ), latest AS (
       SELECT DISTINCT ON (clue_id) * FROM taken ORDER BY clue_id, id DESC
     ), counts AS (
       SELECT clue_id, count(*)::int AS n FROM taken GROUP BY clue_id
     ), applied AS (
       UPDATE clue c
          SET ${FIELDS.map((f) => `${f} = l.${f}`).join(', ')},
              receive_count = c.receive_count + n.n, mtime = now(), muser = l.cuser
         FROM latest l JOIN counts n ON n.clue_id = l.clue_id
        WHERE c.id = l.clue_id
     )
     INSERT INTO clue_event (clue_id, kind, cuser, ctime)
     SELECT clue_id, 'intake_update', cuser, ctime FROM taken ORDER BY id`,
  );
  await knex.schema.dropTable('clue_intake_deferred');
}
