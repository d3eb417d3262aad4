import type { Knex } from 'knex';

// Frozen: migrations never import application code.

/**
 * clue_import: one uploaded spreadsheet of clues, found again by the SHA-256 of its bytes (the same
 * file uploaded twice is one import). next_row is the checkpoint: every row before it is committed
 * together with its outcome, so a crashed import resumes there. released_through_row is how far
 * the import has handed its clues to distribution.
 *
 * clue_import_row: the outcome of one data row, keyed by (import, row number), so a chunk retried
 * after a crash cannot store a row twice. Failed and duplicate rows keep their original cells for
 * the error report.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('clue_import', (t) => {
    t.bigIncrements('id').primary();
    t.string('content_sha256', 64).notNullable().unique();
    t.string('file_key', 200).notNullable();
    t.string('file_name', 255).notNullable();
    t.bigInteger('file_size').notNullable();
    // direct: answered within the upload request; workflow: importCluesWorkflow
    t.string('mode', 16).notNullable();
    // running → done | failed
    t.string('status', 16).notNullable().defaultTo('running');
    t.string('workflow_id', 128);
    t.integer('rows_total');
    t.integer('next_row').notNullable().defaultTo(2);
    t.integer('rows_done').notNullable().defaultTo(0);
    t.integer('rows_ok').notNullable().defaultTo(0);
    t.integer('rows_failed').notNullable().defaultTo(0);
    t.integer('rows_duplicate').notNullable().defaultTo(0);
    t.integer('released_through_row').notNullable().defaultTo(1);
    t.integer('rows_released').notNullable().defaultTo(0);
    t.string('error', 1000);
    t.timestamp('finished_at', { useTz: true });
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('cuser', 64);
    t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['ctime']);
  });

  await knex.schema.createTable('clue_import_row', (t) => {
    t.bigInteger('import_id').notNullable().references('clue_import.id');
    // The row's number in the sheet as Excel shows it (the header is row 1).
    t.integer('row_number').notNullable();
    // ok | failed | duplicate
    t.string('outcome', 16).notNullable();
    t.bigInteger('clue_id').references('clue.id');
    t.bigInteger('duplicate_of_clue_id').references('clue.id');
    t.integer('duplicate_of_row');
    // [{column, field, reason}] of a failed row
    t.jsonb('problems');
    // The row's cells in template column order, for failed and duplicate rows
    t.jsonb('cells');
    t.primary(['import_id', 'row_number']);
  });
  await knex.raw('CREATE INDEX clue_import_row_clue_id_index ON clue_import_row (clue_id) WHERE clue_id IS NOT NULL');
  await knex.raw(
    'CREATE INDEX clue_import_row_duplicate_of_clue_id_index ON clue_import_row (duplicate_of_clue_id) ' +
      'WHERE duplicate_of_clue_id IS NOT NULL',
  );
  // The error report reads an import's failed (or duplicate) rows in row order.
  await knex.raw(
    "CREATE INDEX clue_import_row_reported_index ON clue_import_row (import_id, outcome, row_number) WHERE outcome <> 'ok'",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('clue_import_row');
  await knex.schema.dropTable('clue_import');
}
