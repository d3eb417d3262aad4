import { parseArgs } from 'node:util';
import { createDb } from '../db/knex';
import { DomainError, ValidationError } from '../domain/errors';
import { createSuperAdmin } from '../domain/users/bootstrap';

const USAGE = 'usage: npm run admin:create -- <username> [--password <password>]';

/**
 * Creates a super admin: `npm run admin:create -- <username> [--password P]`. Without a password
 * one is generated and printed once. Refuses a username that exists. Needs DATABASE_URL.
 */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { password: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help || positionals.length !== 1) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const url = process.env['DATABASE_URL'];
  if (!url) {
    console.error('DATABASE_URL is required');
    return 2;
  }
  const db = createDb(url, 2);
  try {
    const created = await createSuperAdmin(
      db,
      { username: positionals[0] as string, ...(values.password !== undefined ? { password: values.password } : {}) },
      'admin:create',
    );
    console.log(`created super admin ${created.user.username} (id ${created.user.id})`);
    if (created.generated) console.log(`password: ${created.password}`);
    return 0;
  } catch (error) {
    if (error instanceof ValidationError) {
      console.error(
        `refused: ${error.problems.map((p) => `${p.field === 'password' ? '--password' : p.field} ${p.message}`).join('; ')}`,
      );
      return 1;
    }
    if (error instanceof DomainError) {
      console.error(`refused: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
