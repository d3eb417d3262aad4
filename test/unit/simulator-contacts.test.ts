import { SimulatorClient, type CorpCredentialsAnswer } from '../../src/wecom/simulator/control-client';
import { createSimulator, type Simulator } from '../../src/wecom/simulator/server';

interface Snapshot {
  users: Array<{ userid: string; department: number[]; status: number; customer_contact: boolean }>;
  departments: Array<{ id: number; parentid: number }>;
  customers: Array<{ external_contact: { external_userid: string }; follow_user: Array<{ userid: string }> }>;
}

let sim: Simulator;
let client: SimulatorClient;
let corp: CorpCredentialsAnswer;
let token: string;
let state: Snapshot;

beforeAll(async () => {
  sim = createSimulator({ logLevel: 'silent' });
  client = new SimulatorClient((await sim.listen(0)).url);
  corp = await client.createCorp({ seed: 21, customers: 1500 });
  token = await client.token(corp.corpId, corp.secret);
  state = await client.state<Snapshot>(corp.corpId);
});
afterAll(() => sim.close());

function followers(): string[] {
  return state.users.filter((u) => u.customer_contact && u.status === 1).map((u) => u.userid);
}

describe('organisation', () => {
  it('lists the whole department tree or one subtree', async () => {
    const all = await client.call('listDepartments', { accessToken: token });
    expect(all.department?.map((d) => d.id)).toEqual(state.departments.map((d) => d.id));
    const child = state.departments.find((d) => d.id !== 1) as { id: number };
    const sub = await client.call('listDepartments', { accessToken: token, query: { id: String(child.id) } });
    expect(sub.department?.[0]?.id).toBe(child.id);
    const ids = new Set(sub.department?.map((d) => d.id));
    for (const d of sub.department ?? []) if (d.id !== child.id) expect(ids.has(d.parentid)).toBe(true);
    expect((await client.call('listDepartments', { accessToken: token, query: { id: '999999' } })).errcode).toBe(60123);
  });

  it('gets users, refuses unknown ones and lists by department with or without children', async () => {
    const someone = state.users[0] as { userid: string };
    const user = await client.call('getUser', { accessToken: token, query: { userid: someone.userid } });
    expect(user).toMatchObject({ errcode: 0, userid: someone.userid });
    expect((await client.call('getUser', { accessToken: token, query: { userid: 'nobody' } })).errcode).toBe(60111);
    expect((await client.call('getUser', { accessToken: token, query: { userid: 'bad id!' } })).errcode).toBe(40003);
    expect((await client.call('getUser', { accessToken: token, query: {} })).errcode).toBe(41009);
    const root = await client.call('listUsers', {
      accessToken: token,
      query: { department_id: '1', fetch_child: '1' },
    });
    expect(root.userlist).toHaveLength(state.users.length);
    const direct = await client.call('listUsers', { accessToken: token, query: { department_id: '1' } });
    expect(direct.userlist?.length).toBeLessThan(state.users.length);
  });

  it('pages user/list_id with a cursor, one row per (member, department)', async () => {
    const expected = state.users.flatMap((u) => u.department.map((d) => `${u.userid}/${d}`));
    const seen: string[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const page = await client.call('listUserIds', { accessToken: token, body: { cursor, limit: 7 } });
      expect(page.errcode).toBe(0);
      expect(page.dept_user!.length).toBeLessThanOrEqual(7);
      seen.push(...page.dept_user!.map((r) => `${r.userid}/${r.department}`));
      cursor = page.next_cursor ?? '';
      pages++;
    } while (cursor !== '');
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 7));
    expect((await client.call('listUserIds', { accessToken: token, body: { limit: 10001 } })).errcode).toBe(40058);
  });
});

