import { SimulatorClient, type CorpCredentialsAnswer } from '../../src/wecom/simulator/control-client';
import { createSimulator, type Simulator } from '../../src/wecom/simulator/server';

let sim: Simulator;
let client: SimulatorClient;
let corp: CorpCredentialsAnswer;
let token: string;
let followers: string[];

beforeAll(async () => {
  sim = createSimulator({ logLevel: 'silent' });
  client = new SimulatorClient((await sim.listen(0)).url);
  corp = await client.createCorp({ seed: 81, customers: 200 });
  token = await client.token(corp.corpId, corp.secret);
  followers = (await client.call('getFollowUserList', { accessToken: token })).follow_user!;
});
afterAll(() => sim.close());

describe('contact ways', () => {
  it('adds, gets, updates and deletes a contact way; qr_code only for scene 2', async () => {
    const qr = await client.call('addContactWay', {
      accessToken: token,
      body: { type: 1, scene: 2, state: 'poster-a', user: [followers[0]!], remark: '海报' },
    });
    expect(qr.errcode).toBe(0);
    expect(qr.config_id).toMatch(/^[0-9a-f]{32}$/);
    expect(qr.qr_code).toMatch(/^https:\/\//);
    const button = await client.call('addContactWay', {
      accessToken: token,
      body: { type: 2, scene: 1, user: followers.slice(0, 2) },
    });
    expect(button.errcode).toBe(0);
    expect(button.qr_code).toBeUndefined();
    const got = await client.call('getContactWay', { accessToken: token, body: { config_id: qr.config_id! } });
    expect(got.contact_way).toMatchObject({
      config_id: qr.config_id,
      type: 1,
      scene: 2,
      state: 'poster-a',
      qr_code: qr.qr_code,
    });
    expect(
      (
        await client.call('updateContactWay', {
          accessToken: token,
          body: { config_id: qr.config_id!, state: 'poster-b' },
        })
      ).errcode,
    ).toBe(0);
    expect(
      (await client.call('getContactWay', { accessToken: token, body: { config_id: qr.config_id! } })).contact_way
        ?.state,
    ).toBe('poster-b');
    expect(
      (await client.call('delContactWay', { accessToken: token, body: { config_id: qr.config_id! } })).errcode,
    ).toBe(0);
    expect(
      (await client.call('getContactWay', { accessToken: token, body: { config_id: qr.config_id! } })).errcode,
    ).toBe(41044);
    expect((await client.call('getContactWay', { accessToken: token, body: {} })).errcode).toBe(41043);
  });

  it('validates contact ways as WeCom does', async () => {
    const add = (body: Record<string, unknown>) => client.call('addContactWay', { accessToken: token, body });
    expect((await add({ type: 1, scene: 2, user: [followers[0]], state: 's'.repeat(31) })).errcode).toBe(40058);
    expect((await add({ type: 1, scene: 2, user: followers.slice(0, 2) })).errcode).toBe(40058);
    expect((await add({ type: 1, scene: 3, user: [followers[0]] })).errcode).toBe(40058);
    expect((await add({ type: 1, scene: 1, style: 9, user: [followers[0]] })).errcode).toBe(41042);
    expect((await add({ type: 2, scene: 2, user: ['ghost'] })).errcode).toBe(40003);
    expect((await add({ type: 2, scene: 2, party: [99999] })).errcode).toBe(60123);
  });

  it('carries the state of a contact way into the add event and the relation', async () => {
    const way = await client.call('addContactWay', {
      accessToken: token,
      body: { type: 1, scene: 2, state: 'qr-campaign', user: [followers[1]!] },
    });
    const added = await client.action<{ userid: string; externalUserid: string; state: string }>(
      corp.corpId,
      'customer-adds-employee',
      { contactWayId: way.config_id },
    );
    expect(added.done).toMatchObject({ userid: followers[1], state: 'qr-campaign' });
    const got = await client.call('getExternalContact', {
      accessToken: token,
      query: { external_userid: added.done.externalUserid },
    });
    expect(got.follow_user).toEqual([
      expect.objectContaining({ userid: followers[1], state: 'qr-campaign', add_way: 1 }),
    ]);
  });
});

describe('group join ways', () => {
  it('binds at most five groups and round-trips its fields', async () => {
    const chats = (
      await client.call('listGroupChats', { accessToken: token, body: { limit: 10 } })
    ).group_chat_list!.map((c) => c.chat_id);
    expect(chats.length).toBeGreaterThanOrEqual(2);
    const six = [...chats, ...chats, ...chats].slice(0, 6);
    expect(
      (await client.call('addJoinWay', { accessToken: token, body: { scene: 2, chat_id_list: six } })).errcode,
    ).toBe(41091);
    expect(
      (await client.call('addJoinWay', { accessToken: token, body: { scene: 2, chat_id_list: ['wrNOPE'] } })).errcode,
    ).toBe(40050);
    const added = await client.call('addJoinWay', {
      accessToken: token,
      body: { scene: 2, chat_id_list: chats.slice(0, 2), state: 'group-qr', remark: 'r'.repeat(40) },
    });
    expect(added.errcode).toBe(0);
    const got = await client.call('getJoinWay', { accessToken: token, body: { config_id: added.config_id! } });
    expect(got.join_way).toMatchObject({
      config_id: added.config_id,
      scene: 2,
      chat_id_list: chats.slice(0, 2),
      state: 'group-qr',
      remark: 'r'.repeat(30),
      auto_create_room: 1,
    });
    expect(got.join_way?.qr_code).toMatch(/^https:\/\//);
    const updated = await client.call('updateJoinWay', {
      accessToken: token,
      body: { config_id: added.config_id!, scene: 1, chat_id_list: chats.slice(0, 1) },
    });
    expect(updated.errcode).toBe(0);
    const after = await client.call('getJoinWay', { accessToken: token, body: { config_id: added.config_id! } });
    expect(after.join_way?.chat_id_list).toEqual(chats.slice(0, 1));
    expect(after.join_way?.qr_code).toBeUndefined();
    expect(
      (await client.call('delJoinWay', { accessToken: token, body: { config_id: added.config_id! } })).errcode,
    ).toBe(0);
    expect(
      (await client.call('getJoinWay', { accessToken: token, body: { config_id: added.config_id! } })).errcode,
    ).toBe(41044);
  });
});

describe('joining a group through a join way', () => {
  it('fills the groups in order with the way’s state, then auto-creates the next group', async () => {
    const chats = (
      await client.call('listGroupChats', { accessToken: token, body: { limit: 10 } })
    ).group_chat_list!.map((c) => c.chat_id);
    const chatId = chats[0]!;
    const added = await client.call('addJoinWay', {
      accessToken: token,
      body: { scene: 2, chat_id_list: [chatId], state: 'qj-sim', room_base_name: '福利群', room_base_id: 7 },
    });
    const joined = await client.action<{ chatId: string; joined: string; state: string }>(
      corp.corpId,
      'customer-joins-via-join-way',
      { configId: added.config_id!, name: '扫码者', silent: true },
    );
    expect(joined.done).toMatchObject({ chatId, state: 'qj-sim' });
    const group = await client.call('getGroupChat', { accessToken: token, body: { chat_id: chatId } });
    expect(group.group_chat!.member_list.find((m) => m.userid === joined.done.joined)).toMatchObject({
      type: 2,
      join_scene: 3,
      state: 'qj-sim',
    });

    const size = group.group_chat!.member_list.length;
    const filler = Array.from({ length: 200 - size }, (_, i) => ({ name: `填充${i}` }));
    await client.action(corp.corpId, 'member-joins-group', { chatId, members: filler, silent: true });
    const overflow = await client.action<{ chatId: string; joined: string }>(
      corp.corpId,
      'customer-joins-via-join-way',
      { configId: added.config_id!, silent: true },
    );
    expect(overflow.done.chatId).not.toBe(chatId);
    const created = await client.call('getGroupChat', { accessToken: token, body: { chat_id: overflow.done.chatId } });
    expect(created.group_chat!.name).toBe('福利群7');
    expect(created.group_chat!.member_list.map((m) => m.state ?? null)).toEqual([null, 'qj-sim']);
    const way = await client.call('getJoinWay', { accessToken: token, body: { config_id: added.config_id! } });
    expect(way.join_way).toMatchObject({ chat_id_list: [chatId, overflow.done.chatId], room_base_id: 8 });

    await client.call('updateJoinWay', {
      accessToken: token,
      body: { config_id: added.config_id!, scene: 2, chat_id_list: [chatId], auto_create_room: 0 },
    });
    await expect(
      client.action(corp.corpId, 'customer-joins-via-join-way', { configId: added.config_id!, silent: true }),
    ).rejects.toThrow(/409/);
  });
});

describe('customer acquisition links', () => {
  it('creates, lists with a cursor, updates and deletes links', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await client.call('createAcquisitionLink', {
        accessToken: token,
        body: { link_name: `链接${i}`, range: { user_list: [followers[0]!] } },
      });
      expect(created.errcode).toBe(0);
      expect(created.link?.url).toBe(`https://work.weixin.qq.com/ca/${created.link!.link_id}`);
      ids.push(created.link!.link_id);
    }
    const listed: string[] = [];
    let cursor = '';
    do {
      const page = await client.call('listAcquisitionLinks', { accessToken: token, body: { limit: 2, cursor } });
      listed.push(...page.link_id_list!);
      cursor = page.next_cursor ?? '';
    } while (cursor !== '');
    expect(listed).toEqual(ids);
    const update = await client.call('updateAcquisitionLink', {
      accessToken: token,
      body: { link_id: ids[0]!, link_name: '新名字', range: { department_list: [1] }, skip_verify: false },
    });
    expect(update.errcode).toBe(0);
    const got = await client.call('getAcquisitionLink', { accessToken: token, body: { link_id: ids[0]! } });
    expect(got.link).toMatchObject({ link_name: '新名字', skip_verify: false });
    expect(got.range).toEqual({ user_list: [], department_list: [1] });
    expect(
      (await client.call('deleteAcquisitionLink', { accessToken: token, body: { link_id: ids[0]! } })).errcode,
    ).toBe(0);
    expect(
      (await client.call('getAcquisitionLink', { accessToken: token, body: { link_id: ids[0]! } })).errcode,
    ).not.toBe(0);
    const empty = await client.call('createAcquisitionLink', {
      accessToken: token,
      body: { link_name: 'x', range: {} },
    });
    expect(empty.errcode).toBe(40058);
  });

  it('adds customers through a link with add_way 16 and the customer_channel as state', async () => {
    const link = await client.call('createAcquisitionLink', {
      accessToken: token,
      body: { link_name: '投放', range: { user_list: [followers[2]!] } },
    });
    const added = await client.action<{ externalUserid: string }>(corp.corpId, 'customer-adds-employee', {
      linkId: link.link!.link_id,
      customerChannel: 'douyin-ad-7',
    });
    const got = await client.call('getExternalContact', {
      accessToken: token,
      query: { external_userid: added.done.externalUserid },
    });
    expect(got.follow_user).toEqual([
      expect.objectContaining({ userid: followers[2], add_way: 16, state: 'douyin-ad-7' }),
    ]);
  });
});

