import { Client, Connection } from '@temporalio/client';
import { DateTime } from 'luxon';
import type { Db } from '../../src/db/knex';
import { sharedApiUrl, sharedTemporalAddress } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call, type ApiResponse } from '../helpers/http';
import { waitFor } from '../helpers/wait';
import { control, createSimulatedCorp } from '../helpers/wecom';

interface JoinQrView {
  id: string;
  name: string;
  channelId: string | null;
  channelName: string | null;
  channelType: string | null;
  scene: number;
  chatIdList: string[];
  autoCreateRoom: number;
  roomBaseName: string | null;
  roomBaseId: number | null;
  state: string;
  remark: string | null;
  configId: string;
  qrCode: string | null;
  status: number;
  joinCount: number;
  memberCount: number;
  chats?: Array<{ chatId: string; name: string | null; memberCount: number }>;
}
interface SimJoinWay {
  configId: string;
  scene: number;
  remark?: string;
  autoCreateRoom: number;
  roomBaseName?: string;
  roomBaseId?: number;
  chatIds: string[];
  state?: string;
  qrCode?: string;
}
interface Page<T> {
  list: T[];
  total: number;
}
interface ErrorData {
  errors?: Array<{ field: string; message: string }>;
}

const ZH = { 'accept-language': 'zh-CN' };
const CHINESE = /[\u4e00-\u9fff]/;
const ADD_PATH = 'externalcontact/groupchat/add_join_way';
const GET_PATH = 'externalcontact/groupchat/get_join_way';
const UPDATE_PATH = 'externalcontact/groupchat/update_join_way';
const DEL_PATH = 'externalcontact/groupchat/del_join_way';
const shanghaiDay = () => DateTime.now().setZone('Asia/Shanghai').toISODate()!;

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(async () => db.destroy());

async function adminOf(corpId: string) {
  const { token, username } = await createAdmin(db, sharedApiUrl, { corpId });
  return {
    username,
    get: <T>(path: string) => call<T>(sharedApiUrl, 'GET', path, { token, headers: ZH }),
    post: <T>(path: string, body: unknown = {}) => call<T>(sharedApiUrl, 'POST', path, { token, body, headers: ZH }),
  };
}

function expectFieldError(response: ApiResponse<unknown>, field: string): void {
  expect(response.status).toBe(400);
  expect((response.body.data as ErrorData).errors?.map((e) => e.field)).toContain(field);
  expect(response.body.msg).toMatch(CHINESE);
}

/** A simulated corp whose groups are mirrored (a group sync ran), with an admin and a channel. */
async function syncedCorp(groups = 6) {
  const corp = await createSimulatedCorp(db, { seed: 57, customers: 20, groups });
  const api = await adminOf(corp.corpId);
  const sync = await api.post<{ workflowId: string }>('/admin/group/sync');
  const connection = await Connection.connect({ address: sharedTemporalAddress });
  try {
    await new Client({ connection }).workflow.getHandle(sync.body.data.workflowId).result();
  } finally {
    await connection.close();
  }
  const chatIds = (await db('wecom_group_chat')
    .where({ corp_id: corp.corpId, is_del: 0 })
    .orderBy('id')
    .pluck('chat_id')) as string[];
  const channel = await api.post<{ id: string }>('/admin/channel/save', { name: '线下海报', type: 'poster' });
  const joinWays = async () =>
    (await control<{ joinWays: SimJoinWay[] }>('GET', `/corps/${corp.corpId}/state?sections=joinWays`)).joinWays;
  const fault = (path: string, errcode: number) =>
    control('POST', `/corps/${corp.corpId}/faults`, { path, errcode, count: 1 });
  const stored = async () => db('group_join_qr').where({ corp_id: corp.corpId }).orderBy('id');
  return { corp, api, chatIds, channelId: channel.body.data.id, joinWays, fault, stored };
}

