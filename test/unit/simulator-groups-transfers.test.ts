import { SimulatorClient, type CorpCredentialsAnswer } from '../../src/wecom/simulator/control-client';
import { createSimulator, type Simulator } from '../../src/wecom/simulator/server';

interface Snapshot {
  customers: Array<{
    external_contact: { external_userid: string };
    follow_user: Array<{ userid: string; remark: string }>;
  }>;
  groupChats: Array<{ chat_id: string; owner: string; member_list: Array<{ userid: string; name?: string }> }>;
}

let sim: Simulator;
let client: SimulatorClient;
let simUrl: string;

beforeAll(async () => {
  sim = createSimulator({ logLevel: 'silent' });
  simUrl = (await sim.listen(0)).url;
  client = new SimulatorClient(simUrl);
});
afterAll(() => sim.close());

async function setup(seed: number, customers = 300, groups?: number) {
  const corp: CorpCredentialsAnswer = await client.createCorp({ seed, customers, groups });
  const token = await client.token(corp.corpId, corp.secret);
  const followers = (await client.call('getFollowUserList', { accessToken: token })).follow_user!;
  return { corp, token, followers };
}

describe('customer groups', () => {
  it('pages groupchat/list over every group exactly once, filtered by owner', async () => {
    const { corp, token } = await setup(41, 300, 53);
    const state = await client.state<Snapshot>(corp.corpId, ['groupChats']);
    const seen: string[] = [];
    let cursor = '';
    do {
      const page = await client.call('listGroupChats', { accessToken: token, body: { limit: 10, cursor } });
      expect(page.errcode).toBe(0);
      expect(page.group_chat_list!.length).toBeLessThanOrEqual(10);
      seen.push(...page.group_chat_list!.map((g) => g.chat_id));
      cursor = page.next_cursor ?? '';
    } while (cursor !== '');
    expect(seen).toEqual(state.groupChats.map((g) => g.chat_id));
    const owner = state.groupChats[0]!.owner;
    const owned = await client.call('listGroupChats', {
      accessToken: token,
      body: { limit: 1000, owner_filter: { userid_list: [owner] } },
    });
    expect(owned.group_chat_list!.map((g) => g.chat_id)).toEqual(
      state.groupChats.filter((g) => g.owner === owner).map((g) => g.chat_id),
    );
    expect((await client.call('listGroupChats', { accessToken: token, body: { limit: 0 } })).errcode).toBe(40058);
    expect((await client.call('listGroupChats', { accessToken: token, body: { limit: 1001 } })).errcode).toBe(40058);
    const tooManyOwners = Array.from({ length: 101 }, (_, i) => `u${i}`);
    expect(
      (
        await client.call('listGroupChats', {
          accessToken: token,
          body: { limit: 10, owner_filter: { userid_list: tooManyOwners } },
        })
      ).errcode,
    ).not.toBe(0);
  });

  it('gets a group with member names only when asked', async () => {
    const { corp, token } = await setup(42);
    const chat = (await client.state<Snapshot>(corp.corpId, ['groupChats'])).groupChats[0]!;
    const plain = await client.call('getGroupChat', { accessToken: token, body: { chat_id: chat.chat_id } });
    expect(plain.group_chat?.owner).toBe(chat.owner);
    expect(plain.group_chat?.member_list.every((m) => m.name === undefined)).toBe(true);
    expect(plain.group_chat?.member_version).toMatch(/^[0-9a-f]{32}$/);
    const named = await client.call('getGroupChat', {
      accessToken: token,
      body: { chat_id: chat.chat_id, need_name: 1 },
    });
    expect(named.group_chat?.member_list.every((m) => typeof m.name === 'string')).toBe(true);
    expect((await client.call('getGroupChat', { accessToken: token, body: { chat_id: 'wrNOPE' } })).errcode).toBe(
      40050,
    );
  });

  it('transfers groups to a new owner and reports per-chat failures', async () => {
    const { corp, token, followers } = await setup(43);
    const chat = (await client.state<Snapshot>(corp.corpId, ['groupChats'])).groupChats[0]!;
    const newOwner = followers.find((u) => u !== chat.owner)!;
    const answer = await client.call('transferGroupChats', {
      accessToken: token,
      body: { chat_id_list: [chat.chat_id, 'wrMISSING'], new_owner: newOwner },
    });
    expect(answer.errcode).toBe(0);
    expect(answer.failed_chat_list).toEqual([{ chat_id: 'wrMISSING', errcode: 40050, errmsg: expect.any(String) }]);
    const after = await client.call('getGroupChat', { accessToken: token, body: { chat_id: chat.chat_id } });
    expect(after.group_chat?.owner).toBe(newOwner);
    expect(after.group_chat?.member_list.some((m) => m.userid === newOwner)).toBe(true);
    const same = await client.call('transferGroupChats', {
      accessToken: token,
      body: { chat_id_list: [chat.chat_id], new_owner: newOwner },
    });
    expect(same.failed_chat_list?.[0]?.errcode).toBe(90504);
  });
});

