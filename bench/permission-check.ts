/**
 * CPU per request of the permission check and the data scope, measured on a page call
 * (POST /admin/relation/page) of the real app (createApp) in this process:
 *
 * - "bypassed": the same app with an admin guard that authenticates (token, user row) but checks
 *   no permission and applies no scope — the baseline;
 * - "super admin": the real guard, scope all (nothing is added to the SQL);
 * - "scope 4": the real guard for a user who sees their department and below (the SQL carries
 *   the scope predicate).
 *
 * The variants' requests are interleaved one by one over one keep-alive connection, each after
 * the previous one, so drift of the machine spreads evenly over them. The API figure is this process's CPU (server and client; the client's share is
 * the same in every variant, so differences are the server's); the database figure is the CPU
 * of the one PostgreSQL backend serving the app, read from /proc. Run with `npm run bench:rbac`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp, type AppDeps } from '../src/api/app';
import type { requireAdmin } from '../src/api/auth/middleware';
import { permissionTree } from '../src/api/permission-tree';
import { allRoutes } from '../src/api/routes';
import { loadConfig } from '../src/config';
import { ensureDatabase } from '../src/db/ensure-database';
import { createDb, migrateToLatest, type Db } from '../src/db/knex';
import { findSessionUser } from '../src/db/queries/access';
import { grantRolesByKey, SUPER_ADMIN_ROLE_KEY } from '../src/db/queries/user-roles';
import { DATA_SCOPE, type UserAccess } from '../src/domain/access/user-access';
import { UnauthorizedError } from '../src/domain/errors';
import { seedPermissionNodes } from '../src/domain/menus/seed-permission-nodes';
import { issueAdminToken, verifyAdminToken, type AuthUser } from '../src/domain/users/tokens';
import { cpuSnapshot } from './processes';
import { intEnv } from './settings';

const settings = {
  databaseUrl: process.env['BENCH_DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/scrm_bench_rbac',
  requests: intEnv('BENCH_REQUESTS', 2000),
  warmup: intEnv('BENCH_WARMUP', 300),
  employees: intEnv('BENCH_EMPLOYEES', 100),
  relations: intEnv('BENCH_RELATIONS', 2000),
  pageSize: intEnv('BENCH_PAGE_SIZE', 20),
};

const CORP = 'bench-rbac-corp';
const PREFIX = 'bench_rbac_';
const JWT_SECRET = 'bench-rbac-secret-0123456789abcdef0123456789';
const TARGET_MS = 0.2;
const CLOCK_TICK_MS = 10; // USER_HZ = 100 on Linux
const say = (message: string) => console.log(`» ${message}`);

// ---------------------------------------------------------------------------------------------
// Data: a department tree of 1 + 10 + 20, the employees spread over its leaves, each bound to a
// user, and `relations` customer relations spread over the employees.

async function seed(db: Db): Promise<{ superAdminId: string; scopedId: string; scopedSees: number }> {
  await db.transaction(async (trx) => {
    for (const table of ['wecom_relation', 'wecom_customer', 'wecom_employee']) {
      await trx(table).where({ corp_id: CORP }).delete();
    }
    await trx('sys_user').where('username', 'like', `${PREFIX}%`).delete();
    await trx('sys_role').where('role_key', 'like', `${PREFIX}%`).delete();
    await trx('sys_dept').where('code', 'like', `${PREFIX}%`).delete();
  });
  await seedPermissionNodes(db, permissionTree(allRoutes({} as AppDeps)));

  const dept = async (code: string, parentId: string | null) => {
    const [row] = (await db('sys_dept')
      .insert({ code: `${PREFIX}${code}`, name: code, parent_id: parentId, cuser: 'bench' })
      .returning('id')) as Array<{ id: string }>;
    return row!.id;
  };
  const root = await dept('root', null);
  const leaves: string[][] = [];
  const middles: string[] = [];
  for (let i = 0; i < 10; i += 1) {
    const middle = await dept(`d${i}`, root);
    middles.push(middle);
    leaves.push([await dept(`d${i}a`, middle), await dept(`d${i}b`, middle)]);
  }
  const flatLeaves = leaves.flat();
  await db.raw(
    `INSERT INTO wecom_employee (corp_id, userid, name, status, departments, main_department, has_contact_feature)
     SELECT ?, 'emp' || n, '员工' || n, 1, '{1}', 1, true FROM generate_series(1, ?) AS n`,
    [CORP, settings.employees],
  );
  await db.raw(
    `INSERT INTO sys_user (username, password_hash, real_name, wecom_userid, dept_id, corp_id, cuser)
     SELECT ? || 'emp' || n, 'x', '员工' || n, 'emp' || n, (?::bigint[])[1 + n % ?], ?, 'bench'
       FROM generate_series(1, ?) AS n`,
    [PREFIX, flatLeaves, flatLeaves.length, CORP, settings.employees],
  );
  await db.raw(
    `INSERT INTO wecom_customer (corp_id, external_userid, name, type, gender)
     SELECT ?, 'wm' || n, '客户' || n, 1, 0 FROM generate_series(1, ?) AS n`,
    [CORP, settings.relations],
  );
  await db.raw(
    `INSERT INTO wecom_relation (corp_id, external_userid, userid, add_time, add_way, status)
     SELECT ?, 'wm' || n, 'emp' || (1 + n % ?), now() - n * interval '1 minute', 1, 0
       FROM generate_series(1, ?) AS n`,
    [CORP, settings.employees, settings.relations],
  );

  const [superAdmin] = (await db('sys_user')
    .insert({ username: `${PREFIX}admin`, password_hash: 'x', corp_id: CORP, dept_id: root, cuser: 'bench' })
    .returning('id')) as Array<{ id: string }>;
  await grantRolesByKey(db, superAdmin!.id, [SUPER_ADMIN_ROLE_KEY]);

  const [role] = (await db('sys_role')
    .insert({
      name: 'bench manager',
      role_key: `${PREFIX}manager`,
      data_scope: DATA_SCOPE.OWN_DEPT_AND_BELOW,
      cuser: 'bench',
    })
    .returning('id')) as Array<{ id: string }>;
  await db.raw(
    `INSERT INTO sys_role_menu (role_id, menu_id) SELECT ?, id FROM sys_menu WHERE permission = 'relation:page'`,
    [role!.id],
  );
  const [scoped] = (await db('sys_user')
    .insert({
      username: `${PREFIX}manager`,
      password_hash: 'x',
      corp_id: CORP,
      dept_id: middles[0],
      wecom_userid: 'manager',
      cuser: 'bench',
    })
    .returning('id')) as Array<{ id: string }>;
  await grantRolesByKey(db, scoped!.id, [`${PREFIX}manager`]);
  await db.raw('ANALYZE');
  const [{ n }] = (await db('wecom_relation')
    .where({ corp_id: CORP })
    .whereIn('userid', db('sys_user').whereIn('dept_id', leaves[0]!).select('wecom_userid'))
    .count({ n: '*' })) as unknown as [{ n: string }];
  return { superAdminId: superAdmin!.id, scopedId: scoped!.id, scopedSees: Number(n) };
}

// ---------------------------------------------------------------------------------------------
// The baseline guard: authentication as requireAdmin does it, then every request passes with
// scope all, with no role read, no cache and no permission check.

const UNCHECKED: UserAccess = { superAdmin: true, roles: [], permissions: new Set(), scope: { all: true } };

const authenticateOnly: typeof requireAdmin = (db, jwtSecret) => async (ctx, next) => {
  const claims = verifyAdminToken(ctx.get('token'), jwtSecret);
  const row = await findSessionUser(db, claims.uid);
  if (!row || row.token_version !== claims.tv) throw new UnauthorizedError('unknown user', 'TOKEN_INVALID');
  const user: AuthUser = {
    id: row.id,
    username: row.username,
    empNo: row.emp_no ?? '',
    deptId: row.dept_id,
    corpId: row.corp_id,
    wecomUserid: row.wecom_userid,
    access: UNCHECKED,
  };
  ctx.state['user'] = user;
  await next();
};

// ---------------------------------------------------------------------------------------------

interface Variant {
  name: string;
  port: number;
  token: string;
  /** This process's CPU of each measured request, in µs. */
  apiMicros: number[];
  /** Clock ticks of the database backend that fell during this variant's requests. */
  dbTicks: number;
  wallMicros: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const BODY = JSON.stringify({ pageNum: 1, pageSize: settings.pageSize });

