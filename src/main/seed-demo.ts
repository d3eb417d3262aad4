import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppDeps } from '../api/app';
import { permissionTree } from '../api/permission-tree';
import { allRoutes } from '../api/routes';
import { createDb, type Db } from '../db/knex';
import { bumpGrantVersion } from '../db/queries/access';
import { grantRolesByKey, SUPER_ADMIN_ROLE_KEY } from '../db/queries/user-roles';
import { findUserByUsername, findUserByWecomUserid, insertUser } from '../db/queries/users';
import { DATA_SCOPE } from '../domain/access/user-access';
import { seedPermissionNodes } from '../domain/menus/seed-permission-nodes';
import { generatePassword } from '../domain/users/password-policy';
import type { Actor } from '../domain/users/super-admins';
import { saveUser } from '../domain/users/users';
import { bindWecomUserid } from '../domain/users/wecom-binding';
import { savePolicy } from '../domain/distribution/policies';
import { createPartnerWithKey } from '../domain/partners/manage-partners';
import { hashPassword } from '../domain/passwords';
import { generateCorpData } from '../wecom/simulator/corp-generator';
import { loadSimulatorConfig } from './wecom-simulator';

interface DemoLogin {
  username: string;
  password: string;
  role: string;
  dept: string;
  wecomUserid: string | null;
}

interface DemoCredentials {
  adminUsername: string;
  adminPassword: string;
  partnerSecretKey: string;
  policyId: string;
  salesLogins: DemoLogin[];
}

const SEED_ACTOR: Actor = { id: '0', username: 'seed', superAdmin: true };

/** The demo's department tree, by HR code: a sales department with two teams. */
const DEMO_DEPTS = [
  { code: 'demo-sales', name: '销售部', parent: null, order: 1 },
  { code: 'demo-sales-1', name: '销售一组', parent: 'demo-sales', order: 1 },
  { code: 'demo-sales-2', name: '销售二组', parent: 'demo-sales', order: 2 },
] as const;

const DEMO_ROLES = [
  { key: 'sales_manager', name: '销售经理', dataScope: DATA_SCOPE.OWN_DEPT_AND_BELOW },
  { key: 'sales', name: '销售', dataScope: DATA_SCOPE.SELF },
] as const;

const DEMO_USERS = [
  { username: 'manager', empNo: 'DEMO-M01', role: 'sales_manager', dept: 'demo-sales' },
  { username: 'sales1', empNo: 'DEMO-S01', role: 'sales', dept: 'demo-sales-1' },
  { username: 'sales2', empNo: 'DEMO-S02', role: 'sales', dept: 'demo-sales-2' },
] as const;

/** Read access to clues, customers, relations and groups: what the sales roles are granted. */
const READ_PREFIXES = new Set(['clue', 'clueDetail', 'customer', 'relation', 'group', 'groupMember']);
const WRITE_ACTION = /^(save|update|sync|batch|delete|assign|create|revoke)/i;

function readPermissions(): string[] {
  return permissionTree(allRoutes({} as AppDeps))
    .flatMap((node) => (node.permission ? [node.permission] : []))
    .filter((permission) => {
      const [prefix = '', action = ''] = permission.split(':');
      return READ_PREFIXES.has(prefix) && !WRITE_ACTION.test(action);
    });
}

async function ensureDepts(db: Db): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const dept of DEMO_DEPTS) {
    const existing = (await db('sys_dept').where({ code: dept.code, is_del: 0 }).first('id')) as
      { id: string } | undefined;
    if (existing) {
      ids.set(dept.code, existing.id);
      continue;
    }
    const [row] = (await db('sys_dept')
      .insert({
        code: dept.code,
        name: dept.name,
        parent_id: dept.parent ? (ids.get(dept.parent) ?? null) : null,
        order_num: dept.order,
        cuser: 'seed',
        muser: 'seed',
      })
      .returning('id')) as Array<{ id: string }>;
    ids.set(dept.code, row!.id);
  }
  await db('sys_dept').where({ code: 'demo-sales', is_del: 0 }).update({ leader_emp_no: 'DEMO-M01' });
  return ids;
}

