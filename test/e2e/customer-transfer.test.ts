import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import { bumpGrantVersion } from '../../src/db/queries/access';
import { createLogger } from '../../src/logger';
import { customerTransferWorkflowId } from '../../src/temporal/names';
import { createWecomApiFactory } from '../../src/wecom/client-factory';
import { CUSTOMER_TRANSFER_API_PORT, sharedTemporalAddress } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { TestSystem } from '../helpers/system';
import { sleep, waitFor } from '../helpers/wait';
import { control, createSimulatedCorp, simulatorUrl, type SimulatedCorp } from '../helpers/wecom';

const TASK_QUEUE = 'test-customer-transfer';
const TRANSFER_PATH = 'externalcontact/transfer_customer';
const ZH = { 'accept-language': 'zh-CN' };

interface ItemView {
  externalUserid: string;
  handoverUserid: string | null;
  takeoverUserid: string;
  clueId: string | null;
  state: 'rejected' | 'pending' | 'waiting' | 'succeeded' | 'failed';
  checkResult: string | null;
  errcode: number | null;
  status: number | null;
  takeoverTime: string | null;
  final: boolean;
  reason: string | null;
}
interface TransferView {
  id: string;
  workflowId: string | null;
  status: 'running' | 'done';
  items: ItemView[];
}

let db: Db;
let temporal: Client;
let system: TestSystem;

/** Its own API and worker (polling every 2 s), so a test can kill the worker without touching the shared one. */
beforeAll(async () => {
  db = testDb();
  temporal = new Client({ connection: await Connection.connect({ address: sharedTemporalAddress }) });
  system = new TestSystem({
    name: 'customer-transfer',
    temporalAddress: sharedTemporalAddress,
    apiPort: CUSTOMER_TRANSFER_API_PORT,
    taskQueue: TASK_QUEUE,
    env: { TRANSFER_POLL_SECONDS: '2' },
  });
  await system.start();
}, 180_000);
afterAll(async () => {
  await system.stop();
  await temporal.connection.close();
  await db.destroy();
});

interface Stand {
  corp: SimulatedCorp;
  username: string;
  post<T>(path: string, body: unknown): ReturnType<typeof call<T>>;
  get<T>(path: string): ReturnType<typeof call<T>>;
  /** Active members with the customer-contact feature, the one with most customers first. */
  members: string[];
  /** Valid customers of a member in the mirror. */
  customersOf(userid: string): Promise<string[]>;
  act(name: string, body: Record<string, unknown>): Promise<unknown>;
  transferCalls(): Promise<number>;
}

/** A simulated corp of its own, fully mirrored, with an admin of it. */
async function stand(options: { seed: number; customers: number; before?: (corp: SimulatedCorp) => Promise<void> }) {
  const corp = await createSimulatedCorp(db, {
    seed: options.seed,
    customers: options.customers,
    employees: 6,
    apiUrl: system.baseUrl,
  });
  await options.before?.(corp);
  const sync = await temporal.workflow.start('wecomFullSync', {
    workflowId: `wecom-sync-all-${corp.corpId}`,
    taskQueue: TASK_QUEUE,
    args: [{ corpId: corp.corpId, kind: 'all', startedBy: 'test' }],
  });
  await sync.result();
  const admin = await createAdmin(db, system.baseUrl, { corpId: corp.corpId });
  const counts = (await db('wecom_relation as r')
    .join('wecom_employee as e', function on() {
      this.on('e.corp_id', '=', 'r.corp_id').andOn('e.userid', '=', 'r.userid');
    })
    .where({ 'r.corp_id': corp.corpId, 'r.status': 0, 'e.status': 1, 'e.is_del': 0 })
    .groupBy('r.userid')
    .orderByRaw('count(*) desc, r.userid')
    .select('r.userid')) as Array<{ userid: string }>;
  const others = (await db('wecom_employee')
    .where({ corp_id: corp.corpId, status: 1, is_del: 0, has_contact_feature: true })
    .orderBy('userid')
    .pluck('userid')) as string[];
  const members = [...new Set([...counts.map((c) => c.userid), ...others])];
  const s: Stand = {
    corp,
    username: admin.username,
    post: <T>(path: string, body: unknown) =>
      call<T>(system.baseUrl, 'POST', path, { token: admin.token, body, headers: ZH }),
    get: <T>(path: string) => call<T>(system.baseUrl, 'GET', path, { token: admin.token, headers: ZH }),
    members,
    customersOf: async (userid) =>
      (await db('wecom_relation')
        .where({ corp_id: corp.corpId, userid, status: 0 })
        .orderBy('external_userid')
        .pluck('external_userid')) as string[],
    act: (name, body) => control('POST', `/corps/${corp.corpId}/actions/${name}`, body),
    transferCalls: async () =>
      (await control<{ apiCalls: { byPath: Record<string, number> } }>('GET', `/corps/${corp.corpId}/stats`)).apiCalls
        .byPath[TRANSFER_PATH] ?? 0,
  };
  return s;
}

