import { SimulatorClient } from '../../src/wecom/simulator/control-client';
import { createSimulator, type Simulator } from '../../src/wecom/simulator/server';

let sim: Simulator;
let client: SimulatorClient;

beforeAll(async () => {
  sim = createSimulator({ logLevel: 'silent' });
  client = new SimulatorClient((await sim.listen(0)).url);
});
afterAll(() => sim.close());

describe('access tokens', () => {
  it('checks corpid and secret, and hands out the same token until it expires', async () => {
    const corp = await client.createCorp({ seed: 1, customers: 20 });
    expect((await client.call('getToken', { query: { corpid: 'wwunknown', corpsecret: 'x' } })).errcode).toBe(40013);
    expect((await client.call('getToken', { query: { corpid: corp.corpId, corpsecret: 'wrong' } })).errcode).toBe(
      40001,
    );
    expect((await client.call('getToken', { query: { corpsecret: 'x' } })).errcode).toBe(41002);
    expect((await client.call('getToken', { query: { corpid: corp.corpId } })).errcode).toBe(41004);
    const first = await client.call('getToken', { query: { corpid: corp.corpId, corpsecret: corp.secret } });
    expect(first).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
    const again = await client.call('getToken', { query: { corpid: corp.corpId, corpsecret: corp.secret } });
    expect(again.access_token).toBe(first.access_token);
    await client.advanceClock(corp.corpId, 7200);
    const renewed = await client.call('getToken', { query: { corpid: corp.corpId, corpsecret: corp.secret } });
    expect(renewed.errcode).toBe(0);
    expect(renewed.access_token).not.toBe(first.access_token);
  });

  it('answers 41001 without a token, 40014 for an unknown one and 42001 once it expired', async () => {
    const corp = await client.createCorp({ seed: 2, customers: 20 });
    const token = await client.token(corp.corpId, corp.secret);
    const missing = await client.call('getFollowUserList', {});
    expect(missing.errcode).toBe(41001);
    expect(missing.errmsg).toMatch(/hint: \[\d+\]/);
    expect((await client.call('getFollowUserList', { accessToken: 'not-a-token' })).errcode).toBe(40014);
    expect((await client.call('getFollowUserList', { accessToken: token })).errcode).toBe(0);
    await client.advanceClock(corp.corpId, 7100);
    expect((await client.call('getFollowUserList', { accessToken: token })).errcode).toBe(0);
    await client.advanceClock(corp.corpId, 100);
    expect((await client.call('getFollowUserList', { accessToken: token })).errcode).toBe(42001);
  });

  it('refuses a token put in the body instead of the query string', async () => {
    const corp = await client.createCorp({ seed: 3, customers: 20 });
    const token = await client.token(corp.corpId, corp.secret);
    const answer = await client.call('getCorpTagList', { body: { access_token: token } });
    expect(answer.errcode).toBe(41001);
  });

  it('invalidates tokens early through the control API', async () => {
    const corp = await client.createCorp({ seed: 4, customers: 20 });
    const token = await client.token(corp.corpId, corp.secret);
    await client.control('POST', `/corps/${corp.corpId}/tokens/invalidate`, { mode: 'revoke' });
    expect((await client.call('getFollowUserList', { accessToken: token })).errcode).toBe(40014);
    const second = await client.token(corp.corpId, corp.secret);
    expect(second).not.toBe(token);
    await client.control('POST', `/corps/${corp.corpId}/tokens/invalidate`, { mode: 'expire' });
    expect((await client.call('getFollowUserList', { accessToken: second })).errcode).toBe(42001);
  });

  it('caches JS-SDK tickets until they expire', async () => {
    const corp = await client.createCorp({ seed: 5, customers: 20 });
    const token = await client.token(corp.corpId, corp.secret);
    const a = await client.call('getJsapiTicket', { accessToken: token });
    const b = await client.call('getJsapiTicket', { accessToken: token });
    expect(a.errcode).toBe(0);
    expect(b.ticket).toBe(a.ticket);
    const agent = await client.call('getAgentTicket', { accessToken: token, query: { type: 'agent_config' } });
    expect(agent.errcode).toBe(0);
    expect(agent.ticket).not.toBe(a.ticket);
    expect((await client.call('getAgentTicket', { accessToken: token, query: { type: 'jsapi' } })).errcode).toBe(91040);
    await client.advanceClock(corp.corpId, 3600);
    const fresh = await client.token(corp.corpId, corp.secret);
    expect((await client.call('getJsapiTicket', { accessToken: fresh })).ticket).toBe(a.ticket);
    await client.advanceClock(corp.corpId, 3600);
    const later = await client.token(corp.corpId, corp.secret);
    expect((await client.call('getJsapiTicket', { accessToken: later })).ticket).not.toBe(a.ticket);
  });
});

