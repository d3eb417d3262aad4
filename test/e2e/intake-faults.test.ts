import type { Db } from '../../src/db/knex';
import {
  INTAKE_FAULTS_API_PORT,
  SHARED_TASK_QUEUE,
  sharedApiUrl,
  sharedTemporalAddress,
  TEST_DATABASE_URL,
} from '../helpers/env';
import { clueBody, createAdmin, createPartner, createPolicy, testDb, uid } from '../helpers/factories';
import { call, inParallel, type ApiResponse } from '../helpers/http';
import {
  backendsBlockedBy,
  countLockWaits,
  holdLock,
  outcomeWithin,
  terminateBackends,
  waitForBlockedBackends,
} from '../helpers/pg-faults';
import { TestSystem } from '../helpers/system';
import { sleep, waitFor } from '../helpers/wait';

const COLLECT = '/api-scrm/openapi/clue/collect';
/** How the intake statement shows in pg_stat_activity. */
const INTAKE_SQL = '%json_to_recordset%';
/** Long enough for any healthy answer on a busy machine; only a request stuck behind a lock reaches it. */
const GUARD_MS = 20_000;

type Clue = Record<string, unknown> & { businessId: string };
const clue = (secretKey: string, overrides: Record<string, unknown> = {}) => clueBody(secretKey, overrides) as Clue;

interface StoredClue {
  id: string;
  business_id: string;
  status: string;
  remark: string;
  receive_count: number;
}