/** A customer only the handover follows. */
async function customerOnlyOf(s: Stand, handover: string, takeover: string, skip: string[] = []): Promise<string> {
  const theirs = new Set(await s.customersOf(takeover));
  const single = new Set(
    (await db('wecom_relation')
      .where({ corp_id: s.corp.corpId, status: 0 })
      .groupBy('external_userid')
      .havingRaw('count(*) = 1')
      .pluck('external_userid')) as string[],
  );
  const mine = (await s.customersOf(handover)).filter((e) => single.has(e) && !theirs.has(e) && !skip.includes(e));
  if (!mine[0]) throw new Error(`no customer of ${handover} without ${takeover}`);
  return mine[0];
}

async function transfer(s: Stand, body: Record<string, unknown>): Promise<TransferView> {
  const answer = await s.post<TransferView>('/admin/clue/transferOwner', body);
  if (answer.status !== 200) throw new Error(`transferOwner answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body.data;
}

async function readTransfer(s: Stand, id: string): Promise<TransferView> {
  const answer = await s.get<TransferView>(`/admin/clue/transfer?id=${id}`);
  expect(answer.status).toBe(200);
  return answer.body.data;
}

const finished = (s: Stand, id: string, timeoutMs = 60_000) =>
  waitFor(
    `transfer ${id} to finish`,
    async () => {
      const view = await readTransfer(s, id);
      return view.status === 'done' ? view : undefined;
    },
    { timeoutMs, intervalMs: 300 },
  );

const allWaiting = (s: Stand, id: string, timeoutMs = 30_000) =>
  waitFor(
    `transfer ${id} to be sent`,
    async () => {
      const view = await readTransfer(s, id);
      return view.items.every((i) => i.state !== 'pending') ? view : undefined;
    },
    { timeoutMs },
  );

const relation = (s: Stand, externalUserid: string, userid: string) =>
  db('wecom_relation').where({ corp_id: s.corp.corpId, external_userid: externalUserid, userid }).first();

const customerEvents = (s: Stand, externalUserid: string) =>
  db('customer_event').where({ corp_id: s.corp.corpId, external_userid: externalUserid }).orderBy('id');

describe('in-service customer transfer (clueDetail.transferOwner)', () => {
  it('moves an accepted customer, its relations, its clue owner and the timeline', async () => {
    const s = await stand({ seed: 401, customers: 12 });
    const [handover, takeover] = s.members as [string, string];
    const customer = await customerOnlyOf(s, handover, takeover);
    const [clue] = (await db('clue')
      .insert({
        link_man_name: '转接测试',
        link_man_tel: '13800138000',
        phone_normalized: '13800138000',
        status: 'assigned',
        distribution_state: 'started',
        owner_userid: handover,
        owner_name: '原销售',
        cuser: 'test',
      })
      .returning('id')) as Array<{ id: string }>;
    const clueId = String(clue!.id);
    const link = await s.post('/admin/clue/linkWecomCustomer', { clueId, externalUserid: customer });
    expect(link.status).toBe(200);

    const started = await transfer(s, {
      clueIds: [clueId],
      handoverUserid: handover,
      takeoverUserid: takeover,
      transferMsg: '您好，后续由新同事为您服务',
    });
    expect(started.workflowId).toBe(customerTransferWorkflowId(started.id));
    expect(started.items).toEqual([
      expect.objectContaining({
        externalUserid: customer,
        handoverUserid: handover,
        takeoverUserid: takeover,
        clueId,
        state: 'pending',
      }),
    ]);
    await allWaiting(s, started.id);
    const requested = await customerEvents(s, customer);
    expect(requested.map((e) => [e.kind, e.cuser])).toEqual([['transfer_requested', s.username]]);
    expect(requested[0].detail).toEqual({ transferId: started.id, handover, takeover });

    await s.act('transfer-decided', { externalUserid: customer, outcome: 'accept' });
    const done = await finished(s, started.id);
    expect(done.items[0]).toMatchObject({ state: 'succeeded', status: 1, final: true, errcode: 0, reason: '转接成功' });
    expect(done.items[0]!.takeoverTime).not.toBeNull();

    expect(await relation(s, customer, handover)).toMatchObject({ status: 3 });
    expect(await relation(s, customer, takeover)).toMatchObject({ status: 0 });
    expect(await db('clue').where({ id: clueId }).first()).toMatchObject({ owner_userid: takeover });
    const clueEvents = await db('clue_event').where({ clue_id: clueId, kind: 'owner_transferred' });
    expect(clueEvents.map((e) => e.detail)).toEqual([{ transferId: started.id, from: handover, to: takeover }]);
    const events = await customerEvents(s, customer);
    expect(events.map((e) => e.kind)).toEqual(['transfer_requested', 'transfer_succeeded']);
    expect(events[1]).toMatchObject({ cuser: null });
    expect(events[1].detail).toMatchObject({ transferId: started.id, handover, takeover });
    // WeCom was called with the message, once.
    expect(await s.transferCalls()).toBe(1);
  });

  it('keeps a refusing customer with its owner, shows why, and is woken by the transfer_fail callback', async () => {
    const s = await stand({ seed: 402, customers: 12 });
    const [handover, takeover] = s.members as [string, string];
    const customer = await customerOnlyOf(s, handover, takeover);
    const started = await transfer(s, {
      externalUserids: [customer],
      handoverUserid: handover,
      takeoverUserid: takeover,
    });
    await allWaiting(s, started.id);
    await s.act('transfer-decided', { externalUserid: customer, outcome: 'refuse' });
    const done = await finished(s, started.id);
    expect(done.items[0]).toMatchObject({
      state: 'failed',
      status: 3,
      final: true,
      reason: '客户拒绝了转接，仍由原跟进人跟进',
    });
    expect(await relation(s, customer, handover)).toMatchObject({ status: 0 });
    const taken = await relation(s, customer, takeover);
    expect(taken?.status ?? null).not.toBe(0);
    const events = await customerEvents(s, customer);
    expect(events.map((e) => e.kind)).toEqual(['transfer_requested', 'transfer_failed']);
    expect(events[1].detail).toEqual({
      transferId: started.id,
      handover,
      takeover,
      status: 3,
      reason: '客户拒绝了转接，仍由原跟进人跟进',
    });
    const history = await temporal.workflow.getHandle(customerTransferWorkflowId(started.id)).fetchHistory();
    const signals = (history.events ?? []).filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'transferNews',
    );
    expect(signals.length).toBeGreaterThanOrEqual(1);
  });

  it('completes by itself 24 hours later (the simulator clock advanced), progress readable meanwhile', async () => {
    const s = await stand({ seed: 403, customers: 12 });
    const [handover, takeover] = s.members as [string, string];
    const customer = await customerOnlyOf(s, handover, takeover);
    const started = await transfer(s, { externalUserids: [customer], takeoverUserid: takeover });
    expect(started.items[0]).toMatchObject({ handoverUserid: handover, state: 'pending' });
    const waiting = await allWaiting(s, started.id);
    expect(waiting.items[0]).toMatchObject({ state: 'waiting', status: 2, final: false });
    const progress = await waitFor('the progress query to see the waiting customer', async () => {
      const p = (await temporal.workflow.getHandle(customerTransferWorkflowId(started.id)).query('progress')) as {
        items: Array<{ externalUserid: string; status: number | null }>;
      } | null;
      return p?.items[0]?.status === 2 ? p : undefined;
    });
    expect(progress.items).toEqual([expect.objectContaining({ externalUserid: customer, status: 2 })]);
    await sleep(2500);
    expect((await readTransfer(s, started.id)).status).toBe('running');

    await control('POST', `/corps/${s.corp.corpId}/clock`, { advanceSeconds: 24 * 3600 + 60 });
    const done = await finished(s, started.id);
    expect(done.items[0]).toMatchObject({ state: 'succeeded', status: 1 });
    expect(await relation(s, customer, handover)).toMatchObject({ status: 3 });
    expect(await relation(s, customer, takeover)).toMatchObject({ status: 0 });
    expect((await customerEvents(s, customer)).map((e) => e.kind)).toEqual([
      'transfer_requested',
      'transfer_succeeded',
    ]);
  });

  it('reports a takeover at its customer limit (status 4) and leaves the customer where it was', async () => {
    const s = await stand({ seed: 404, customers: 12 });
    const [handover, takeover] = s.members as [string, string];
    const customer = await customerOnlyOf(s, handover, takeover);
    const held = (await s.customersOf(takeover)).length;
    const patched = await fetch(`${simulatorUrl}/control/corps/${s.corp.corpId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerLimitPerMember: Math.max(1, held) }),
    });
    expect(patched.status).toBe(200);
    const started = await transfer(s, {
      externalUserids: [customer],
      handoverUserid: handover,
      takeoverUserid: takeover,
    });
    await allWaiting(s, started.id);
    await control('POST', `/corps/${s.corp.corpId}/clock`, { advanceSeconds: 24 * 3600 + 60 });
    const done = await finished(s, started.id);
    expect(done.items[0]).toMatchObject({
      state: 'failed',
      status: 4,
      reason: '接替成员的客户数已达上限，仍由原跟进人跟进',
    });
    expect(await relation(s, customer, handover)).toMatchObject({ status: 0 });
    const events = await customerEvents(s, customer);
    expect(events.map((e) => e.kind)).toEqual(['transfer_requested', 'transfer_failed']);
    expect(events[1].detail).toMatchObject({ status: 4 });
  });

  it('refuses a third transfer in 90 days: locally from its own record, and from WeCom’s 40128 without one', async () => {
    const s = await stand({ seed: 405, customers: 14 });
    const [a, b, c] = s.members as [string, string, string];
    const local = await customerOnlyOf(s, a, b);
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const t = await transfer(s, { externalUserids: [local], handoverUserid: from, takeoverUserid: to });
      await allWaiting(s, t.id);
      await s.act('transfer-decided', { externalUserid: local, outcome: 'accept' });
      expect((await finished(s, t.id)).items[0]).toMatchObject({ state: 'succeeded' });
    }
    const callsBefore = await s.transferCalls();
    const third = await transfer(s, { externalUserids: [local], handoverUserid: a, takeoverUserid: c });
    expect(third.workflowId).toBeNull();
    expect(third.status).toBe('done');
    expect(third.items[0]).toMatchObject({
      state: 'rejected',
      checkResult: 'TOO_OFTEN',
      reason: '该客户90天内已转接2次，企业微信不允许再次转接',
    });
    await sleep(1000);
    expect(await s.transferCalls()).toBe(callsBefore);
    expect(await relation(s, local, a)).toMatchObject({ status: 0 });

    // Two transfers made in WeCom directly: nothing here knows of them, WeCom answers 40128.
    const remote = await customerOnlyOf(s, a, b, [local]);
    const wecom = await createWecomApiFactory(db, {
      baseUrl: `${simulatorUrl}/cgi-bin/`,
      logger: createLogger('test', 'silent'),
    })(s.corp.corpId);
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      await wecom.call('transferCustomer', {
        body: { handover_userid: from, takeover_userid: to, external_userid: [remote] },
      });
      await s.act('transfer-decided', { externalUserid: remote, outcome: 'accept' });
    }
    await waitFor('the mirror to follow the direct transfers back', async () => {
      const r = await relation(s, remote, a);
      // b held the customer in between: its relation ended by the second transfer.
      const live = await db('wecom_customer')
        .where({ corp_id: s.corp.corpId, external_userid: remote, is_del: 0 })
        .first();
      return live && r?.status === 0 && (await relation(s, remote, b))?.status === 3;
    });
    const refused = await transfer(s, { externalUserids: [remote], handoverUserid: a, takeoverUserid: c });
    expect(refused.items[0]).toMatchObject({ state: 'pending', checkResult: null });
    const done = await finished(s, refused.id);
    expect(done.items[0]).toMatchObject({
      state: 'failed',
      errcode: 40128,
      status: null,
      reason: '该客户90天内已转接2次，企业微信拒绝再次转接',
    });
    expect(await relation(s, remote, a)).toMatchObject({ status: 0 });
    const events = await customerEvents(s, remote);
    expect(events.map((e) => e.kind)).toEqual(['transfer_requested', 'transfer_failed']);
    expect(events[1].detail).toMatchObject({ errcode: 40128, transferId: refused.id });
  });

  it('answers bad input with one 400 and stores nothing; reports unfit customers one by one', async () => {
    const s = await stand({ seed: 406, customers: 12 });
    const [handover, takeover] = s.members as [string, string];
    const before = await db('customer_transfer')
      .where({ corp_id: s.corp.corpId })
      .count<{ count: string }[]>('* as count');
    const bad = await s.post<{ errors: Array<{ field: string; message: string }> }>('/admin/clue/transferOwner', {
      takeoverUserid: 'nobody-here',
      clueIds: ['999999999'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.data.errors.map((e) => e.field).sort()).toEqual(['clueIds', 'takeoverUserid']);
    expect(bad.body.data.errors.every((e) => /[\u4e00-\u9fff]/.test(e.message))).toBe(true);
    const same = await s.post('/admin/clue/transferOwner', {
      externalUserids: ['x'],
      handoverUserid: handover,
      takeoverUserid: handover,
    });
    expect(same.status).toBe(400);
    const none = await s.post('/admin/clue/transferOwner', { takeoverUserid: takeover });
    expect(none.status).toBe(400);
    const after = await db('customer_transfer')
      .where({ corp_id: s.corp.corpId })
      .count<{ count: string }[]>('* as count');
    expect(after[0]!.count).toBe(before[0]!.count);

    const mine = await customerOnlyOf(s, handover, takeover);
    const shared = (await s.customersOf(takeover))[0]!;
    const mixed = await transfer(s, {
      externalUserids: [mine, 'wm-no-such-customer', shared],
      handoverUserid: handover,
      takeoverUserid: takeover,
    });
    const byCustomer = new Map(mixed.items.map((i) => [i.externalUserid, i]));
    expect(byCustomer.get(mine)).toMatchObject({ state: 'pending' });
    expect(byCustomer.get('wm-no-such-customer')).toMatchObject({
      state: 'rejected',
      checkResult: 'CUSTOMER_NOT_FOUND',
    });
    expect(byCustomer.get(shared)?.state).toBe('rejected');
    const again = await transfer(s, { externalUserids: [mine], handoverUserid: handover, takeoverUserid: takeover });
    expect(again.items[0]).toMatchObject({
      state: 'rejected',
      checkResult: 'ALREADY_TRANSFERRING',
      reason: '该客户已在转接中，请等待结果',
    });
    const page = await s.post<{ total: number; list: Array<{ id: string; customers: number }> }>(
      '/admin/clue/transfer/page',
      {
        pageNum: 1,
        pageSize: 10,
      },
    );
    expect(page.status).toBe(200);
    expect(page.body.data.list.map((t) => [t.id, t.customers])).toEqual([
      [again.id, 1],
      [mixed.id, 3],
    ]);
  });

  it('sends 250 customers in exactly 3 transfer_customer calls and follows each to the end', async () => {
    const s = await stand({
      seed: 407,
      customers: 5,
      before: async (corp) => {
        const state = await control<{ users: Array<{ userid: string; status: number; customer_contact?: boolean }> }>(
          'GET',
          `/corps/${corp.corpId}/state?sections=users`,
        );
        const owner = state.users.find((u) => u.status === 1)!.userid;
        for (let i = 0; i < 250; i++) {
          await control('POST', `/corps/${corp.corpId}/actions/customer-adds-employee`, {
            userid: owner,
            silent: true,
          });
        }
      },
    });
    const [handover, takeover] = s.members as [string, string];
    const theirs = new Set(await s.customersOf(takeover));
    const customers = (await s.customersOf(handover)).filter((e) => !theirs.has(e)).slice(0, 250);
    expect(customers).toHaveLength(250);
    const started = await transfer(s, {
      externalUserids: customers,
      handoverUserid: handover,
      takeoverUserid: takeover,
    });
    expect(started.items.filter((i) => i.state === 'pending')).toHaveLength(250);
    const sent = await allWaiting(s, started.id);
    expect(sent.items.filter((i) => i.state === 'waiting')).toHaveLength(250);
    expect(await s.transferCalls()).toBe(3);
    await control('POST', `/corps/${s.corp.corpId}/clock`, { advanceSeconds: 24 * 3600 + 60 });
    const done = await finished(s, started.id, 120_000);
    expect(done.items.filter((i) => i.state === 'succeeded')).toHaveLength(250);
    const moved = await db('wecom_relation')
      .where({ corp_id: s.corp.corpId, userid: takeover, status: 0 })
      .whereIn('external_userid', customers)
      .count<{ count: string }[]>('* as count');
    expect(Number(moved[0]!.count)).toBe(250);
    const succeeded = await db('customer_event')
      .where({ corp_id: s.corp.corpId, kind: 'transfer_succeeded' })
      .count<{ count: string }[]>('* as count');
    expect(Number(succeeded[0]!.count)).toBe(250);
    expect(await s.transferCalls()).toBe(3);
  });

  it('loses nothing when the worker is killed mid-poll and restarted', async () => {
    const s = await stand({ seed: 408, customers: 14 });
    const [handover, takeover] = s.members as [string, string];
    const theirs = new Set(await s.customersOf(takeover));
    const [accepts, refuses, waits] = (await s.customersOf(handover)).filter((e) => !theirs.has(e)) as [
      string,
      string,
      string,
    ];
    const started = await transfer(s, {
      externalUserids: [accepts, refuses, waits],
      handoverUserid: handover,
      takeoverUserid: takeover,
    });
    await allWaiting(s, started.id);
    await sleep(2500); // at least one more poll, so the kill lands in the polling loop
    await system.stopWorker('SIGKILL');
    await s.act('transfer-decided', { externalUserid: accepts, outcome: 'accept' });
    await s.act('transfer-decided', { externalUserid: refuses, outcome: 'refuse' });
    await control('POST', `/corps/${s.corp.corpId}/clock`, { advanceSeconds: 24 * 3600 + 60 });
    await sleep(1000);
    expect((await readTransfer(s, started.id)).status).toBe('running');
    await system.startWorker();
    const done = await finished(s, started.id);
    const byCustomer = new Map(done.items.map((i) => [i.externalUserid, i]));
    expect(byCustomer.get(accepts)).toMatchObject({ state: 'succeeded', status: 1 });
    expect(byCustomer.get(refuses)).toMatchObject({ state: 'failed', status: 3 });
    expect(byCustomer.get(waits)).toMatchObject({ state: 'succeeded', status: 1 });
    expect(await s.transferCalls()).toBe(1);
    for (const customer of [accepts, refuses, waits]) {
      const kinds = (await customerEvents(s, customer)).map((e) => e.kind);
      expect(kinds).toEqual(['transfer_requested', customer === refuses ? 'transfer_failed' : 'transfer_succeeded']);
    }
    expect(await relation(s, accepts, handover)).toMatchObject({ status: 3 });
    expect(await relation(s, refuses, handover)).toMatchObject({ status: 0 });
    expect(await relation(s, waits, takeover)).toMatchObject({ status: 0 });
  });
  it('sends each customer to WeCom once when the worker dies during the transfer_customer call', async () => {
    const s = await stand({ seed: 409, customers: 14 });
    const [handover, takeover] = s.members as [string, string];
    const theirs = new Set(await s.customersOf(takeover));
    const pair = (await s.customersOf(handover)).filter((e) => !theirs.has(e)).slice(0, 2);
    expect(pair).toHaveLength(2);
    // The first call hangs long enough for the kill to land while it is in flight.
    await control('POST', `/corps/${s.corp.corpId}/faults`, { path: TRANSFER_PATH, latencyMs: 4000, count: 1 });
    const started = await transfer(s, { externalUserids: pair, handoverUserid: handover, takeoverUserid: takeover });
    await waitFor(
      'the call to go out',
      async () =>
        (await db('customer_transfer_item').where({ transfer_id: started.id }).whereNotNull('sent_at')).length === 2,
      { intervalMs: 50 },
    );
    await system.stopWorker('SIGKILL');
    await sleep(5000);
    await system.startWorker();
    // The dead attempt is noticed at its 30 s start-to-close timeout.
    const sent = await allWaiting(s, started.id, 90_000);
    expect(sent.items.map((i) => [i.state, i.errcode])).toEqual([
      ['waiting', 0],
      ['waiting', 0],
    ]);
    const state = await control<{ transfers: Array<{ externalUserid: string; status: number }> }>(
      'GET',
      `/corps/${s.corp.corpId}/state?sections=transfers`,
    );
    for (const customer of pair) {
      expect(state.transfers.filter((t) => t.externalUserid === customer)).toHaveLength(1);
    }
    await control('POST', `/corps/${s.corp.corpId}/clock`, { advanceSeconds: 24 * 3600 + 60 });
    const done = await finished(s, started.id);
    expect(done.items.map((i) => i.state)).toEqual(['succeeded', 'succeeded']);
    for (const customer of pair) {
      expect((await customerEvents(s, customer)).map((e) => e.kind)).toEqual([
        'transfer_requested',
        'transfer_succeeded',
      ]);
    }
  });
  it('keeps to the data scope: a self-scoped admin neither transfers nor reads customers of others', async () => {
    const s = await stand({ seed: 410, customers: 12 });
    const [handover, takeover, own] = s.members as [string, string, string];
    const customer = await customerOnlyOf(s, handover, takeover);
    const key = uid('transfer_self_');
    const [role] = (await db('sys_role')
      .insert({ name: key, role_key: key, data_scope: 5, cuser: 'test' })
      .returning('id')) as Array<{ id: string }>;
    const permissions = ['clueDetail:transferOwner', 'clueDetail:transferGet', 'clueDetail:transferPage'];
    const menus = (await db('sys_menu')
      .whereIn('permission', permissions)
      .where({ is_del: 0 })
      .pluck('id')) as string[];
    expect(menus).toHaveLength(3);
    await db('sys_role_menu').insert(menus.map((id) => ({ role_id: role!.id, menu_id: id })));
    const scoped = await createAdmin(db, system.baseUrl, { corpId: s.corp.corpId, roleKeys: [key] });
    await db('sys_user').where({ id: scoped.id }).update({ wecom_userid: own });
    await bumpGrantVersion(db);
    const as = <T>(method: 'GET' | 'POST', path: string, body?: unknown) =>
      call<T>(system.baseUrl, method, path, { token: scoped.token, body, headers: ZH });

    const theirs = await transfer(s, {
      externalUserids: [customer],
      handoverUserid: handover,
      takeoverUserid: takeover,
    });
    expect((await as('GET', `/admin/clue/transfer?id=${theirs.id}`)).status).toBe(404);
    const page = await as<{ total: number }>('POST', '/admin/clue/transfer/page', { pageNum: 1, pageSize: 10 });
    expect(page.body.data.total).toBe(0);
    const tried = await as<TransferView>('POST', '/admin/clue/transferOwner', {
      externalUserids: [customer],
      handoverUserid: handover,
      takeoverUserid: own,
    });
    expect(tried.status).toBe(200);
    expect(tried.body.data.items[0]).toMatchObject({ state: 'rejected', checkResult: 'CUSTOMER_NOT_FOUND' });
    expect(await db('customer_transfer_item').where({ transfer_id: tried.body.data.id, check_result: null })).toEqual(
      [],
    );
  });
});