async function ensureRoles(db: Db): Promise<Map<string, string>> {
  const menuIds = (await db('sys_menu')
    .whereIn('permission', readPermissions())
    .andWhere({ is_del: 0 })
    .pluck('id')) as string[];
  const ids = new Map<string, string>();
  await db.transaction(async (trx) => {
    for (const role of DEMO_ROLES) {
      let row = (await trx('sys_role')
        .whereRaw('lower(role_key) = ?', [role.key])
        .andWhere({ is_del: 0 })
        .first('id')) as { id: string } | undefined;
      if (!row) {
        [row] = (await trx('sys_role')
          .insert({ name: role.name, role_key: role.key, data_scope: role.dataScope, order_num: 10, cuser: 'seed' })
          .returning('id')) as Array<{ id: string }>;
        await trx('sys_role_menu').insert(menuIds.map((menuId) => ({ role_id: row!.id, menu_id: menuId })));
      }
      ids.set(role.key, row!.id);
    }
    await bumpGrantVersion(trx);
  });
  return ids;
}

/** The sales manager and two salespeople, in the demo department tree; passwords kept in the credentials file. */
async function ensureSalesTeam(db: Db, known: DemoLogin[]): Promise<DemoLogin[]> {
  await seedPermissionNodes(db, permissionTree(allRoutes({} as AppDeps)));
  const depts = await ensureDepts(db);
  const roles = await ensureRoles(db);
  const logins: DemoLogin[] = [];
  for (const spec of DEMO_USERS) {
    const role = DEMO_ROLES.find((r) => r.key === spec.role)!;
    const dept = DEMO_DEPTS.find((d) => d.code === spec.dept)!;
    const existing = await findUserByUsername(db, spec.username);
    const remembered = known.find((login) => login.username === spec.username);
    if (existing && remembered) {
      logins.push({ ...remembered, wecomUserid: existing.wecom_userid });
      continue;
    }
    const password = generatePassword(spec.username);
    if (existing) {
      await db('sys_user')
        .where({ id: existing.id })
        .update({ password_hash: await hashPassword(password), token_version: db.raw('token_version + 1') });
    } else {
      await saveUser(
        db,
        {
          username: spec.username,
          password,
          realName: role.name,
          empNo: spec.empNo,
          deptId: depts.get(spec.dept) ?? null,
          roleIds: [roles.get(spec.role)!],
        },
        SEED_ACTOR,
      );
    }
    logins.push({
      username: spec.username,
      password,
      role: role.name,
      dept: dept.name,
      wecomUserid: existing?.wecom_userid ?? null,
    });
  }
  return logins;
}

interface DemoEmployee {
  userid: string;
  name: string;
}

/**
 * The employees the demo works with: the first `count` active employees with the customer-contact
 * feature, by userid. For the simulated corp (SIMULATOR_DEMO_CORP_ID, with the simulator's own
 * SIMULATOR_DEMO_SEED / SIMULATOR_DEMO_CUSTOMERS) they are generated exactly as the simulator
 * generates them, so they exist before the first sync; for another corp they come from its mirror.
 */
async function demoEmployees(db: Db, corpId: string | undefined, count: number): Promise<DemoEmployee[]> {
  const simulator = loadSimulatorConfig(process.env);
  if (simulator.SIMULATOR_DEMO_CORP_ID !== undefined && simulator.SIMULATOR_DEMO_CORP_ID === corpId) {
    const { employees } = generateCorpData(simulator.SIMULATOR_DEMO_SEED, {
      customers: simulator.SIMULATOR_DEMO_CUSTOMERS,
    });
    return [...employees.values()]
      .filter((e) => e.status === 1 && e.customerContact)
      .map((e) => ({ userid: e.userid, name: e.name }))
      .sort((a, b) => (a.userid < b.userid ? -1 : a.userid > b.userid ? 1 : 0))
      .slice(0, count);
  }
  if (corpId === undefined) return [];
  return mirroredEmployees(db, corpId, count);
}

