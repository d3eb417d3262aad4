import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createDb } from '../db/knex';
import { grantRolesByKey, SUPER_ADMIN_ROLE_KEY } from '../db/queries/user-roles';
import { findUserByUsername, insertUser } from '../db/queries/users';
import { savePolicy } from '../domain/distribution/policies';
import { createPartnerWithKey } from '../domain/partners/manage-partners';
import { hashPassword } from '../domain/passwords';

interface DemoCredentials {
  adminUsername: string;
  adminPassword: string;
  partnerSecretKey: string;
  policyId: string;
}

/**
 * Demo data for a newcomer: an admin user, a partner key and a distribution policy with three
 * employees. Idempotent: what exists is kept, and the credentials file remembers the secrets.
 */
async function main(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is required');
  const file = process.env['DEMO_CREDENTIALS_FILE'] ?? path.resolve('.data/demo-credentials.json');
  const db = createDb(url, 2);
  try {
    let creds: Partial<DemoCredentials> = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials)
      : {};
    const username = 'admin';
    if (!(await findUserByUsername(db, username))) {
      const password = randomBytes(9).toString('base64url');
      const admin = await insertUser(db, {
        username,
        passwordHash: await hashPassword(password),
        realName: 'Administrator',
        empNo: '888888',
        cuser: 'seed',
      });
      await grantRolesByKey(db, admin.id, [SUPER_ADMIN_ROLE_KEY]);
      creds = { ...creds, adminUsername: username, adminPassword: password };
    }
    const keyKnown = creds.partnerSecretKey
      ? await db('partner_key')
          .where({ key_id: creds.partnerSecretKey.split('_')[1] })
          .whereNull('revoked_at')
          .first('id')
      : undefined;
    if (!keyKnown) {
      const partner = await createPartnerWithKey(db, { name: 'Demo landing page', rateLimitPerMinute: 60000 }, 'seed');
      creds.partnerSecretKey = partner.secretKey;
    }
    const policyKnown = creds.policyId
      ? await db('distribution_policy').where({ id: creds.policyId, is_del: 0 }).first('id')
      : undefined;
    if (!policyKnown) {
      const { policy } = await savePolicy(
        db,
        {
          name: 'Demo: all partner clues',
          followUpSlaSeconds: 3600,
          recycleMode: 'next_member',
          members: [
            { employeeUserid: 'zhangsan', employeeName: '张三', weight: 3, dailyLimit: 100, roundLimit: 3 },
            { employeeUserid: 'lisi', employeeName: '李四', weight: 2, dailyLimit: 80, roundLimit: 2 },
            { employeeUserid: 'wangwu', employeeName: '王五', weight: 1, dailyLimit: 50, workingHours: '09:00-18:00' },
          ],
        },
        'seed',
      );
      creds.policyId = policy.id;
    }
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
    console.log(JSON.stringify(creds));
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
