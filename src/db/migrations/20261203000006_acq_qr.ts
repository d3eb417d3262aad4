import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * Channel QR codes (渠道活码) are acq_link rows of `kind` 'qr', so the states they hand to WeCom
 * live in acq_state like every link's and an add event is attributed to a code the same way as to
 * a link. Their members are acq_link_rule rows (the same rule fields; they have no WeCom object
 * of their own).
 *
 * - qr_type: 'single' (type 1, one member) or 'multi' (type 2, members and/or departments).
 * - config_id / qr_code: the code's one WeCom contact way.
 * - pushed_users / pushed_parties: the member list WeCom holds now. For a multi-person code it is
 *   the members eligible at the last recompute (working hours, daily limit), so a recompute that
 *   finds the same list calls nothing.
 * - members_note: why the pushed list is not the eligible one (nobody eligible: the last is kept).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('acq_link', (t) => {
    t.string('kind', 8).notNullable().defaultTo('link');
    t.string('qr_type', 8);
    t.string('remark', 255);
    t.string('config_id', 128);
    t.text('qr_code');
    t.specificType('pushed_users', 'text[]');
    t.specificType('pushed_parties', 'text[]');
    t.text('members_note');
    t.index(['corp_id', 'kind', 'status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('acq_link', (t) => {
    t.dropIndex(['corp_id', 'kind', 'status']);
    t.dropColumn('members_note');
    t.dropColumn('pushed_parties');
    t.dropColumn('pushed_users');
    t.dropColumn('qr_code');
    t.dropColumn('config_id');
    t.dropColumn('remark');
    t.dropColumn('qr_type');
    t.dropColumn('kind');
  });
}
