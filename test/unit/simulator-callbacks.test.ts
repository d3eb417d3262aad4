import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openCallback, verifyUrlEcho } from '../../src/wecom/callback-crypto';
import { parseCallbackEnvelope, parseCallbackEvent, type CallbackEvent } from '../../src/wecom/callback-xml';
import { SimulatorClient, type CorpCredentialsAnswer } from '../../src/wecom/simulator/control-client';
import { createSimulator, type Simulator } from '../../src/wecom/simulator/server';

interface Received {
  method: string;
  url: URL;
  contentType: string | undefined;
  body: string;
}

/** A stand-in for the app's callback endpoint: records requests and answers as told. */
class Receiver {
  readonly requests: Received[] = [];
  status = 200;
  /** Answer 503 to this many POSTs before using `status`. */
  failFirst = 0;
  delayMs = 0;
  /** When set, answers URL checks with this instead of the decrypted echostr. */
  echoOverride: string | undefined;
  private server: Server | undefined;
  url = '';
  credentials: CorpCredentialsAnswer | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body }) => {
        setTimeout(() => {
          res.statusCode = status;
          res.end(body);
        }, this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/wecom/callback`;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: string }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.requests.push({
      method: req.method ?? '',
      url,
      contentType: req.headers['content-type'],
      body: Buffer.concat(chunks).toString('utf8'),
    });
    if (req.method === 'GET' && this.credentials) {
      const c = this.credentials;
      const echo = verifyUrlEcho({
        token: c.callbackToken,
        encodingAESKey: c.encodingAesKey,
        receiveId: c.corpId,
        msgSignature: url.searchParams.get('msg_signature') ?? '',
        timestamp: url.searchParams.get('timestamp') ?? '',
        nonce: url.searchParams.get('nonce') ?? '',
        echostr: url.searchParams.get('echostr') ?? '',
      });
      return { status: 200, body: this.echoOverride ?? echo };
    }
    if (this.failFirst > 0) {
      this.failFirst--;
      return { status: 503, body: '' };
    }
    return { status: this.status, body: '' };
  }

  posts(): Received[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  /** Verifies the signature and decrypts a received POST exactly as the app must. */
  open(received: Received): CallbackEvent {
    const c = this.credentials!;
    const envelope = parseCallbackEnvelope(received.body);
    expect(envelope.toUserName).toBe(c.corpId);
    expect(envelope.agentId).toBe(String(c.agentId));
    const plaintext = openCallback({
      token: c.callbackToken,
      encodingAESKey: c.encodingAesKey,
      receiveId: c.corpId,
      msgSignature: received.url.searchParams.get('msg_signature') ?? '',
      timestamp: received.url.searchParams.get('timestamp') ?? '',
      nonce: received.url.searchParams.get('nonce') ?? '',
      encrypted: envelope.encrypt,
    });
    return parseCallbackEvent(plaintext);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}

let sim: Simulator;
let client: SimulatorClient;
let receiver: Receiver;

beforeAll(async () => {
  sim = createSimulator({ logLevel: 'silent' });
  client = new SimulatorClient((await sim.listen(0)).url);
});
afterAll(() => sim.close());
beforeEach(async () => {
  receiver = new Receiver();
  await receiver.start();
});
afterEach(() => receiver.stop());

async function corpWithCallback(seed: number, extra: Record<string, unknown> = {}) {
  const corp = await client.createCorp({
    seed,
    customers: 100,
    callbackUrl: receiver.url,
    callbackRetryDelayMs: 20,
    callbackTimeoutMs: 1000,
    ...extra,
  });
  receiver.credentials = corp;
  const token = await client.token(corp.corpId, corp.secret);
  const followers = (await client.call('getFollowUserList', { accessToken: token })).follow_user!;
  return { corp, token, followers };
}

describe('callback delivery', () => {
  it('sends a signed, encrypted add_external_contact event that the app can verify and decrypt', async () => {
    const { corp, token, followers } = await corpWithCallback(51);
    const answer = await client.action<{ externalUserid: string; welcomeCode: string }>(
      corp.corpId,
      'customer-adds-employee',
      { userid: followers[0], state: 'spring-fair' },
    );
    expect(answer.callbacks).toEqual([expect.objectContaining({ outcome: 'delivered', attempts: 1, statuses: [200] })]);
    const [post] = receiver.posts();
    expect(post!.contentType).toBe('text/xml');
    expect(post!.url.pathname).toBe('/wecom/callback');
    const event = receiver.open(post!);
    expect(event).toMatchObject({
      kind: 'change_external_contact',
      changeType: 'add_external_contact',
      toUserName: corp.corpId,
      fromUserName: 'sys',
      userId: followers[0],
      externalUserId: answer.done.externalUserid,
      state: 'spring-fair',
      welcomeCode: answer.done.welcomeCode,
    });
    // The relation exists for the API too, with the state on the follow user.
    const got = await client.call('getExternalContact', {
      accessToken: token,
      query: { external_userid: answer.done.externalUserid },
    });
    expect(got.follow_user).toEqual([expect.objectContaining({ userid: followers[0], state: 'spring-fair' })]);
  });

  it('retries a failing delivery three times after the first attempt', async () => {
    const { corp, followers } = await corpWithCallback(52);
    receiver.status = 500;
    const answer = await client.action(corp.corpId, 'customer-adds-employee', { userid: followers[0] });
    expect(answer.callbacks[0]).toMatchObject({ outcome: 'failed', attempts: 4, statuses: [500, 500, 500, 500] });
    const posts = receiver.posts();
    expect(posts).toHaveLength(4);
    expect(new Set(posts.map((p) => p.body)).size).toBe(1);
    const stats = await client.stats<{ callbacks: { sent: number; failed: number; attempts: number } }>(corp.corpId);
    expect(stats.callbacks).toMatchObject({ sent: 1, failed: 1, attempts: 4 });
  });

  it('stops retrying once the app answers 200', async () => {
    const { corp, followers } = await corpWithCallback(53);
    receiver.failFirst = 2;
    const answer = await client.action(corp.corpId, 'customer-adds-employee', { userid: followers[0] });
    expect(answer.callbacks[0]).toMatchObject({ outcome: 'delivered', attempts: 3, statuses: [503, 503, 200] });
    expect(receiver.posts()).toHaveLength(3);
  });

  it('counts an answer slower than the timeout as a failure', async () => {
    const { corp, followers } = await corpWithCallback(54, { callbackTimeoutMs: 100, callbackRetries: 1 });
    receiver.delayMs = 300;
    const answer = await client.action(corp.corpId, 'customer-adds-employee', { userid: followers[0] });
    expect(answer.callbacks[0]).toMatchObject({ outcome: 'failed', attempts: 2, statuses: ['timeout', 'timeout'] });
  });

  it('sends the identical body n times with deliveries: n', async () => {
    const { corp, token, followers } = await corpWithCallback(55);
    const customer = (
      await client.call('listExternalContacts', { accessToken: token, query: { userid: followers[0]! } })
    ).external_userid![0]!;
    const answer = await client.action(corp.corpId, 'employee-edits-contact', {
      userid: followers[0],
      externalUserid: customer,
      remark: '重要客户',
      deliveries: 3,
    });
    expect(answer.callbacks[0]).toMatchObject({ outcome: 'delivered', attempts: 3 });
    const posts = receiver.posts();
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((p) => p.body)).size).toBe(1);
    expect(new Set(posts.map((p) => p.url.search)).size).toBe(1);
    expect(receiver.open(posts[0]!)).toMatchObject({ changeType: 'edit_external_contact', externalUserId: customer });
  });

  it('changes the state without a callback when silent', async () => {
    const { corp, token, followers } = await corpWithCallback(56);
    const answer = await client.action<{ externalUserid: string }>(corp.corpId, 'customer-adds-employee', {
      userid: followers[0],
      silent: true,
    });
    expect(answer.callbacks).toEqual([]);
    expect(receiver.posts()).toHaveLength(0);
    const list = await client.call('listExternalContacts', { accessToken: token, query: { userid: followers[0]! } });
    expect(list.external_userid).toContain(answer.done.externalUserid);
  });

  it('verifies the callback URL the way WeCom does', async () => {
    const { corp } = await corpWithCallback(57);
    const ok = await client.control<{ ok: boolean; expected: string; received: string }>(
      'POST',
      `/corps/${corp.corpId}/verify-url`,
    );
    expect(ok.ok).toBe(true);
    expect(ok.received).toBe(ok.expected);
    const [get] = receiver.requests.filter((r) => r.method === 'GET');
    expect(get!.url.searchParams.get('echostr')).toBeTruthy();
    receiver.echoOverride = 'wrong';
    const bad = await client.control<{ ok: boolean }>('POST', `/corps/${corp.corpId}/verify-url`);
    expect(bad.ok).toBe(false);
  });

  it('delivers events in the order the actions happened and keeps a log', async () => {
    const { corp, followers } = await corpWithCallback(58);
    const added = await client.action<{ externalUserid: string }>(corp.corpId, 'customer-adds-employee', {
      userid: followers[0],
      wait: false,
    });
    await client.action(corp.corpId, 'customer-deletes-employee', {
      userid: followers[0],
      externalUserid: added.done.externalUserid,
    });
    const kinds = receiver.posts().map((p) => {
      const event = receiver.open(p);
      return 'changeType' in event ? event.changeType : event.kind;
    });
    expect(kinds).toEqual(['add_external_contact', 'del_follow_user']);
    const log = await client.control<{ callbacks: Array<{ changeType: string; outcome: string; plaintext: string }> }>(
      'GET',
      `/corps/${corp.corpId}/callbacks`,
    );
    expect(log.callbacks.map((c) => [c.changeType, c.outcome])).toEqual([
      ['add_external_contact', 'delivered'],
      ['del_follow_user', 'delivered'],
    ]);
    expect(log.callbacks[1]!.plaintext).toContain('<ChangeType><![CDATA[del_follow_user]]></ChangeType>');
  });
});

describe('scripted events', () => {
  it('pushes group membership changes with versions that match groupchat/get', async () => {
    const { corp, token } = await corpWithCallback(61);
    const chat = (await client.call('listGroupChats', { accessToken: token, body: { limit: 1 } })).group_chat_list![0]!;
    const before = (await client.call('getGroupChat', { accessToken: token, body: { chat_id: chat.chat_id } }))
      .group_chat!;
    const joined = await client.action<{ joined: string[] }>(corp.corpId, 'member-joins-group', {
      chatId: chat.chat_id,
      joinScene: 3,
      members: [{ externalUserid: 'wmNEWMEMBERNEWMEMBERNEWMEMBER000' }, {}],
    });
    const event = receiver.open(receiver.posts()[0]!);
    const after = (await client.call('getGroupChat', { accessToken: token, body: { chat_id: chat.chat_id } }))
      .group_chat!;
    expect(event).toMatchObject({
      kind: 'change_external_chat',
      changeType: 'update',
      chatId: chat.chat_id,
      updateDetail: 'add_member',
      joinScene: 3,
      memChangeCnt: 2,
      memChangeList: joined.done.joined,
      lastMemVer: before.member_version,
      curMemVer: after.member_version,
    });
    expect(after.member_list).toHaveLength(before.member_list.length + 2);
    expect(after.member_list.find((m) => m.userid === 'wmNEWMEMBERNEWMEMBERNEWMEMBER000')?.join_scene).toBe(3);
    await client.action(corp.corpId, 'member-leaves-group', {
      chatId: chat.chat_id,
      members: ['wmNEWMEMBERNEWMEMBERNEWMEMBER000'],
      quitScene: 1,
    });
    expect(receiver.open(receiver.posts()[1]!)).toMatchObject({
      updateDetail: 'del_member',
      quitScene: 1,
      memChangeCnt: 1,
    });
    await client.action(corp.corpId, 'group-dismissed', { chatId: chat.chat_id });
    expect(receiver.open(receiver.posts()[2]!)).toMatchObject({ changeType: 'dismiss', chatId: chat.chat_id });
    expect((await client.call('getGroupChat', { accessToken: token, body: { chat_id: chat.chat_id } })).errcode).toBe(
      40050,
    );
  });

  it('pushes console tag edits as change_external_tag', async () => {
    const { corp, token } = await corpWithCallback(62);
    const created = await client.action<{ groupId: string; tags: Array<{ id: string }> }>(corp.corpId, 'tags-created', {
      groupName: '展会',
      tags: [{ name: '北京站' }, { name: '上海站' }],
    });
    const updated = await client.action(corp.corpId, 'tag-updated', {
      id: created.done.tags[0]!.id,
      name: '北京春季站',
    });
    expect(updated.done).toMatchObject({ tagType: 'tag' });
    await client.action(corp.corpId, 'tags-deleted', { groupIds: [created.done.groupId] });
    await client.action(corp.corpId, 'tags-shuffled', {});
    const events = receiver.posts().map((p) => receiver.open(p));
    expect(events).toEqual([
      expect.objectContaining({ changeType: 'create', id: created.done.groupId, tagType: 'tag_group' }),
      expect.objectContaining({ changeType: 'update', id: created.done.tags[0]!.id, tagType: 'tag' }),
      expect.objectContaining({ changeType: 'delete', id: created.done.groupId, tagType: 'tag_group' }),
      expect.objectContaining({ changeType: 'shuffle', id: '' }),
    ]);
    const list = await client.call('getCorpTagList', { accessToken: token, body: {} });
    expect(list.tag_group?.some((g) => g.group_id === created.done.groupId)).toBe(false);
  });

  it('pushes address-book changes as change_contact', async () => {
    const { corp, token } = await corpWithCallback(63);
    await client.action(corp.corpId, 'department-created', { id: 500, name: '新部门', parentId: 1 });
    await client.action(corp.corpId, 'employee-created', { userid: 'newbie', name: '新人', department: [500] });
    await client.action(corp.corpId, 'employee-updated', { userid: 'newbie', position: '组长' });
    await client.action(corp.corpId, 'employee-deleted', { userid: 'newbie' });
    await client.action(corp.corpId, 'department-deleted', { id: 500 });
    const events = receiver.posts().map((p) => receiver.open(p));
    expect(events.map((e) => ('changeType' in e ? e.changeType : ''))).toEqual([
      'create_party',
      'create_user',
      'update_user',
      'delete_user',
      'delete_party',
    ]);
    expect(events[1]).toMatchObject({ userId: 'newbie', name: '新人', department: [500], mainDepartment: 500 });
    expect(events[2]).toMatchObject({ userId: 'newbie', position: '组长' });
    expect(events[2]).not.toHaveProperty('name');
    expect((await client.call('getUser', { accessToken: token, query: { userid: 'newbie' } })).errcode).toBe(46004);
  });

  it('sends transfer_fail when the customer refuses and the transfer events when time runs out', async () => {
    const { corp, token, followers } = await corpWithCallback(64);
    const [handover, takeover] = followers as [string, string];
    const ids = (await client.call('listExternalContacts', { accessToken: token, query: { userid: handover } }))
      .external_userid!;
    await client.call('transferCustomer', {
      accessToken: token,
      body: { handover_userid: handover, takeover_userid: takeover, external_userid: ids.slice(0, 2) },
    });
    await client.action(corp.corpId, 'transfer-decided', { externalUserid: ids[0], outcome: 'refuse' });
    const clock = await client.advanceClock(corp.corpId, 86400);
    expect(clock.callbacks.map((c) => c.changeType)).toEqual(['del_external_contact', 'add_external_contact']);
    const events = receiver.posts().map((p) => receiver.open(p));
    expect(events[0]).toMatchObject({ changeType: 'transfer_fail', failReason: 'customer_refused', userId: takeover });
    expect(events[1]).toMatchObject({
      changeType: 'del_external_contact',
      userId: handover,
      externalUserId: ids[1],
      source: 'DELETE_BY_TRANSFER',
    });
    expect(events[2]).toMatchObject({ changeType: 'add_external_contact', userId: takeover, externalUserId: ids[1] });
  });
});

describe('welcome messages', () => {
  it('accepts a welcome code once, within 20 seconds of simulated time', async () => {
    const { corp, token, followers } = await corpWithCallback(71);
    const first = await client.action<{ welcomeCode: string }>(corp.corpId, 'customer-adds-employee', {
      userid: followers[0],
      customer: { type: 1 },
    });
    const send = (code: string) =>
      client.call('sendWelcomeMessage', {
        accessToken: token,
        body: { welcome_code: code, text: { content: '你好' } },
      });
    expect((await send(first.done.welcomeCode)).errcode).toBe(0);
    expect((await send(first.done.welcomeCode)).errcode).toBe(41051);
    const second = await client.action<{ welcomeCode: string }>(corp.corpId, 'customer-adds-employee', {
      userid: followers[0],
      customer: { type: 1 },
    });
    await client.advanceClock(corp.corpId, 21);
    expect((await send(second.done.welcomeCode)).errcode).toBe(41049);
    expect((await send('made-up')).errcode).toBe(41049);
    const third = await client.action<{ welcomeCode: string }>(corp.corpId, 'customer-adds-employee', {
      userid: followers[0],
    });
    const empty = await client.call('sendWelcomeMessage', {
      accessToken: token,
      body: { welcome_code: third.done.welcomeCode },
    });
    expect(empty.errcode).toBe(40058);
  });

  it('gives no welcome code after a half add, and hides the half add from the API', async () => {
    const { corp, token, followers } = await corpWithCallback(72);
    const half = await client.action<{ externalUserid: string; welcomeCode: string | null }>(
      corp.corpId,
      'customer-adds-employee',
      { userid: followers[0], half: true, customer: { type: 1 } },
    );
    expect(half.done.welcomeCode).not.toBeNull();
    const list = await client.call('listExternalContacts', { accessToken: token, query: { userid: followers[0]! } });
    expect(list.external_userid).not.toContain(half.done.externalUserid);
    const full = await client.action<{ welcomeCode: string | null }>(corp.corpId, 'customer-adds-employee', {
      userid: followers[0],
      externalUserid: half.done.externalUserid,
    });
    expect(full.done.welcomeCode).toBeNull();
    const events = receiver.posts().map((p) => receiver.open(p));
    expect(events[0]).toMatchObject({ changeType: 'add_half_external_contact', welcomeCode: half.done.welcomeCode });
    expect(events[1]).toMatchObject({ changeType: 'add_external_contact' });
    expect(events[1]).not.toHaveProperty('welcomeCode');
  });
});