describe('group-join QR codes', () => {
  it('creates, edits, pages and deletes WeCom join ways, per corp', async () => {
    const { corp, api, chatIds, channelId, joinWays, stored } = await syncedCorp();
    const other = await adminOf(uid('corp-'));

    const created = await api.post<JoinQrView>('/admin/groupJoinQr/save', {
      name: '门店海报加群',
      channelId,
      chatIdList: chatIds.slice(0, 2),
      roomBaseName: '门店福利群',
      roomBaseId: 10,
      remark: '春季门店',
    });
    expect(created.status).toBe(200);
    const code = created.body.data;
    expect(code).toMatchObject({
      name: '门店海报加群',
      channelId,
      channelName: '线下海报',
      channelType: 'poster',
      scene: 2,
      chatIdList: chatIds.slice(0, 2),
      autoCreateRoom: 1,
      state: `qj${code.id}`,
      status: 1,
      joinCount: 0,
    });
    expect(code.qrCode).toMatch(/^https:\/\//);
    expect(code.chats?.map((c) => c.chatId)).toEqual(chatIds.slice(0, 2));
    expect(code.chats?.every((c) => typeof c.name === 'string')).toBe(true);
    expect(await joinWays()).toEqual([
      expect.objectContaining({
        configId: code.configId,
        scene: 2,
        chatIds: chatIds.slice(0, 2),
        state: code.state,
        remark: '春季门店',
        roomBaseName: '门店福利群',
        roomBaseId: 10,
        qrCode: code.qrCode,
      }),
    ]);

    const edited = await api.post<JoinQrView>('/admin/groupJoinQr/save', {
      id: code.id,
      chatIdList: chatIds.slice(1, 4),
      autoCreateRoom: 0,
      remark: null,
    });
    expect(edited.status).toBe(200);
    expect(edited.body.data).toMatchObject({
      name: '门店海报加群',
      chatIdList: chatIds.slice(1, 4),
      autoCreateRoom: 0,
      remark: null,
      state: code.state,
      configId: code.configId,
    });
    const [way] = await joinWays();
    expect(way).toMatchObject({ configId: code.configId, chatIds: chatIds.slice(1, 4), autoCreateRoom: 0 });
    expect(way?.remark).toBeUndefined();
    expect(way?.state).toBe(code.state);

    const renamed = await api.post<JoinQrView>('/admin/groupJoinQr/save', {
      id: code.id,
      name: '改名',
      channelId: null,
    });
    expect(renamed.body.data).toMatchObject({ name: '改名', channelId: null, channelType: null });
    const got = await api.get<JoinQrView>(`/admin/groupJoinQr/${code.id}`);
    expect(got.body.data).toEqual(renamed.body.data);

    const second = await api.post<JoinQrView>('/admin/groupJoinQr/save', {
      name: '官网加群',
      channelId,
      chatIdList: [chatIds[4]!],
    });
    expect(second.status).toBe(200);
    expect(second.body.data.state).not.toBe(code.state);
    await other.post('/admin/channel/save', { name: '别家', type: 'ad' });

    const page = await api.post<Page<JoinQrView>>('/admin/groupJoinQr/page', {});
    expect([page.body.data.total, page.body.data.list.map((c) => c.id)]).toEqual([2, [second.body.data.id, code.id]]);
    const byChannel = await api.post<Page<JoinQrView>>('/admin/groupJoinQr/page', { channelId });
    expect(byChannel.body.data.list.map((c) => c.id)).toEqual([second.body.data.id]);
    const byChat = await api.post<Page<JoinQrView>>('/admin/groupJoinQr/page', { chatId: chatIds[2] });
    expect(byChat.body.data.list.map((c) => c.id)).toEqual([code.id]);
    const byName = await api.post<Page<JoinQrView>>('/admin/groupJoinQr/page', { name: '官网', pageSize: 1 });
    expect(byName.body.data.list.map((c) => c.id)).toEqual([second.body.data.id]);
    expect((await other.post<Page<JoinQrView>>('/admin/groupJoinQr/page', {})).body.data.total).toBe(0);
    expect((await other.get(`/admin/groupJoinQr/${code.id}`)).status).toBe(404);
    expect((await other.post('/admin/groupJoinQr/delete', { id: code.id })).status).toBe(404);

    const deleted = await api.post<JoinQrView>('/admin/groupJoinQr/delete', { id: code.id });
    expect(deleted.status).toBe(200);
    expect((await joinWays()).map((w) => w.configId)).toEqual([second.body.data.configId]);
    expect((await api.get(`/admin/groupJoinQr/${code.id}`)).status).toBe(404);
    expect((await api.post('/admin/groupJoinQr/delete', { id: code.id })).status).toBe(404);
    expect((await stored()).map((r: { id: string; is_del: number }) => [r.id, r.is_del])).toEqual([
      [code.id, 1],
      [second.body.data.id, 0],
    ]);
    expect(corp.corpId).toMatch(/^ww/);
  });

  it('refuses bad input and WeCom refusals in Chinese, and leaves nothing behind', async () => {
    const { corp, api, chatIds, channelId, joinWays, fault, stored } = await syncedCorp();
    const foreign = await (
      await adminOf(uid('corp-'))
    ).post<{ id: string }>('/admin/channel/save', {
      name: '别家渠道',
      type: 'ad',
    });
    const body = { name: '加群码', channelId, chatIdList: chatIds.slice(0, 1) };
    expectFieldError(await api.post('/admin/groupJoinQr/save', { chatIdList: chatIds.slice(0, 1) }), 'name');
    expectFieldError(await api.post('/admin/groupJoinQr/save', { name: '无群' }), 'chatIdList');
    expectFieldError(await api.post('/admin/groupJoinQr/save', { ...body, chatIdList: [] }), 'chatIdList');
    expectFieldError(
      await api.post('/admin/groupJoinQr/save', { ...body, chatIdList: chatIds.slice(0, 6) }),
      'chatIdList',
    );
    expectFieldError(
      await api.post('/admin/groupJoinQr/save', { ...body, chatIdList: [chatIds[0], chatIds[0]] }),
      'chatIdList',
    );
    const unknownChat = await api.post('/admin/groupJoinQr/save', { ...body, chatIdList: [chatIds[0], 'wrNOSUCH'] });
    expectFieldError(unknownChat, 'chatIdList[1]');
    expect(unknownChat.body.msg).toContain('wrNOSUCH');
    expectFieldError(
      await api.post('/admin/groupJoinQr/save', { ...body, channelId: foreign.body.data.id }),
      'channelId',
    );
    expectFieldError(await api.post('/admin/groupJoinQr/save', { ...body, remark: 'x'.repeat(31) }), 'remark');
    expectFieldError(
      await api.post('/admin/groupJoinQr/save', { ...body, roomBaseName: 'x'.repeat(41) }),
      'roomBaseName',
    );
    expectFieldError(await api.post('/admin/groupJoinQr/save', { ...body, scene: 3 }), 'scene');
    expect((await api.post('/admin/groupJoinQr/save', { ...body, id: '999999999' })).status).toBe(404);

    await fault(ADD_PATH, 48002);
    const refused = await api.post('/admin/groupJoinQr/save', body);
    expect(refused.status).toBe(409);
    expect(refused.body.msg).toMatch(/企业微信拒绝/);
    // WeCom took the join way but reading its QR code failed: the join way is deleted again.
    await fault(GET_PATH, 48002);
    expect((await api.post('/admin/groupJoinQr/save', body)).status).toBe(409);
    expect(await joinWays()).toEqual([]);
    expect(await stored()).toEqual([]);

    const code = (await api.post<JoinQrView>('/admin/groupJoinQr/save', body)).body.data;
    await fault(UPDATE_PATH, 48002);
    const editRefused = await api.post('/admin/groupJoinQr/save', {
      id: code.id,
      name: '新名字',
      chatIdList: chatIds.slice(0, 3),
    });
    expect(editRefused.status).toBe(409);
    expect(editRefused.body.msg).toMatch(CHINESE);
    expect((await api.get<JoinQrView>(`/admin/groupJoinQr/${code.id}`)).body.data).toMatchObject({
      name: '加群码',
      chatIdList: chatIds.slice(0, 1),
    });
    expect((await joinWays())[0]?.chatIds).toEqual(chatIds.slice(0, 1));
    expectFieldError(
      await api.post('/admin/groupJoinQr/save', { id: code.id, chatIdList: ['wrNOSUCH'] }),
      'chatIdList[0]',
    );

    await fault(DEL_PATH, 48002);
    expect((await api.post('/admin/groupJoinQr/delete', { id: code.id })).status).toBe(409);
    expect(await joinWays()).toHaveLength(1);
    expect((await api.get(`/admin/groupJoinQr/${code.id}`)).status).toBe(200);

    // WeCom lost the join way (deleted in its console): an edit marks the code, a delete still succeeds.
    await fault(UPDATE_PATH, 41044);
    const gone = await api.post('/admin/groupJoinQr/save', { id: code.id, chatIdList: chatIds.slice(0, 2) });
    expect(gone.status).toBe(409);
    expect(gone.body.msg).toMatch(/企业微信中已不存在/);
    expect((await api.get<JoinQrView>(`/admin/groupJoinQr/${code.id}`)).body.data).toMatchObject({
      status: 2,
      chatIdList: chatIds.slice(0, 1),
    });
    await fault(DEL_PATH, 41044);
    expect((await api.post('/admin/groupJoinQr/delete', { id: code.id })).status).toBe(200);
    expect((await stored()).map((r: { is_del: number }) => r.is_del)).toEqual([1]);
    expect(corp.corpId).toMatch(/^ww/);
  });

  it('deletes the WeCom join way again when the code cannot be stored', async () => {
    const { api, chatIds, joinWays, stored } = await syncedCorp(2);
    const name = uid('refused-');
    // The database refuses this one row after WeCom has created its join way.
    await db.raw(`CREATE OR REPLACE FUNCTION test_refuse_join_qr() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.name LIKE 'refused-%' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$`);
    await db.raw(`CREATE OR REPLACE TRIGGER test_refuse_join_qr BEFORE INSERT ON group_join_qr
      FOR EACH ROW EXECUTE FUNCTION test_refuse_join_qr()`);
    try {
      const failed = await api.post('/admin/groupJoinQr/save', { name, chatIdList: [chatIds[0]] });
      expect(failed.status).toBe(500);
    } finally {
      await db.raw('DROP TRIGGER IF EXISTS test_refuse_join_qr ON group_join_qr');
    }
    expect(await joinWays()).toEqual([]);
    expect(await stored()).toEqual([]);
    const saved = await api.post<JoinQrView>('/admin/groupJoinQr/save', { name: '正常', chatIdList: [chatIds[0]] });
    expect((await joinWays()).map((w) => w.configId)).toEqual([saved.body.data.configId]);
  });

  it('attributes a customer who joins through the code to the code and its channel', async () => {
    const { corp, api, chatIds, channelId } = await syncedCorp(2);
    const code = (
      await api.post<JoinQrView>('/admin/groupJoinQr/save', {
        name: '扫码进群',
        channelId,
        chatIdList: [chatIds[0]],
      })
    ).body.data;
    const processed = () =>
      waitFor('callback events to be processed', async () => {
        const open = await db('wecom_callback_event')
          .where({ corp_id: corp.corpId })
          .whereNotIn('status', ['done', 'failed'])
          .count<{ n: string }[]>({ n: '*' });
        return Number(open[0]?.n) === 0;
      });
    const joined = await control<{ done: { chatId: string; joined: string; state: string } }>(
      'POST',
      `/corps/${corp.corpId}/actions/customer-joins-via-join-way`,
      { configId: code.configId, name: '扫码客户' },
    );
    expect(joined.done).toMatchObject({ chatId: chatIds[0], state: code.state });
    await processed();
    await waitFor('the member to be mirrored', async () =>
      Boolean(await db('wecom_group_member').where({ corp_id: corp.corpId, member_id: joined.done.joined }).first()),
    );
    const member = await db('wecom_group_member')
      .where({ corp_id: corp.corpId, member_id: joined.done.joined })
      .first();
    expect(member).toMatchObject({ chat_id: chatIds[0], state: code.state, join_scene: 3, status: 0 });

    expect((await api.get<JoinQrView>(`/admin/groupJoinQr/${code.id}`)).body.data).toMatchObject({
      joinCount: 1,
      memberCount: 1,
    });
    const stats = await api.post<{ list: Array<Record<string, unknown>> }>('/admin/groupMember/channelStats', {
      from: shanghaiDay(),
      to: shanghaiDay(),
      channelId,
    });
    expect(stats.body.data.list).toEqual([
      {
        state: code.state,
        joinQrId: code.id,
        joinQrName: '扫码进群',
        channelId,
        channelName: '线下海报',
        joined: 1,
        quit: 0,
        stillIn: 1,
      },
    ]);

    await control('POST', `/corps/${corp.corpId}/actions/member-leaves-group`, {
      chatId: chatIds[0],
      members: [joined.done.joined],
    });
    await processed();
    // Deleting the code keeps the attribution of those who joined through it.
    expect((await api.post('/admin/groupJoinQr/delete', { id: code.id })).status).toBe(200);
    const after = await api.post<{ list: Array<Record<string, unknown>> }>('/admin/groupMember/channelStats', {
      from: shanghaiDay(),
      to: shanghaiDay(),
      joinQrId: code.id,
    });
    expect(after.body.data.list).toEqual([
      expect.objectContaining({ state: code.state, joinQrId: code.id, channelId, joined: 1, quit: 1, stillIn: 0 }),
    ]);
  });
});