describe('frequency limits and faults', () => {
  it('answers 45009 past the per-minute limit of a path, and recovers in the next minute', async () => {
    const corp = await client.createCorp({ seed: 6, customers: 20 });
    await client.updateCorp(corp.corpId, { rateLimitPerPath: { 'externalcontact/get_follow_user_list': 5 } });
    const token = await client.token(corp.corpId, corp.secret);
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await client.call('getFollowUserList', { accessToken: token })).errcode);
    expect(codes).toEqual([0, 0, 0, 0, 0, 45009, 45009]);
    // Another path keeps its own budget.
    expect((await client.call('listDepartments', { accessToken: token })).errcode).toBe(0);
    await client.advanceClock(corp.corpId, 60);
    expect((await client.call('getFollowUserList', { accessToken: token })).errcode).toBe(0);
  });

  it('applies the corp-wide per-minute default', async () => {
    const corp = await client.createCorp({ seed: 7, customers: 20, rateLimitPerMinute: 3 });
    const token = await client.token(corp.corpId, corp.secret);
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await client.call('listDepartments', { accessToken: token })).errcode);
    expect(codes).toEqual([0, 0, 0, 45009]);
  });

  it('injects an errcode at about the requested rate, the same way for the same seed', async () => {
    const run = async (seed: number) => {
      const corp = await client.createCorp({ seed, customers: 20 });
      const token = await client.token(corp.corpId, corp.secret);
      await client.addFault(corp.corpId, { path: 'department/list', errcode: -1, rate: 0.2 });
      const codes: number[] = [];
      for (let i = 0; i < 400; i++) codes.push((await client.call('listDepartments', { accessToken: token })).errcode);
      return codes;
    };
    const codes = await run(8);
    const failures = codes.filter((c) => c === -1).length;
    expect(codes.every((c) => c === 0 || c === -1)).toBe(true);
    expect(failures).toBeGreaterThan(50);
    expect(failures).toBeLessThan(110);
    expect(await run(8)).toEqual(codes);
  });

  it('limits a fault to count hits, adds latency, and can be removed', async () => {
    const corp = await client.createCorp({ seed: 9, customers: 20 });
    const token = await client.token(corp.corpId, corp.secret);
    await client.addFault(corp.corpId, { path: 'department/list', errcode: 45033, count: 2 });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await client.call('listDepartments', { accessToken: token })).errcode);
    expect(codes).toEqual([45033, 45033, 0]);
    await client.addFault(corp.corpId, { path: '*', latencyMs: 300 });
    const started = Date.now();
    expect((await client.call('listDepartments', { accessToken: token })).errcode).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    await client.clearFaults(corp.corpId);
    const fast = Date.now();
    await client.call('listDepartments', { accessToken: token });
    expect(Date.now() - fast).toBeLessThan(250);
  });

  it('counts calls per path in the stats', async () => {
    const corp = await client.createCorp({ seed: 10, customers: 20 });
    const token = await client.token(corp.corpId, corp.secret);
    await client.call('listDepartments', { accessToken: token });
    await client.call('listDepartments', { accessToken: token });
    await client.call('getUser', { accessToken: token, query: { userid: 'ghost' } });
    const stats = await client.stats<{
      apiCalls: { total: number; byPath: Record<string, number>; errorsByPath: Record<string, Record<string, number>> };
    }>(corp.corpId);
    expect(stats.apiCalls.total).toBe(4);
    expect(stats.apiCalls.byPath).toEqual({ gettoken: 1, 'department/list': 2, 'user/get': 1 });
    expect(stats.apiCalls.errorsByPath['user/get']).toEqual({ '60111': 1 });
  });
});
