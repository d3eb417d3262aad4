import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * A group member row is one stay in the group (join to quit), so leaving and rejoining keeps the
 * departure: at most one current stay (status 0) per member and group, any number of past ones.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('wecom_group_member', (t) => {
    t.dropUnique(['corp_id', 'chat_id', 'member_id']);
  });
  await knex.raw(
    'CREATE UNIQUE INDEX wecom_group_member_current_uq ON wecom_group_member (corp_id, chat_id, member_id) WHERE status = 0',
  );
  await knex.raw(
    'CREATE INDEX wecom_group_member_stay_idx ON wecom_group_member (corp_id, chat_id, member_id, join_time)',
  );
}

export async function down(knex: Knex): Promise<void> {
  // One row per member and group again: its current stay, else its latest one.
  await knex.raw(`
    DELETE FROM wecom_group_member m
     USING (SELECT id,
                   row_number() OVER (PARTITION BY corp_id, chat_id, member_id
                                      ORDER BY status ASC, join_time DESC NULLS LAST, id DESC) AS n
              FROM wecom_group_member) r
     WHERE m.id = r.id AND r.n > 1`);
  await knex.raw('DROP INDEX wecom_group_member_stay_idx');
  await knex.raw('DROP INDEX wecom_group_member_current_uq');
  await knex.schema.alterTable('wecom_group_member', (t) => {
    t.unique(['corp_id', 'chat_id', 'member_id']);
  });
}