async function mirroredEmployees(db: Db, corpId: string, count: number): Promise<DemoEmployee[]> {
  return (await db('wecom_employee')
    .where({ corp_id: corpId, is_del: 0, status: 1, has_contact_feature: true })
    .orderBy('userid')
    .limit(count)
    .select('userid', 'name')) as DemoEmployee[];
}

/** The demo policy's members: weights 3/2/1, the last one only within working hours. */
const DEMO_MEMBER_RULES = [
  { weight: 3, dailyLimit: 100, roundLimit: 3 },
  { weight: 2, dailyLimit: 80, roundLimit: 2 },
  { weight: 1, dailyLimit: 50, workingHours: '09:00-18:00' },
] as const;

/**
 * Binds the sales team to the first employees of the demo corp, once its mirror is filled (the
 * start script runs this after the first sync has started); their names become the users' names.
 */
async function bindSalesTeam(db: Db, logins: DemoLogin[], corpId: string, timeoutMs: number): Promise<DemoLogin[]> {
  const deadline = Date.now() + timeoutMs;
  let employees: DemoEmployee[] = [];
  while (Date.now() < deadline) {
    employees = await mirroredEmployees(db, corpId, DEMO_USERS.length);
    if (employees.length === DEMO_USERS.length) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (employees.length < DEMO_USERS.length) {
    console.error(`no ${DEMO_USERS.length} employees of ${corpId} in the mirror yet; the sales team stays unbound`);
    return logins;
  }
  const bound: DemoLogin[] = [];
  for (const [i, login] of logins.entries()) {
    const user = await findUserByUsername(db, login.username);
    const employee = employees[i]!;
    if (user && !user.wecom_userid) {
      const holder = await findUserByWecomUserid(db, corpId, employee.userid, corpId);
      if (!holder) {
        await bindWecomUserid(db, { id: user.id, wecomUserid: employee.userid }, SEED_ACTOR, corpId);
        await saveUser(db, { id: user.id, realName: employee.name }, SEED_ACTOR);
      }
    }
    bound.push({ ...login, wecomUserid: (await findUserByUsername(db, login.username))?.wecom_userid ?? null });
  }
  return bound;
}

/**
 * Demo data for a newcomer: an admin user, a sales team (a manager and two salespeople with
 * read access to clues, customers, relations and groups), a partner key and a distribution
 * policy over three employees of WECOM_CORP_ID (see demoEmployees). Idempotent: what exists is kept, and the credentials file
 * remembers the secrets. `--bind-wecom` binds the sales team to employees of WECOM_CORP_ID once
 * the mirror has them (run after the first sync has started).
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
    const corpId = process.env['WECOM_CORP_ID'];
    const members = policyKnown ? [] : await demoEmployees(db, corpId, DEMO_MEMBER_RULES.length);
    if (!policyKnown && members.length === DEMO_MEMBER_RULES.length) {
      const { policy } = await savePolicy(
        db,
        {
          name: 'Demo: all partner clues',
          followUpSlaSeconds: 3600,
          recycleMode: 'next_member',
          members: members.map((employee, i) => ({
            employeeUserid: employee.userid,
            employeeName: employee.name,
            ...DEMO_MEMBER_RULES[i]!,
          })),
        },
        'seed',
      );
      creds.policyId = policy.id;
    } else if (!policyKnown) {
      console.error(`no ${DEMO_MEMBER_RULES.length} employees of ${corpId ?? 'any corp'} known yet; no demo policy`);
    }
    creds.salesLogins = await ensureSalesTeam(db, creds.salesLogins ?? []);
    if (process.argv.includes('--bind-wecom') && corpId) {
      creds.salesLogins = await bindSalesTeam(db, creds.salesLogins, corpId, 120_000);
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
