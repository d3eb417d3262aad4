import { SimulatorClient } from '../../src/wecom/simulator/control-client';
import { createSimulator, type Simulator } from '../../src/wecom/simulator/server';

interface Snapshot {
  corpId: string;
  now: number;
  departments: Array<{ id: number; parentid: number }>;
  users: Array<{ userid: string; status: number; customer_contact: boolean }>;
  customers: Array<{
    external_contact: { external_userid: string; type: number; unionid?: string };
    follow_user: Array<{ userid: string; tags: Array<{ tag_id: string }> }>;
  }>;
  tagGroups: Array<{ group_id: string; tag: Array<{ id: string }> }>;
  groupChats: Array<{ chat_id: string; owner: string; member_list: Array<{ userid: string; type: number }> }>;
}

let sim: Simulator;
let client: SimulatorClient;

beforeAll(async () => {
  sim = createSimulator({ logLevel: 'silent' });
  client = new SimulatorClient((await sim.listen(0)).url);
});
afterAll(() => sim.close());

function withoutIdentity(snapshot: Snapshot): string {
  const { corpId: _corpId, now: _now, ...rest } = snapshot;
  return JSON.stringify(rest);
}

describe('corp generation', () => {
  it('builds byte-identical corps from the same seed and size', async () => {
    const a = await client.createCorp({ seed: 7, customers: 600 });
    const b = await client.createCorp({ seed: 7, customers: 600 });
    expect(a.corpId).not.toBe(b.corpId);
    const [sa, sb] = await Promise.all([client.state<Snapshot>(a.corpId), client.state<Snapshot>(b.corpId)]);
    expect(withoutIdentity(sa)).toBe(withoutIdentity(sb));
    expect(sa.customers).toHaveLength(600);
  });

  it('builds different corps from different seeds', async () => {
    const a = await client.createCorp({ seed: 1, customers: 200 });
    const b = await client.createCorp({ seed: 2, customers: 200 });
    const [sa, sb] = await Promise.all([client.state<Snapshot>(a.corpId), client.state<Snapshot>(b.corpId)]);
    expect(withoutIdentity(sa)).not.toBe(withoutIdentity(sb));
    const idsA = new Set(sa.customers.map((c) => c.external_contact.external_userid));
    expect(sb.customers.filter((c) => idsA.has(c.external_contact.external_userid))).toHaveLength(0);
  });

  it('sizes and shapes the corp as WeCom data looks', async () => {
    const corp = await client.createCorp({ seed: 11, customers: 1000 });
    const state = await client.state<Snapshot>(corp.corpId);
    expect(state.users).toHaveLength(20);
    expect(state.groupChats).toHaveLength(10);
    expect(state.departments.find((d) => d.id === 1)?.parentid).toBe(0);
    const deptIds = new Set(state.departments.map((d) => d.id));
    for (const d of state.departments) if (d.id !== 1) expect(deptIds.has(d.parentid)).toBe(true);
    expect(state.tagGroups).toHaveLength(6);
    for (const group of state.tagGroups) {
      expect(group.group_id).toMatch(/^et[A-Za-z0-9]{30}$/);
      expect(group.tag.length).toBeGreaterThanOrEqual(3);
      expect(group.tag.length).toBeLessThanOrEqual(8);
    }
    const followers = new Set(state.users.filter((u) => u.customer_contact && u.status === 1).map((u) => u.userid));
    for (const customer of state.customers) {
      expect(customer.external_contact.external_userid).toMatch(/^wm[A-Za-z0-9]{30}$/);
      expect([1, 2]).toContain(customer.external_contact.type);
      expect(customer.follow_user.length).toBeGreaterThanOrEqual(1);
      expect(customer.follow_user.length).toBeLessThanOrEqual(3);
      for (const follow of customer.follow_user) expect(followers.has(follow.userid)).toBe(true);
    }
    expect(state.customers.some((c) => c.external_contact.unionid !== undefined)).toBe(true);
    expect(state.customers.some((c) => c.follow_user.some((f) => f.tags.length > 0))).toBe(true);
    for (const chat of state.groupChats) {
      expect(chat.chat_id).toMatch(/^wr[A-Za-z0-9]{30}$/);
      expect(chat.member_list[0]?.userid).toBe(chat.owner);
      expect(chat.member_list.some((m) => m.type === 2)).toBe(true);
    }
  });

  it('keeps the minimums for tiny corps and honours explicit sizes', async () => {
    const tiny = await client.createCorp({ seed: 3, customers: 5 });
    const tinyState = await client.state<Snapshot>(tiny.corpId);
    expect(tinyState.users).toHaveLength(3);
    expect(tinyState.groupChats).toHaveLength(2);
    const custom = await client.createCorp({ seed: 3, customers: 50, employees: 9, groups: 4 });
    const customState = await client.state<Snapshot>(custom.corpId, ['users', 'groupChats']);
    expect(customState.users).toHaveLength(9);
    expect(customState.groupChats).toHaveLength(4);
    expect(customState.customers).toBeUndefined();
  });

  it('generates the credentials it is not given and refuses a duplicate corp id', async () => {
    const corp = await client.createCorp({ seed: 5, customers: 10, corpId: 'wwfixed01', secret: 'given-secret' });
    expect(corp.corpId).toBe('wwfixed01');
    expect(corp.secret).toBe('given-secret');
    expect(corp.encodingAesKey).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(corp.callbackToken.length).toBeGreaterThan(0);
    await expect(client.createCorp({ seed: 5, customers: 10, corpId: 'wwfixed01' })).rejects.toMatchObject({
      status: 409,
    });
    await expect(client.createCorp({ seed: -1, customers: 10 } as never)).rejects.toMatchObject({ status: 400 });
    await expect(client.state('nope')).rejects.toMatchObject({ status: 404 });
  });
});