describe('intake never waits for distribution', () => {
  let db: Db;
  let token: string;

  beforeAll(async () => {
    db = testDb();
    token = (await createAdmin(db, sharedApiUrl)).token;
  });
  afterAll(async () => db.destroy());

  const post = (body: Clue) => call(sharedApiUrl, 'POST', COLLECT, { body });

  /**
   * Resolves once `answer` settled or more than `waitingBefore` intake statements wait for a lock,
   * so that the next request goes into a statement of its own.
   */
  const answeredOrWaiting = async (answer: Promise<unknown>, waitingBefore: number) => {
    let settled = false;
    answer.then(
      () => (settled = true),
      () => (settled = true),
    );
    await waitFor(
      'the request to be answered or its intake statement to wait for a lock',
      async () => settled || (await countLockWaits(db, INTAKE_SQL)) > waitingBefore,
      { timeoutMs: 60_000, intervalMs: 20 },
    );
  };

  const storedClues = async (partnerIds: string[]) =>
    (await db('clue')
      .whereIn('partner_id', partnerIds)
      .select('id', 'business_id', 'status', 'remark', 'receive_count')) as StoredClue[];

  const assignmentsPerClue = async (clueIds: string[]) => {
    const rows = (await db('clue_assignment')
      .whereIn('clue_id', clueIds)
      .groupBy('clue_id')
      .select('clue_id')
      .count({ n: '*' })) as Array<{ clue_id: string; n: string }>;
    return Object.fromEntries(rows.map((r) => [r.clue_id, Number(r.n)]));
  };

  const intakeUpdates = async (clueId: string) =>
    Number((await db('clue_event').where({ clue_id: clueId, kind: 'intake_update' }).count({ n: '*' }).first())?.n);

  it('answers repeats and unrelated new clues while distributions wait on a policy lock, and assigns each clue once after', async () => {
    const partner = await createPartner(db);
    const policy = await createPolicy(sharedApiUrl, token, partner.partnerId, [
      { employeeUserid: uid('pl-'), weight: 1 },
    ]);
    const other = await createPartner(db);
    await createPolicy(sharedApiUrl, token, other.partnerId, [{ employeeUserid: uid('pl-other-'), weight: 1 }]);
    const a = clue(partner.secretKey);
    const b = clue(partner.secretKey);
    const c = clue(other.secretKey);

    const lock = await holdLock(db, 'SELECT id FROM distribution_policy WHERE id = ? FOR UPDATE', [policy.id]);
    try {
      expect((await post(a)).status).toBe(200);
      expect((await post(b)).status).toBe(200);
      await waitForBlockedBackends(db, lock.pid, 2, 'the distributions of A and B to wait for the policy lock');

      const repeatA = post({ ...a, remark: 'repeat of A' });
      await answeredOrWaiting(repeatA, 0);
      const repeatB = post({ ...b, remark: 'repeat of B' });
      await answeredOrWaiting(repeatB, 1);
      const answers = await outcomeWithin(Promise.all([repeatA, repeatB, post(c)]), GUARD_MS);

      // Answered while both distributions still wait for the lock this test holds.
      expect(answers).not.toBe('pending');
      expect(answers).toHaveProperty('value');
      const responses = (answers as { value: ApiResponse[] }).value;
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(responses.map((r) => r.body.data)).toEqual([a.businessId, b.businessId, c.businessId]);
      expect(await backendsBlockedBy(db, lock.pid)).toHaveLength(2);
    } finally {
      await lock.release();
    }

    const stored = await waitFor(
      'A, B and C to be assigned',
      async () => {
        const rows = await storedClues([partner.partnerId, other.partnerId]);
        return rows.length === 3 && rows.every((r) => r.status === 'assigned') ? rows : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const byBusinessId = new Map(stored.map((r) => [r.business_id, r]));
    expect(byBusinessId.get(a.businessId)).toMatchObject({ remark: 'repeat of A', receive_count: 2 });
    expect(byBusinessId.get(b.businessId)).toMatchObject({ remark: 'repeat of B', receive_count: 2 });
    expect(byBusinessId.get(c.businessId)).toMatchObject({ receive_count: 1 });
    const ids = stored.map((r) => r.id);
    expect(Object.values(await assignmentsPerClue(ids))).toEqual([1, 1, 1]);
    expect(await intakeUpdates(byBusinessId.get(a.businessId)!.id)).toBe(1);
    expect(await intakeUpdates(byBusinessId.get(b.businessId)!.id)).toBe(1);
  });

  it('answers repeats of clues whose rows another transaction holds, and applies them in order once the rows are free', async () => {
    const partner = await createPartner(db);
    await createPolicy(sharedApiUrl, token, partner.partnerId, [{ employeeUserid: uid('rl-'), weight: 1 }]);
    const a = clue(partner.secretKey);
    const b = clue(partner.secretKey);
    expect((await post(a)).status).toBe(200);
    expect((await post(b)).status).toBe(200);
    const first = await waitFor(
      'A and B to be assigned',
      async () => {
        const rows = await storedClues([partner.partnerId]);
        return rows.length === 2 && rows.every((r) => r.status === 'assigned') ? rows : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const idOf = new Map(first.map((r) => [r.business_id, r.id]));
    const c = clue(partner.secretKey);

    // What a distribution frozen in the middle of assigning A and B would hold.
    const lock = await holdLock(db, 'SELECT id FROM clue WHERE id IN (?, ?) FOR UPDATE', [
      idOf.get(a.businessId)!,
      idOf.get(b.businessId)!,
    ]);
    try {
      const repeatA = post({ ...a, remark: 'first repeat of A' });
      await answeredOrWaiting(repeatA, 0);
      const repeatB = post({ ...b, remark: 'repeat of B' });
      await answeredOrWaiting(repeatB, 1);
      const answers = await outcomeWithin(Promise.all([repeatA, repeatB, post(c)]), GUARD_MS);
      expect(answers).not.toBe('pending');
      expect((answers as { value: ApiResponse[] }).value.map((r) => r.status)).toEqual([200, 200, 200]);
      const again = await outcomeWithin(post({ ...a, remark: 'second repeat of A' }), GUARD_MS);
      expect(again).not.toBe('pending');
      expect((again as { value: ApiResponse }).value.status).toBe(200);
    } finally {
      await lock.release();
    }

    const stored = await waitFor(
      'the repeats to reach their clues and C to be assigned',
      async () => {
        const rows = await storedClues([partner.partnerId]);
        const of = (businessId: string) => rows.find((r) => r.business_id === businessId);
        return of(a.businessId)?.receive_count === 3 &&
          of(b.businessId)?.receive_count === 2 &&
          of(c.businessId)?.status === 'assigned'
          ? rows
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(stored).toHaveLength(3);
    const byBusinessId = new Map(stored.map((r) => [r.business_id, r]));
    expect(byBusinessId.get(a.businessId)?.remark).toBe('second repeat of A');
    expect(byBusinessId.get(b.businessId)?.remark).toBe('repeat of B');
    expect(await intakeUpdates(idOf.get(a.businessId)!)).toBe(2);
    expect(await intakeUpdates(idOf.get(b.businessId)!)).toBe(1);
    expect(Object.values(await assignmentsPerClue(stored.map((r) => r.id)))).toEqual([1, 1, 1]);
  });
});

describe('intake when its database connections are killed', () => {
  const APPLICATION_NAME = uid('scrm-intake-faults-');
  let db: Db;
  let system: TestSystem;

  beforeAll(async () => {
    db = testDb();
    system = new TestSystem({
      name: 'intake-faults',
      temporalAddress: sharedTemporalAddress,
      apiPort: INTAKE_FAULTS_API_PORT,
      taskQueue: SHARED_TASK_QUEUE,
      env: { DATABASE_URL: `${TEST_DATABASE_URL}?application_name=${APPLICATION_NAME}` },
    });
    await system.startApi();
  });
  afterAll(async () => {
    await system.stopApi();
    await db.destroy();
  });

  const post = (body: Clue) => call(system.baseUrl, 'POST', COLLECT, { body });

  /** Every answer is 200 or 503 with Retry-After; each 200 clue is stored once, as sent. */
  const expectAnsweredHonestly = async (partnerId: string, bodies: Clue[], responses: ApiResponse[]) => {
    for (const response of responses) {
      expect([200, 503]).toContain(response.status);
      if (response.status === 503) {
        expect(response.body.code).toBe('503');
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
    }
    const rows = (await db('clue').where({ partner_id: partnerId }).select('business_id', 'receive_count')) as Array<{
      business_id: string;
      receive_count: number;
    }>;
    const stored = new Map(rows.map((r) => [r.business_id, r.receive_count]));
    expect(stored.size).toBe(rows.length);
    bodies.forEach((body, i) => {
      if (responses[i]?.status === 200) expect(stored.get(body.businessId)).toBe(1);
    });
  };

  it('writes a statement whose connection was killed again on a fresh one, answering 200 or 503, never 500', async () => {
    const partner = await createPartner(db);
    expect((await post(clue(partner.secretKey))).status).toBe(200);
    const bodies = Array.from({ length: 16 }, () => clue(partner.secretKey));

    // The table lock keeps the intake statement running until its connection is killed.
    const lock = await holdLock(db, 'LOCK TABLE clue IN SHARE MODE');
    let posting: Promise<ApiResponse[]> | undefined;
    try {
      posting = Promise.all(bodies.map((body) => post(body)));
      const killed = await waitFor(
        'an intake statement to be killed',
        async () => {
          const n = await terminateBackends(db, {
            applicationName: APPLICATION_NAME,
            queryLike: [INTAKE_SQL],
            blockedBy: lock.pid,
          });
          return n > 0 ? n : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 10 },
      );
      expect(killed).toBeGreaterThan(0);
    } finally {
      await lock.release();
    }
    const responses = await posting;
    await expectAnsweredHonestly(partner.partnerId, [...bodies], responses);

    // A partner sending the refused clues again gets them stored.
    const refused = bodies.filter((_, i) => responses[i]?.status !== 200);
    for (const body of refused) expect((await post(body)).status).toBe(200);
    expect(await db('clue').where({ partner_id: partner.partnerId }).count({ n: '*' }).first()).toEqual({ n: '17' });
  });

  it('answers 200 or 503 with Retry-After, never 500, while intake connections are killed again and again', async () => {
    const partner = await createPartner(db);
    expect((await post(clue(partner.secretKey))).status).toBe(200);
    const bodies = Array.from({ length: 240 }, () => clue(partner.secretKey));
    let posting = true;
    let kills = 0;
    const killer = (async () => {
      while (posting) {
        kills += await terminateBackends(db, {
          applicationName: APPLICATION_NAME,
          queryLike: [INTAKE_SQL, '%lock_timeout%'],
        });
        await sleep(5);
      }
    })();
    let responses: ApiResponse[];
    try {
      responses = await inParallel(bodies.length, 16, (i) => post(bodies[i]!));
    } finally {
      posting = false;
      await killer;
    }
    expect(kills).toBeGreaterThan(0);
    await expectAnsweredHonestly(partner.partnerId, bodies, responses);
  });
});
