import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * State of the HR system ("Nexus") integration, kept in PostgreSQL so that it holds across API
 * processes:
 *
 * - nexus_signature_seen: every accepted request signature until its timestamp leaves the
 *   signature window; a signature found here again is a replay.
 * - nexus_sso_session: an HR token (only its SHA-256) exchanged for our session, valid 12 hours
 *   from the first exchange. The session token itself is not stored: `claims` is the token's
 *   payload exactly as signed, and signing it again gives the same token.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('nexus_signature_seen', (t) => {
    t.binary('signature').primary();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });

  await knex.schema.createTable('nexus_sso_session', (t) => {
    t.bigIncrements('id').primary();
    t.binary('hr_token_sha256').notNullable().unique();
    t.bigInteger('user_id').notNullable().references('id').inTable('sys_user').onDelete('CASCADE');
    t.text('claims').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id']);
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('nexus_sso_session');
  await knex.schema.dropTable('nexus_signature_seen');
}
