import { parseCallbackEvent } from '../../src/wecom/callback-xml';
import { SimulatorClient, type CorpCredentialsAnswer } from '../../src/wecom/simulator/control-client';
import { createSimulator, type Simulator } from '../../src/wecom/simulator/server';

let sim: Simulator;
let url: string;
let client: SimulatorClient;
let corp: CorpCredentialsAnswer;
let token: string;
let follower: string;

interface Answer<D = Record<string, unknown>> {
  done: D;
  callbacks: Array<{ id: number }>;
}

beforeAll(async () => {
  sim = createSimulator({ logLevel: 'silent' });
  url = (await sim.listen(0)).url;
  client = new SimulatorClient(url);
  corp = await client.createCorp({ seed: 91, customers: 3 });
  token = await client.token(corp.corpId, corp.secret);
  follower = (await client.call('getFollowUserList', { accessToken: token })).follow_user![0]!;
});
afterAll(() => sim.close());

/** The events an action sent, decrypted and parsed, in order. */
async function sentBy(answer: Answer): Promise<Array<Record<string, unknown>>> {
  const log = (await (await fetch(`${url}/control/corps/${corp.corpId}/callbacks`)).json()) as {
    callbacks: Array<{ id: number; plaintext: string }>;
  };
  return answer.callbacks.map((c) => parseCallbackEvent(log.callbacks.find((r) => r.id === c.id)!.plaintext).fields);
}

const act = <D = Record<string, unknown>>(name: string, body: Record<string, unknown>) =>
  client.action<D>(corp.corpId, name, body) as Promise<Answer<D>>;

const quota = () => client.call('getAcquisitionQuota', { accessToken: token });

async function newLink(): Promise<string> {
  const created = await client.call('createAcquisitionLink', {
    accessToken: token,
    body: { link_name: '测试链接', range: { user_list: [follower] } },
  });
  return created.link!.link_id;
}

describe('customer_acquisition callbacks from the simulator', () => {
  it('says a link is unavailable, or deleted (and then gone for the API too)', async () => {
    const linkId = await newLink();
    const unavailable = await act('acquisition-link-unavailable', { linkId });
    expect(await sentBy(unavailable)).toEqual([
      expect.objectContaining({ Event: 'customer_acquisition', ChangeType: 'link_unavailable', LinkId: linkId }),
    ]);
    const deleted = await act('acquisition-link-deleted', { linkId });
    expect(await sentBy(deleted)).toEqual([expect.objectContaining({ ChangeType: 'delete_link', LinkId: linkId })]);
    const gone = await client.call('getAcquisitionLink', { accessToken: token, body: { link_id: linkId } });
    expect(gone.errcode).toBe(40058);
    await expect(act('acquisition-link-unavailable', { linkId })).rejects.toThrow(/404/);
  });

  it('sends a visit as friend_request by default, or open_profile, with the channel as State', async () => {
    const linkId = await newLink();
    const visit = await act('customer-opens-link', { linkId, customerChannel: 'ch1' });
    const profile = await act('customer-opens-link', { linkId, changeType: 'open_profile' });
    expect([...(await sentBy(visit)), ...(await sentBy(profile))]).toEqual([
      expect.objectContaining({ ChangeType: 'friend_request', LinkId: linkId, State: 'ch1' }),
      expect.objectContaining({ ChangeType: 'open_profile', LinkId: linkId }),
    ]);
  });

  it('sends a first chat only for an existing relation', async () => {
    const added = await act<{ userid: string; externalUserid: string }>('customer-adds-employee', {
      userid: follower,
      silent: true,
    });
    const chat = await act('customer-starts-chat', added.done);
    expect(await sentBy(chat)).toEqual([
      expect.objectContaining({
        ChangeType: 'customer_start_chat',
        UserID: follower,
        ExternalUserID: added.done.externalUserid,
      }),
    ]);
    await expect(act('customer-starts-chat', { userid: follower, externalUserid: 'wmnobody' })).rejects.toThrow(/404/);
  });

  it('keeps the quota: notices set it, each add through a link uses one, and crossing 20 or 0 is told', async () => {
    expect(await quota()).toMatchObject({ total: 0, balance: 10_000, quota_list: [] });
    const expiring = await act('acquisition-quota', {
      changeType: 'quota_expire_soon',
      expireTime: 1_800_000_000,
      expireQuotaNum: 5,
      balance: 21,
    });
    expect(await sentBy(expiring)).toEqual([
      expect.objectContaining({ ChangeType: 'quota_expire_soon', ExpireTime: '1800000000', ExpireQuotaNum: '5' }),
    ]);
    expect(await quota()).toMatchObject({ balance: 21, quota_list: [{ expire_date: 1_800_000_000, balance: 5 }] });
    await expect(act('acquisition-quota', { changeType: 'balance_low', expireTime: 1 })).rejects.toThrow(/400/);

    const linkId = await newLink();
    const changes: string[] = [];
    for (let i = 0; i < 2; i++) {
      const scanned = await act('customer-scans', { linkId, customerChannel: 'c' });
      changes.push(...(await sentBy(scanned)).map((e) => String(e['ChangeType'])));
    }
    expect(changes).toEqual(['add_external_contact', 'add_external_contact', 'balance_low']);
    await act('acquisition-quota', { changeType: 'balance_low', balance: 1, silent: true });
    const last = await act('customer-scans', { linkId, customerChannel: 'c' });
    expect((await sentBy(last)).map((e) => e['ChangeType'])).toEqual(['add_external_contact', 'balance_exhausted']);
    expect(await quota()).toMatchObject({ total: 3, balance: 0 });
  });
});