describe('in-service customer transfer', () => {
  async function pick(seed: number) {
    const ctx = await setup(seed);
    const state = await client.state<Snapshot>(ctx.corp.corpId, ['customers']);
    const customers = state.customers.filter((c) => c.follow_user.length === 1);
    const handover = customers[0]!.follow_user[0]!.userid;
    const mine = customers
      .filter((c) => c.follow_user[0]!.userid === handover)
      .map((c) => c.external_contact.external_userid);
    const takeover = ctx.followers.find((u) => u !== handover)!;
    return { ...ctx, handover, takeover, mine };
  }

  it('starts transfers per customer and completes them after 24 hours of simulated time', async () => {
    const { corp, token, handover, takeover, mine } = await pick(44);
    const [a, b] = mine as [string, string];
    const start = await client.call('transferCustomer', {
      accessToken: token,
      body: {
        handover_userid: handover,
        takeover_userid: takeover,
        external_userid: [a, b, 'wmUNKNOWNUNKNOWNUNKNOWNUNKNOWN00'],
      },
    });
    expect(start.customer).toEqual([
      { external_userid: a, errcode: 0 },
      { external_userid: b, errcode: 0 },
      { external_userid: 'wmUNKNOWNUNKNOWNUNKNOWNUNKNOWN00', errcode: 40096 },
    ]);
    const again = await client.call('transferCustomer', {
      accessToken: token,
      body: { handover_userid: handover, takeover_userid: takeover, external_userid: [a] },
    });
    expect(again.customer?.[0]?.errcode).toBe(40129);
    const waiting = await client.call('transferResult', {
      accessToken: token,
      body: { handover_userid: handover, takeover_userid: takeover },
    });
    expect(waiting.customer?.map((c) => c.status)).toEqual([2, 2]);
    await client.advanceClock(corp.corpId, 23 * 3600);
    const dayToken = await client.token(corp.corpId, corp.secret);
    const stillWaiting = await client.call('transferResult', {
      accessToken: dayToken,
      body: { handover_userid: handover, takeover_userid: takeover },
    });
    expect(stillWaiting.customer?.map((c) => c.status)).toEqual([2, 2]);
    await client.advanceClock(corp.corpId, 3600);
    const done = await client.call('transferResult', {
      accessToken: dayToken,
      body: { handover_userid: handover, takeover_userid: takeover },
    });
    expect(done.customer?.map((c) => c.status)).toEqual([1, 1]);
    expect(done.customer?.every((c) => typeof c.takeover_time === 'number')).toBe(true);
    const got = await client.call('getExternalContact', { accessToken: dayToken, query: { external_userid: a } });
    expect(got.follow_user?.map((f) => f.userid)).toEqual([takeover]);
  });

  it('lets the customer refuse, keeping the relation with the handover member', async () => {
    const { corp, token, handover, takeover, mine } = await pick(45);
    const id = mine[0]!;
    await client.call('transferCustomer', {
      accessToken: token,
      body: { handover_userid: handover, takeover_userid: takeover, external_userid: [id] },
    });
    const decided = await client.action(corp.corpId, 'transfer-decided', { externalUserid: id, outcome: 'refuse' });
    expect(decided.done).toMatchObject({ status: 3 });
    const result = await client.call('transferResult', {
      accessToken: token,
      body: { handover_userid: handover, takeover_userid: takeover },
    });
    expect(result.customer).toEqual([{ external_userid: id, status: 3 }]);
    const got = await client.call('getExternalContact', { accessToken: token, query: { external_userid: id } });
    expect(got.follow_user?.map((f) => f.userid)).toEqual([handover]);
    await expect(
      client.action(corp.corpId, 'transfer-decided', { externalUserid: id, outcome: 'accept' }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a third transfer of the same customer within 90 days (40128)', async () => {
    const { corp, token, handover, takeover, mine } = await pick(46);
    const id = mine[0]!;
    const transfer = (from: string, to: string) =>
      client.call('transferCustomer', {
        accessToken: token,
        body: { handover_userid: from, takeover_userid: to, external_userid: [id] },
      });
    expect((await transfer(handover, takeover)).customer?.[0]?.errcode).toBe(0);
    await client.action(corp.corpId, 'transfer-decided', { externalUserid: id, outcome: 'accept' });
    expect((await transfer(takeover, handover)).customer?.[0]?.errcode).toBe(0);
    await client.action(corp.corpId, 'transfer-decided', { externalUserid: id, outcome: 'accept' });
    expect((await transfer(handover, takeover)).customer?.[0]?.errcode).toBe(40128);
    await client.advanceClock(corp.corpId, 91 * 86400);
    const fresh = await client.token(corp.corpId, corp.secret);
    const later = await client.call('transferCustomer', {
      accessToken: fresh,
      body: { handover_userid: handover, takeover_userid: takeover, external_userid: [id] },
    });
    expect(later.customer?.[0]?.errcode).toBe(0);
  });

  it('settles a due transfer as status 4 when the takeover is at its limit, with a transfer_fail callback', async () => {
    const { corp, token, handover, takeover, mine } = await pick(48);
    const [a, b] = mine as [string, string];
    const held = (await client.state<Snapshot>(corp.corpId, ['customers'])).customers.filter((c) =>
      c.follow_user.some((f) => f.userid === takeover),
    ).length;
    // Room for exactly one more customer: the first settled transfer fills it, the second finds it full.
    await client.updateCorp(corp.corpId, { customerLimitPerMember: held + 1 });
    await client.call('transferCustomer', {
      accessToken: token,
      body: { handover_userid: handover, takeover_userid: takeover, external_userid: [a, b] },
    });
    const settled = await client.advanceClock(corp.corpId, 24 * 3600 + 1);
    expect(settled.callbacks.map((c) => c.changeType)).toEqual([
      'del_external_contact',
      'add_external_contact',
      'transfer_fail',
    ]);
    const fresh = await client.token(corp.corpId, corp.secret);
    const result = await client.call('transferResult', {
      accessToken: fresh,
      body: { handover_userid: handover, takeover_userid: takeover },
    });
    expect(result.customer?.map((c) => [c.external_userid, c.status])).toEqual([
      [a, 1],
      [b, 4],
    ]);
    const log = (await (await fetch(`${simUrl}/control/corps/${corp.corpId}/callbacks`)).json()) as {
      callbacks: Array<{ plaintext: string }>;
    };
    const fail = log.callbacks.map((c) => c.plaintext).find((x) => x.includes('transfer_fail'));
    expect(fail).toContain('customer_limit_exceed');
    expect(fail).toContain(`<UserID><![CDATA[${takeover}]]></UserID>`);
    const got = await client.call('getExternalContact', { accessToken: fresh, query: { external_userid: b } });
    expect(got.follow_user?.map((f) => f.userid)).toEqual([handover]);
  });

  it('sends a transfer_fail callback naming the takeover when the customer refuses', async () => {
    const { corp, token, handover, takeover, mine } = await pick(49);
    const id = mine[0]!;
    await client.call('transferCustomer', {
      accessToken: token,
      body: { handover_userid: handover, takeover_userid: takeover, external_userid: [id] },
    });
    const decided = await client.action(corp.corpId, 'transfer-decided', { externalUserid: id, outcome: 'refuse' });
    expect(decided.callbacks.map((c) => c.changeType)).toEqual(['transfer_fail']);
    const log = (await (await fetch(`${simUrl}/control/corps/${corp.corpId}/callbacks`)).json()) as {
      callbacks: Array<{ plaintext: string }>;
    };
    const fail = log.callbacks.map((c) => c.plaintext).find((x) => x.includes('transfer_fail'))!;
    expect(fail).toContain('customer_refused');
    expect(fail).toContain(`<ExternalUserID><![CDATA[${id}]]></ExternalUserID>`);
    expect(fail).toContain(`<UserID><![CDATA[${takeover}]]></UserID>`);
  });

  it('checks the members of a transfer', async () => {
    const { token, handover, takeover, mine } = await pick(47);
    const same = await client.call('transferCustomer', {
      accessToken: token,
      body: { handover_userid: handover, takeover_userid: handover, external_userid: [mine[0]!] },
    });
    expect(same.errcode).toBe(40130);
    const notFollowing = await client.call('transferCustomer', {
      accessToken: token,
      body: { handover_userid: takeover, takeover_userid: handover, external_userid: [mine[0]!] },
    });
    expect(notFollowing.customer?.[0]?.errcode).toBe(40131);
    const tooMany = await client.call('transferCustomer', {
      accessToken: token,
      body: {
        handover_userid: handover,
        takeover_userid: takeover,
        external_userid: Array.from({ length: 101 }, () => 'x'),
      },
    });
    expect(tooMany.errcode).toBe(40058);
  });
});