function post(port: number, token: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/admin/relation/page',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY), token },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(BODY);
  });
}

function backendTicks(pid: number): number {
  const ticks = cpuSnapshot([{ label: 'postgres', pids: () => [pid] }]).perPid.get(pid);
  if (ticks === undefined) throw new Error(`cannot read /proc/${pid}/stat (PostgreSQL must run on this machine)`);
  return ticks;
}

/**
 * One request of the variant. /proc is read outside the CPU window, so reading it is not counted;
 * the backend's ticks are attributed to the request during which they fell, which over many
 * requests sums to each variant's share.
 */
async function measure(variant: Variant, backendPid: number, record: boolean): Promise<void> {
  const ticksBefore = backendTicks(backendPid);
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const response = await post(variant.port, variant.token);
  const cpu = process.cpuUsage(cpuBefore);
  const wall = Number(process.hrtime.bigint() - started) / 1000;
  const ticks = backendTicks(backendPid) - ticksBefore;
  if (response.status !== 200) throw new Error(`${variant.name}: HTTP ${response.status} ${response.text}`);
  if (!record) return;
  variant.apiMicros.push(cpu.user + cpu.system);
  variant.dbTicks += ticks;
  variant.wallMicros += wall;
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const ms = (micros: number) => (micros / 1000).toFixed(3);

async function listen(app: ReturnType<typeof createApp>): Promise<http.Server> {
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function main(): Promise<void> {
  const dbName = new URL(settings.databaseUrl).pathname.slice(1);
  if (!dbName.includes('bench')) throw new Error(`refusing database "${dbName}": its name must contain "bench"`);
  await ensureDatabase(settings.databaseUrl);
  // One connection: every query of the app runs on the backend whose CPU is read.
  const db = createDb(settings.databaseUrl, 1);
  try {
    await migrateToLatest(db);
    say(`seeding ${settings.employees} employees and ${settings.relations} relations in ${dbName}`);
    const seeded = await seed(db);
    const config = loadConfig({ DATABASE_URL: settings.databaseUrl, JWT_SECRET, LOG_LEVEL: 'warn' });
    const deps = { config, db, logger: pino({ level: 'warn' }) } as unknown as AppDeps;
    const servers = [await listen(createApp(deps)), await listen(createApp(deps, { adminGuard: authenticateOnly }))];
    const [checkedPort, bypassedPort] = servers.map((s) => (s.address() as AddressInfo).port) as [number, number];
    const tokenOf = async (id: string) => {
      const user = await db('sys_user').where({ id }).first<{ username: string; token_version: number }>();
      return issueAdminToken(
        {
          uid: id,
          emp_no: '',
          user_name: user!.username,
          phone_num: '',
          account_status: '0',
          dept_id: '',
          tv: user!.token_version,
        },
        JWT_SECRET,
        3600,
      );
    };
    const superToken = await tokenOf(seeded.superAdminId);
    const variant = (name: string, port: number, token: string): Variant => ({
      name,
      port,
      token,
      apiMicros: [],
      dbTicks: 0,
      wallMicros: 0,
    });
    const variants = [
      variant('bypassed (no check, scope all)', bypassedPort, superToken),
      variant('super admin (check, scope all)', checkedPort, superToken),
      variant('scope 4 (check + scoped SQL)', checkedPort, await tokenOf(seeded.scopedId)),
    ];
    const [{ pid }] = (await db.raw<{ rows: Array<{ pid: number }> }>('SELECT pg_backend_pid() AS pid')).rows as [
      { pid: number },
    ];
    say(
      `relation.page, pageSize ${settings.pageSize}: the super admin sees ${settings.relations} relations, ` +
        `the scope-4 user ${seeded.scopedSees}`,
    );
    say(`warm-up: ${settings.warmup} requests per variant`);
    for (let i = 0; i < settings.warmup; i += 1) for (const v of variants) await measure(v, pid, false);
    say(`${settings.requests} requests per variant, interleaved one by one (the order rotates)`);
    for (let i = 0; i < settings.requests; i += 1) {
      for (let k = 0; k < variants.length; k += 1) await measure(variants[(i + k) % variants.length]!, pid, true);
    }
    const [endPid] = (await db.raw<{ rows: Array<{ pid: number }> }>('SELECT pg_backend_pid() AS pid')).rows;
    if (endPid?.pid !== pid) say('warning: the database connection was replaced during the run; database CPU is off');

    const dbMicros = (v: Variant) => (v.dbTicks * CLOCK_TICK_MS * 1000) / settings.requests;
    console.log('');
    console.log('                                  API CPU ms/request     DB CPU      wall');
    console.log('variant                           median      mean    ms/request  ms/request');
    for (const v of variants) {
      console.log(
        `${v.name.padEnd(34)}${ms(median(v.apiMicros)).padStart(6)}${ms(mean(v.apiMicros)).padStart(10)}` +
          `${ms(dbMicros(v)).padStart(12)}${ms(v.wallMicros / settings.requests).padStart(12)}`,
      );
    }
    const [bypassed, superAdmin, scoped] = variants as [Variant, Variant, Variant];
    console.log('');
    for (const v of [superAdmin, scoped]) {
      const extra = (median(v.apiMicros) - median(bypassed.apiMicros)) / 1000;
      const extraMean = (mean(v.apiMicros) - mean(bypassed.apiMicros)) / 1000;
      console.log(
        `added API CPU per request, ${v.name}: ${extra.toFixed(3)} ms median, ${extraMean.toFixed(3)} ms mean ` +
          `(${Math.max(extra, extraMean) < TARGET_MS ? 'within' : 'OVER'} the ${TARGET_MS} ms target)`,
      );
    }
    console.log(
      `added database CPU per request, scope 4: ${ms(dbMicros(scoped) - dbMicros(bypassed))} ms ` +
        `(it resolves the owners first, then reads ${seeded.scopedSees} instead of ${settings.relations} relations)`,
    );
    for (const server of servers) server.close();
    agent.destroy();
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