describe('customers', () => {
  it('lists the follow users and each member customers', async () => {
    const answer = await client.call('getFollowUserList', { accessToken: token });
    expect(answer.follow_user).toEqual(followers());
    const member = followers()[0] as string;
    const list = await client.call('listExternalContacts', { accessToken: token, query: { userid: member } });
    const expected = state.customers
      .filter((c) => c.follow_user.some((f) => f.userid === member))
      .map((c) => c.external_contact.external_userid)
      .sort();
    expect([...(list.external_userid ?? [])].sort()).toEqual(expected);
  });

  it('gets one customer with follow users and tags, 40096 for an unknown id, 84061 without a relation', async () => {
    const customer = state.customers[0]!;
    const id = customer.external_contact.external_userid;
    const answer = await client.call('getExternalContact', { accessToken: token, query: { external_userid: id } });
    expect(answer.errcode).toBe(0);
    expect(answer.external_contact?.external_userid).toBe(id);
    expect(answer.follow_user?.map((f) => f.userid)).toEqual(customer.follow_user.map((f) => f.userid));
    const unknown = await client.call('getExternalContact', {
      accessToken: token,
      query: { external_userid: 'wmXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' },
    });
    expect(unknown.errcode).toBe(40096);
    expect((await client.call('getExternalContact', { accessToken: token, query: {} })).errcode).toBe(41035);
    for (const follow of customer.follow_user) {
      await client.action(corp.corpId, 'employee-deletes-customer', {
        userid: follow.userid,
        externalUserid: id,
        silent: true,
      });
    }
    const gone = await client.call('getExternalContact', { accessToken: token, query: { external_userid: id } });
    expect(gone.errcode).toBe(84061);
    state = await client.state<Snapshot>(corp.corpId);
  });

  it('pages batch/get_by_user over every (customer, member) pair exactly once', async () => {
    const members = followers();
    const expected = new Set(
      state.customers.flatMap((c) => c.follow_user.map((f) => `${c.external_contact.external_userid}|${f.userid}`)),
    );
    const seen: string[] = [];
    let cursor = '';
    do {
      const page = await client.call('batchGetByUser', {
        accessToken: token,
        body: { userid_list: members, cursor, limit: 37 },
      });
      expect(page.errcode).toBe(0);
      expect(page.external_contact_list!.length).toBeLessThanOrEqual(37);
      for (const item of page.external_contact_list!) {
        seen.push(`${item.external_contact.external_userid}|${item.follow_info.userid}`);
        expect(Array.isArray(item.follow_info.tag_id)).toBe(true);
      }
      cursor = page.next_cursor ?? '';
    } while (cursor !== '');
    expect(seen.length).toBe(expected.size);
    expect(new Set(seen)).toEqual(expected);
  });

  it('clamps batch/get_by_user limits and checks the member list', async () => {
    const members = followers();
    const big = await client.call('batchGetByUser', {
      accessToken: token,
      body: { userid_list: members, limit: 1000 },
    });
    expect(big.external_contact_list).toHaveLength(100);
    const byDefault = await client.call('batchGetByUser', { accessToken: token, body: { userid_list: members } });
    expect(byDefault.external_contact_list).toHaveLength(50);
    expect(byDefault.next_cursor).not.toBe('');
    const tooMany = Array.from({ length: 101 }, (_, i) => `user${i}`);
    expect((await client.call('batchGetByUser', { accessToken: token, body: { userid_list: tooMany } })).errcode).toBe(
      40031,
    );
    expect(
      (await client.call('batchGetByUser', { accessToken: token, body: { userid_list: ['ghost'] } })).errcode,
    ).toBe(40031);
    const badCursor = await client.call('batchGetByUser', {
      accessToken: token,
      body: { userid_list: members, cursor: 'garbage' },
    });
    expect(badCursor.errcode).toBe(40058);
  });

  it('edits remarks with WeCom validation and no callback', async () => {
    const customer = state.customers.find((c) => c.follow_user.length > 0)!;
    const id = customer.external_contact.external_userid;
    const userid = customer.follow_user[0]!.userid;
    const ok = await client.call('remark', {
      accessToken: token,
      body: { userid, external_userid: id, remark: '老王', description: '周末联系', remark_mobiles: ['13800000000'] },
    });
    expect(ok.errcode).toBe(0);
    const got = await client.call('getExternalContact', { accessToken: token, query: { external_userid: id } });
    expect(got.follow_user?.find((f) => f.userid === userid)).toMatchObject({
      remark: '老王',
      description: '周末联系',
      remark_mobiles: ['13800000000'],
    });
    const empty = await client.call('remark', { accessToken: token, body: { userid, external_userid: id } });
    expect(empty.errcode).toBe(40058);
    const tooLong = await client.call('remark', {
      accessToken: token,
      body: { userid, external_userid: id, remark: 'x'.repeat(21) },
    });
    expect(tooLong.errcode).toBe(40058);
    const stranger = followers().find((u) => !customer.follow_user.some((f) => f.userid === u))!;
    const noRelation = await client.call('remark', {
      accessToken: token,
      body: { userid: stranger, external_userid: id, remark: 'x' },
    });
    expect(noRelation.errcode).toBe(84061);
    const callbacks = await client.control<{ callbacks: unknown[] }>('GET', `/corps/${corp.corpId}/callbacks`);
    expect(callbacks.callbacks).toHaveLength(0);
  });

  it('answers 40058 when a POST API is called with GET', async () => {
    const response = await fetch(
      `${client.baseUrl}/cgi-bin/externalcontact/batch/get_by_user?access_token=${encodeURIComponent(token)}`,
    );
    expect(response.status).toBe(200);
    expect(((await response.json()) as { errcode: number }).errcode).toBe(40058);
  });
});
