import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/knex';
import { createDb } from '../../src/db/knex';
import { grantRolesByKey, SUPER_ADMIN_ROLE_KEY } from '../../src/db/queries/user-roles';
import { insertUser } from '../../src/db/queries/users';
import { createPartnerWithKey } from '../../src/domain/partners/manage-partners';
import { hashPassword } from '../../src/domain/passwords';
import { TEST_DATABASE_URL } from './env';
import { call } from './http';

export const uid = (prefix = '') => `${prefix}${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;

export function testDb(): Db {
  return createDb(TEST_DATABASE_URL, 4);
}

/**
 * A user that can log in; `corpId` binds it to a WeCom corp (each test its own corp). It holds the
 * super-admin role unless `roleKeys` names others (an empty list: no role at all).
 */
export async function createAdmin(
  db: Db,
  baseUrl: string,
  options: { corpId?: string; roleKeys?: string[] } = {},
): Promise<{ username: string; password: string; token: string; id: string }> {
  const username = uid('admin_');
  const password = uid('pw-');
  const user = await insertUser(db, {
    username,
    passwordHash: await hashPassword(password),
    realName: 'Test Admin',
    corpId: options.corpId,
    cuser: 'test',
  });
  const roleKeys = options.roleKeys ?? [SUPER_ADMIN_ROLE_KEY];
  if (roleKeys.length > 0) await grantRolesByKey(db, user.id, roleKeys);
  const login = await call<{ token: string }>(baseUrl, 'POST', '/admin/auth/login', { body: { username, password } });
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
  return { username, password, token: login.body.data.token, id: user.id };
}

export async function createPartner(db: Db, rateLimitPerMinute: number | null = 1_000_000) {
  return createPartnerWithKey(db, { name: uid('partner-'), rateLimitPerMinute }, 'test');
}

export interface MemberSpec {
  employeeUserid: string;
  employeeName?: string;
  weight: number;
  dailyLimit?: number | null;
  roundLimit?: number | null;
  workingHours?: string | null;
  active?: boolean;
}

/** Creates a policy through the admin API that only matches clues of `partnerId` (tests stay isolated by data). */
export async function createPolicy(
  baseUrl: string,
  token: string,
  partnerId: string,
  members: MemberSpec[],
  extra: Record<string, unknown> = {},
): Promise<{ id: string; members: Array<{ id: string; employeeUserid: string }> }> {
  const response = await call<{ id: string; members: Array<{ id: string; employeeUserid: string }> }>(
    baseUrl,
    'POST',
    '/admin/distribution/policy/save',
    {
      token,
      body: { name: uid('policy-'), followUpSlaSeconds: 86400, matchPartnerIds: [partnerId], members, ...extra },
    },
  );
  if (response.status !== 200) throw new Error(`policy save failed: ${JSON.stringify(response.body)}`);
  return response.body.data;
}

/** A realistic partner clue; override any field. */
export function clueBody(secretKey: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    secretKey,
    businessId: uid('biz-'),
    linkManName: '王先生',
    linkManTel: '+86 138-0013-8000',
    email: 'wang@example.com',
    address: '上海市浦东新区世纪大道100号',
    wechat: 'wang_wx',
    remark: '想了解企业版的报价和部署方式',
    source: 1,
    fromPage: 'https://www.baidu.com/s?wd=scrm',
    landPage: 'https://www.example.com/landing/scrm',
    submitPage: 'https://www.example.com/landing/scrm#form',
    device: 'mobile',
    tag: '报价',
    se: 'baidu',
    chat: '访客: 你好\n客服: 您好, 请问有什么可以帮您?\n访客: 想了解报价',
    ...overrides,
  };
}