describe('media', () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);

  async function upload(path: string, bytes: Buffer, query = ''): Promise<Record<string, unknown>> {
    const form = new FormData();
    form.append('media', new Blob([bytes], { type: 'image/png' }), 'a.png');
    const response = await fetch(
      `${client.baseUrl}/cgi-bin/${path}?access_token=${encodeURIComponent(token)}${query}`,
      {
        method: 'POST',
        body: form,
      },
    );
    return (await response.json()) as Record<string, unknown>;
  }

  it('uploads temporary media whose id works in a welcome message for 3 days', async () => {
    const answer = await upload('media/upload', png, '&type=image');
    expect(answer).toMatchObject({
      errcode: 0,
      type: 'image',
      media_id: expect.any(String),
      created_at: expect.any(String),
    });
    const mediaId = answer['media_id'] as string;
    const welcome = async () => {
      const added = await client.action<{ welcomeCode: string }>(corp.corpId, 'customer-adds-employee', {
        userid: followers[0],
        customer: { type: 1 },
      });
      const fresh = await client.token(corp.corpId, corp.secret);
      return client.call('sendWelcomeMessage', {
        accessToken: fresh,
        body: {
          welcome_code: added.done.welcomeCode,
          attachments: [{ msgtype: 'image', image: { media_id: mediaId } }],
        },
      });
    };
    expect((await welcome()).errcode).toBe(0);
    await client.advanceClock(corp.corpId, 3 * 86400);
    expect((await welcome()).errcode).toBe(40007);
    token = await client.token(corp.corpId, corp.secret);
  });

  it('keeps each accepted welcome in the state; unknown media is 40007 and stores nothing, a second send 41051', async () => {
    const image = (await upload('media/upload', png, '&type=image'))['media_id'] as string;
    const added = await client.action<{ welcomeCode: string; externalUserid: string }>(
      corp.corpId,
      'customer-adds-employee',
      { userid: followers[1], customer: { type: 1 } },
    );
    const send = (attachments: unknown[]) =>
      client.call('sendWelcomeMessage', {
        accessToken: token,
        body: { welcome_code: added.done.welcomeCode, text: { content: '欢迎' }, attachments } as never,
      });
    const welcomesOf = async () =>
      (await client.state<{ welcomes: Array<Record<string, unknown>> }>(corp.corpId, ['welcomes'])).welcomes.filter(
        (w) => w['welcomeCode'] === added.done.welcomeCode,
      );

    expect((await send([{ msgtype: 'file', file: { media_id: 'no-such-media' } }])).errcode).toBe(40007);
    expect(
      (
        await send([
          { msgtype: 'miniprogram', miniprogram: { title: 't', appid: 'wx1', page: 'p', pic_media_id: 'x' } },
        ])
      ).errcode,
    ).toBe(40007);
    expect(await welcomesOf()).toEqual([]);

    const attachments = [
      { msgtype: 'image', image: { media_id: image } },
      { msgtype: 'link', link: { title: '官网', url: 'https://example.com' } },
    ];
    expect((await send(attachments)).errcode).toBe(0);
    expect(await welcomesOf()).toEqual([
      {
        welcomeCode: added.done.welcomeCode,
        userid: followers[1],
        externalUserid: added.done.externalUserid,
        text: '欢迎',
        attachments,
        sentAt: expect.any(Number),
        receivedAt: expect.any(String),
      },
    ]);
    expect((await send(attachments)).errcode).toBe(41051);
    expect(await welcomesOf()).toHaveLength(1);
  });

  it('refuses bad media types and tiny files, and hands out image URLs', async () => {
    expect((await upload('media/upload', png, '&type=sticker'))['errcode']).toBe(40004);
    expect((await upload('media/upload', Buffer.from('abc'), '&type=file'))['errcode']).toBe(40006);
    expect((await upload('media/upload', Buffer.alloc(100, 7), '&type=image'))['errcode']).toBe(40004);
    const image = await upload('media/uploadimg', png);
    expect(image).toMatchObject({ errcode: 0, url: expect.stringMatching(/^http:\/\/p\.qpic\.cn\/pic_wework\//) });
  });
});
