import { SimulatorClient, type CorpCredentialsAnswer } from '../../src/wecom/simulator/control-client';
import { createSimulator, type Simulator } from '../../src/wecom/simulator/server';

let sim: Simulator;
let client: SimulatorClient;
let corp: CorpCredentialsAnswer;
let token: string;
let followers: string[];

interface Scanned {
  userid: string;
  externalUserid: string;
  state: string | null;
  welcomeCode: string | null;
}

beforeAll(async () => {
  sim = createSimulator({ logLevel: 'silent' });
  client = new SimulatorClient((await sim.listen(0)).url);
  corp = await client.createCorp({ seed: 83, customers: 5 });
  token = await client.token(corp.corpId, corp.secret);
  followers = (await client.call('getFollowUserList', { accessToken: token })).follow_user!;
});
afterAll(() => sim.close());

const scan = (body: Record<string, unknown>) =>
  client.action<Scanned>(corp.corpId, 'customer-scans', { silent: true, ...body });

const welcome = (code: string) =>
  client.call('sendWelcomeMessage', { accessToken: token, body: { welcome_code: code, text: { content: '欢迎' } } });

describe('a customer scanning a code or opening a link', () => {
  it('goes to the single member of a one-person code, with its state and a welcome code', async () => {
    const way = await client.call('addContactWay', {
      accessToken: token,
      body: { type: 1, scene: 2, state: 'qlone', user: [followers[0]!] },
    });
    for (let i = 0; i < 3; i++) {
      const { done } = await scan({ configId: way.config_id });
      expect(done).toMatchObject({ userid: followers[0], state: 'qlone' });
      expect(done.welcomeCode).toEqual(expect.any(String));
    }
  });

  it('spreads a multi-person code over its members in turn', async () => {
    const members = followers.slice(0, 3);
    const way = await client.call('addContactWay', {
      accessToken: token,
      body: { type: 2, scene: 2, state: 'qlmulti', user: members },
    });
    const picked: string[] = [];
    for (let i = 0; i < 6; i++) picked.push((await scan({ configId: way.config_id })).done.userid);
    expect(picked).toEqual([...members, ...members]);
  });

  it('takes the customer_channel of a link as the state', async () => {
    const link = await client.call('createAcquisitionLink', {
      accessToken: token,
      body: { link_name: '链接', range: { user_list: followers.slice(0, 2) } },
    });
    const linkId = link.link?.link_id ?? '';
    const first = await scan({ linkId, customerChannel: 'ql9r3' });
    const second = await scan({ linkId, customerChannel: 'ql9r3' });
    expect(first.done.state).toBe('ql9r3');
    expect([first.done.userid, second.done.userid].sort()).toEqual(followers.slice(0, 2).sort());
  });

  it('refuses a scan naming neither or both of a code and a link', async () => {
    await expect(scan({})).rejects.toThrow(/BAD_SCAN|400/);
  });

  it('accepts its welcome code once, and not after 20 seconds', async () => {
    const way = await client.call('addContactWay', {
      accessToken: token,
      body: { type: 1, scene: 2, state: 'qlwelcome', user: [followers[1]!] },
    });
    const once = (await scan({ configId: way.config_id })).done.welcomeCode!;
    expect((await welcome(once)).errcode).toBe(0);
    expect((await welcome(once)).errcode).toBe(41051);
    const late = (await scan({ configId: way.config_id })).done.welcomeCode!;
    await client.advanceClock(corp.corpId, 20);
    expect((await welcome(late)).errcode).toBe(41049);
    expect((await welcome('no-such-code')).errcode).toBe(41049);
  });
});
