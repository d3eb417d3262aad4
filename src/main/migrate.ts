import { createDb, migrateToLatest } from '../db/knex';
import { ensureDatabase } from '../db/ensure-database';

/** Creates the database when missing and applies pending migrations. Reads only DATABASE_URL. */
async function main(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is required');
  if (await ensureDatabase(url)) console.log(`created database ${new URL(url).pathname.slice(1)}`);
  const db = createDb(url, 2);
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
