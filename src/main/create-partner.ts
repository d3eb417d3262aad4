import { createDb } from '../db/knex';
import { createPartnerWithKey } from '../domain/partners/manage-partners';

/** Usage: npm run partner:create -- "Partner name" [ratePerMinute]. Prints the secret key once. */
async function main(): Promise<void> {
  const [name, rate] = process.argv.slice(2);
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is required');
  if (!name?.trim()) throw new Error('usage: npm run partner:create -- "Partner name" [ratePerMinute]');
  const db = createDb(url, 1);
  try {
    const created = await createPartnerWithKey(db, { name, rateLimitPerMinute: rate ? Number(rate) : null }, 'cli');
    console.log(JSON.stringify(created, null, 2));
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
