import type { Db } from '../../src/db/knex';
import {
  SHARED_TASK_QUEUE,
  SHARED_THROTTLE_ENV,
  sharedApiUrl,
  sharedTemporalAddress,
  THROTTLE_API_PORT,
} from '../helpers/env';
import { clueBody, createAdmin, createPartner, testDb, uid } from '../helpers/factories';
import type { ApiResponse } from '../helpers/http';
import { callFrom, loopbackAddress } from '../helpers/http-from';
import { TestSystem } from '../helpers/system';
import { sleep } from '../helpers/wait';

const LOGIN = '/admin/auth/login';
const COLLECT = '/api-scrm/openapi/clue/collect';
const TABLE = 'auth_throttle';

interface ThrottleRow {
  key: string;
  points: number;
  expire: string | null;
}

describe('guessing is throttled', () => {
  let db: Db;

  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => db.destroy());

  const login = (from: string, username: string, password: string, baseUrl = sharedApiUrl, zh = false) =>
    callFrom<{ token: string }>(from, baseUrl, 'POST', LOGIN, {
      body: { username, password },
      headers: zh ? { 'accept-language': 'zh-CN' } : {},
    });

  const row = async (key: string): Promise<ThrottleRow | undefined> => db<ThrottleRow>(TABLE).where({ key }).first();
  const pairKey = (address: string, username: string) => `login_fail_user_ip:${address}/${username.toLowerCase()}`;

  /** Sleeps until a row's block (its expire, in epoch ms as the API wrote it) is over. */
  async function waitOut(key: string): Promise<void> {
    const blocked = await row(key);
    expect(blocked?.expire).not.toBeNull();
    await sleep(Math.max(0, Number(blocked?.expire) - Date.now()) + 50);
  }

  /**
   * A 429 with Retry-After and the envelope. The attempt that starts a block announces all of it
   * (`exactly`); later ones announce what is left of it, at most that long.
   */
  function expectThrottled(response: ApiResponse, seconds: number, options: { zh?: boolean; exactly?: boolean } = {}) {
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    if (options.exactly) expect(retryAfter).toBe(seconds);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(seconds);
    expect(response.body).toEqual({
      code: '429',
      msg: options.zh
        ? `失败次数过多，请 ${retryAfter} 秒后再试`
        : `too many failed attempts; try again in ${retryAfter} seconds`,
      data: null,
    });
  }

  async function failFiveTimes(from: string, username: string, baseUrl = sharedApiUrl): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(from, username, `wrong-${i}`, baseUrl)).status);
    return statuses;
  }

  describe('consecutive failures of one username from one address (shared API: 5 allowed, blocks of 2 s, 4 s, ...)', () => {
    it('refuses the 6th wrong password with 429 and Retry-After, then the right one too, until the block ends', async () => {
      const admin = await createAdmin(db, sharedApiUrl);
      const from = loopbackAddress();
      const wrong = [];
      for (let i = 0; i < 5; i++) wrong.push(await login(from, admin.username, `wrong-${i}`));
      expect(wrong.map((r) => [r.status, r.body.msg])).toEqual(Array(5).fill([401, 'wrong username or password']));
      expect(await row(pairKey(from, admin.username))).toMatchObject({ points: 5 });

      expectThrottled(await login(from, admin.username, 'wrong-6'), 2, { exactly: true });
      const right = await login(from, admin.username, admin.password, sharedApiUrl, true);
      expectThrottled(right, 2, { zh: true });
      expect(right.headers.get('token')).toBeNull();
      // Another case of the same username is the same username.
      expectThrottled(await login(from, admin.username.toUpperCase(), admin.password), 2);

      // The block is the pair's: the same user from another address logs in.
      const elsewhere = await login(loopbackAddress(), admin.username, admin.password);
      expect(elsewhere.status).toBe(200);

      await waitOut(pairKey(from, admin.username));
      const after = await login(from, admin.username, admin.password);
      expect(after.status).toBe(200);
      expect(after.body.data.token).toEqual(expect.any(String));
      expect(await row(pairKey(from, admin.username))).toBeUndefined();
      expect(await row(`login_blocks_user_ip:${from}/${admin.username.toLowerCase()}`)).toBeUndefined();

      // The count starts again from nothing: five more wrong passwords are answered 401.
      expect(await failFiveTimes(from, admin.username)).toEqual([401, 401, 401, 401, 401]);
      expect(await row(pairKey(from, admin.username))).toMatchObject({ points: 5 });
    });

    it('makes each further block of the pair longer, and a success forgets them', async () => {
      const admin = await createAdmin(db, sharedApiUrl);
      const from = loopbackAddress();
      const blocks: string[] = [];
      for (const seconds of [2, 4]) {
        expect(await failFiveTimes(from, admin.username)).toEqual([401, 401, 401, 401, 401]);
        const refused = await login(from, admin.username, 'wrong-again');
        expectThrottled(refused, seconds, { exactly: true });
        blocks.push(refused.headers.get('retry-after') ?? '');
        await waitOut(pairKey(from, admin.username));
      }
      expect(blocks).toEqual(['2', '4']);
      expect(await row(`login_blocks_user_ip:${from}/${admin.username.toLowerCase()}`)).toMatchObject({ points: 2 });

      expect((await login(from, admin.username, admin.password)).status).toBe(200);
      expect(await row(`login_blocks_user_ip:${from}/${admin.username.toLowerCase()}`)).toBeUndefined();
      expect(await failFiveTimes(from, admin.username)).toEqual([401, 401, 401, 401, 401]);
      expectThrottled(await login(from, admin.username, 'wrong-again'), 2, { exactly: true });
    });

    it('treats a username that does not exist exactly like one that does', async () => {
      const admin = await createAdmin(db, sharedApiUrl);
      const nobody = uid('nobody_');
      const answers = async (username: string, from: string) => {
        const out: Array<[number, string, boolean]> = [];
        for (let i = 0; i < 7; i++) {
          const r = await login(from, username, `wrong-${i}`);
          out.push([r.status, r.body.msg.replace(/\d+/, 'N'), r.headers.get('retry-after') !== null]);
        }
        return out;
      };
      const known = await answers(admin.username, loopbackAddress());
      const unknownFrom = loopbackAddress();
      const unknown = await answers(nobody, unknownFrom);
      expect(unknown).toEqual(known);
      expect(unknown.map(([status]) => status)).toEqual([401, 401, 401, 401, 401, 429, 429]);
      expect(await row(pairKey(unknownFrom, nobody))).toMatchObject({ points: expect.any(Number) });
    });

    it('lets exactly five of a burst of parallel wrong passwords reach the password check', async () => {
      const admin = await createAdmin(db, sharedApiUrl);
      const from = loopbackAddress();
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) => login(from, admin.username, `burst-${i}`)),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(11);
      // None announces more than the longest block (8 s here), even one answered before the block was written.
      const waits = answers.filter((r) => r.status === 429).map((r) => Number(r.headers.get('retry-after')));
      expect(waits.filter((w) => !(w >= 1 && w <= 8))).toEqual([]);
    });
  });

  describe('while the limiter table cannot be used', () => {
    it('throttles from memory in each API process, and lets right passwords through: neither open nor closed', async () => {
      const admin = await createAdmin(db, sharedApiUrl);
      const from = loopbackAddress();
      await db.raw(`ALTER TABLE ${TABLE} RENAME TO ${TABLE}_away`);
      try {
        expect((await login(from, admin.username, admin.password)).status).toBe(200);
        expect(await failFiveTimes(from, admin.username)).toEqual([401, 401, 401, 401, 401]);
        expectThrottled(await login(from, admin.username, 'wrong'), 2, { exactly: true });
        expectThrottled(await login(from, admin.username, admin.password), 2);
      } finally {
        await db.raw(`ALTER TABLE ${TABLE}_away RENAME TO ${TABLE}`);
      }
      // Those counts lived in the API process only.
      expect(await row(pairKey(from, admin.username))).toBeUndefined();
      expect(await row(`login_fail_ip:${from}`)).toBeUndefined();
    });
  });

  describe('an API of its own with small per-address limits (login: 6 failures, partner keys: 5)', () => {
    const own = new TestSystem({
      name: 'throttle',
      temporalAddress: sharedTemporalAddress,
      apiPort: THROTTLE_API_PORT,
      taskQueue: SHARED_TASK_QUEUE,
      env: {
        ...SHARED_THROTTLE_ENV,
        LOGIN_MAX_FAILS_PER_IP: '6',
        LOGIN_IP_WINDOW_SECONDS: '60',
        LOGIN_IP_BLOCK_SECONDS: '3',
        PARTNER_KEY_MAX_FAILS_PER_IP: '5',
        PARTNER_KEY_FAIL_WINDOW_SECONDS: '60',
        PARTNER_KEY_BLOCK_SECONDS: '3',
      },
    });
    const ownUrl = own.baseUrl;

    beforeAll(async () => own.startApi(), 60_000);
    afterAll(async () => own.stopApi());

    it('blocks an address that fails across usernames, whatever the password, and not for successes', async () => {
      const admin = await createAdmin(db, sharedApiUrl);
      const from = loopbackAddress();
      // Successful logins never count against the address.
      for (let i = 0; i < 8; i++) expect((await login(from, admin.username, admin.password, ownUrl)).status).toBe(200);
      expect(await row(`login_fail_ip:${from}`)).toMatchObject({ points: 0 });

      const usernames = [admin.username, ...Array.from({ length: 5 }, () => uid('nobody_'))];
      const failures = [];
      for (const username of usernames) failures.push((await login(from, username, 'wrong', ownUrl)).status);
      expect(failures).toEqual([401, 401, 401, 401, 401, 401]);

      expectThrottled(await login(from, uid('nobody_'), 'wrong', ownUrl), 3, { exactly: true });
      expectThrottled(await login(from, admin.username, admin.password, ownUrl, true), 3, { zh: true });
      expect(await row(`login_fail_ip:${from}`)).toMatchObject({ points: 8 });
      // Only this address is blocked.
      expect((await login(loopbackAddress(), admin.username, admin.password, ownUrl)).status).toBe(200);

      await waitOut(`login_fail_ip:${from}`);
      expect((await login(from, admin.username, admin.password, ownUrl)).status).toBe(200);
    });

    it('counts one username + address across API processes: the table in PostgreSQL is the only state', async () => {
      const admin = await createAdmin(db, sharedApiUrl);
      const from = loopbackAddress();
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await login(from, admin.username, 'wrong', sharedApiUrl)).status);
      for (let i = 0; i < 2; i++) statuses.push((await login(from, admin.username, 'wrong', ownUrl)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      expect(await row(pairKey(from, admin.username))).toMatchObject({ points: 5 });
      // (The address's own count, 6 failures here, stays within the own API's per-address limit.)
      expectThrottled(await login(from, admin.username, 'wrong', ownUrl), 2, { exactly: true });
      expectThrottled(await login(from, admin.username, admin.password, sharedApiUrl), 2);

      const columns = await db('information_schema.columns')
        .where({ table_name: TABLE })
        .orderBy('ordinal_position')
        .pluck('column_name');
      expect(columns).toEqual(['key', 'points', 'expire']);
    });

    it('answers failed partner keys 429 per address once over the limit, while a valid key keeps working', async () => {
      const partner = await createPartner(db);
      const [, keyId] = partner.secretKey.split('_');
      const from = loopbackAddress();
      const collect = (secretKey: string, address = from, zh = false) =>
        callFrom<string>(address, ownUrl, 'POST', COLLECT, {
          body: clueBody(secretKey),
          headers: zh ? { 'accept-language': 'zh-CN' } : {},
        });

      // Valid keys are never counted: no row for their address.
      const validFrom = loopbackAddress();
      for (let i = 0; i < 6; i++) expect((await collect(partner.secretKey, validFrom)).status).toBe(200);
      expect(await row(`partner_key_fail_ip:${validFrom}`)).toBeUndefined();

      const bad = ['nonsense', `pk_${keyId}_${'A'.repeat(43)}`, `pk_${'0'.repeat(16)}_${'B'.repeat(43)}`];
      const failures = [];
      for (let i = 0; i < 5; i++) {
        const r = await collect(bad[i % bad.length] as string);
        failures.push([r.status, r.body.msg]);
      }
      expect(failures).toEqual(Array(5).fill([401, 'secretKey is not valid']));
      expectThrottled(await collect(bad[0] as string), 3, { exactly: true });
      expectThrottled(await collect(bad[1] as string, from, true), 3, { zh: true });
      expect(await row(`partner_key_fail_ip:${from}`)).toMatchObject({ points: 7 });

      const body = clueBody(partner.secretKey);
      const valid = await callFrom<string>(from, ownUrl, 'POST', COLLECT, { body });
      expect(valid.status).toBe(200);
      expect(valid.body.data).toBe(body['businessId']);
      expect(
        await db('clue').where({ partner_id: partner.partnerId, business_id: body['businessId'] }).first(),
      ).toEqual(expect.objectContaining({ partner_id: partner.partnerId }));
      // The valid key changed nothing about the block; another address is not blocked.
      expectThrottled(await collect(bad[2] as string), 3);
      expect((await collect(bad[2] as string, loopbackAddress())).status).toBe(401);

      await waitOut(`partner_key_fail_ip:${from}`);
      expect((await collect(bad[0] as string)).status).toBe(401);
    });
  });
});
