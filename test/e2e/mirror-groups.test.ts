import { Client, Connection } from '@temporalio/client';
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import type { Db } from '../../src/db/knex';
import { sharedApiUrl, sharedTemporalAddress } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call, type ApiResponse } from '../helpers/http';
import { canonicalFromMirror, canonicalFromSimulator, type SimState } from '../helpers/mirror-compare';
import { daysAgo, seedCustomer, seedEmployee, seedGroupChat, seedGroupMember } from '../helpers/mirror-tags-groups';
import { waitFor } from '../helpers/wait';
import { control, createSimulatedCorp } from '../helpers/wecom';

interface GroupView {
  id: string;
  chatId: string;
  name: string;
  owner: string | null;
  ownerName: string | null;
  status: number;
  memberCount: number;
  dismissed: boolean;
}
interface MemberView {
  id: string;
  chatId: string;
  groupName: string | null;
  memberId: string;
  memberType: number;
  name: string | null;
  customerName: string | null;
  employeeName: string | null;
  invitor: string | null;
  invitorName: string | null;
  state: string | null;
  status: number;
  joinTime: string | null;
  quitTime: string | null;
}
interface ChatGroupView {
  id: string;
  chatId: string;
  remark: string | null;
  category: string | null;
  channelId: string | null;
  groupName: string | null;
  ownerName: string | null;
  memberCount: number;
  groupDismissed: boolean;
}
interface Page<T> {
  list: T[];
  total: number;
  pageNum: number;
  pageSize: number;
}
interface ErrorData {
  errors?: Array<{ field: string; message: string }>;
}

const SHANGHAI = 'Asia/Shanghai';
/** Channel figures of a state no group-join QR code handed out. */
const NO_JOIN_QR = { joinQrId: null, joinQrName: null, channelId: null, channelName: null };
const shanghaiDay = (offsetDays = 0) => DateTime.now().setZone(SHANGHAI).plus({ days: offsetDays }).toISODate()!;

let db: Db;

beforeAll(() => {
  db = testDb();
});
afterAll(async () => db.destroy());

async function adminOf(corpId: string) {
  const { token } = await createAdmin(db, sharedApiUrl, { corpId });
  return {
    token,
    get: <T>(path: string) => call<T>(sharedApiUrl, 'GET', path, { token }),
    post: <T>(path: string, body: unknown = {}) => call<T>(sharedApiUrl, 'POST', path, { token, body }),
  };
}

function expectFieldError(response: ApiResponse<unknown>, field: string): void {
  expect(response.status).toBe(400);
  expect(response.body.code).toBe('400');
  expect((response.body.data as ErrorData).errors?.map((e) => e.field)).toContain(field);
}

/** A corp with an owner, three live groups (one with a LIKE wildcard in its name), a dismissed one, and members. */
async function seedGroupCorp() {
  const corp = uid('corp-');
  const owner = await seedEmployee(db, corp, { name: '群主甲' });
  const helper = await seedEmployee(db, corp, { name: '助理乙' });
  const alice = await seedCustomer(db, corp, { name: 'Alice' });
  const bob = await seedCustomer(db, corp, { name: 'Bob' });
  const big = await seedGroupChat(db, corp, { name: '销售群 100%', owner, createTime: daysAgo(3) });
  const small = await seedGroupChat(db, corp, { name: '售后群A1', owner: helper, createTime: daysAgo(1), status: 1 });
  const vip = await seedGroupChat(db, corp, { name: '群_VIP', owner, createTime: daysAgo(2) });
  const old = await seedGroupChat(db, corp, { name: '旧群', owner, createTime: daysAgo(30), dismissed: true });
  const members = {
    alice: await seedGroupMember(db, corp, {
      chatId: big.chatId,
      memberId: alice,
      memberType: 2,
      invitor: owner,
      state: 'ch-ad',
      joinTime: daysAgo(2),
    }),
    owner: await seedGroupMember(db, corp, {
      chatId: big.chatId,
      memberId: owner,
      memberType: 1,
      joinTime: daysAgo(3),
    }),
    bob: await seedGroupMember(db, corp, { chatId: big.chatId, memberId: bob, memberType: 2, state: 'ch-qr' }),
    gone: await seedGroupMember(db, corp, {
      chatId: big.chatId,
      memberType: 2,
      name: '走了的人',
      joinTime: daysAgo(5),
      quitTime: daysAgo(1),
    }),
    aliceSmall: await seedGroupMember(db, corp, { chatId: small.chatId, memberId: alice, memberType: 2 }),
  };
  return { corp, owner, helper, alice, bob, big, small, vip, old, members };
}

describe('customer groups', () => {
  it('lists the live groups of the corp, newest first, with owner names and current member counts', async () => {
    const s = await seedGroupCorp();
    await seedGroupChat(db, uid('corp-'), { name: '别家的群' });
    const api = await adminOf(s.corp);
    const all = await api.get<GroupView[]>('/admin/group/listAll');
    expect(all.status).toBe(200);
    expect(all.body.data.map((g) => [g.name, g.ownerName, g.memberCount])).toEqual([
      ['售后群A1', '助理乙', 1],
      ['群_VIP', '群主甲', 0],
      ['销售群 100%', '群主甲', 3],
    ]);
    expect(all.body.data.every((g) => !g.dismissed)).toBe(true);
  });

  it('pages groups by name (wildcards taken literally), owner, status, dismissed, with whitelisted sorting', async () => {
    const s = await seedGroupCorp();
    const api = await adminOf(s.corp);
    const page = (body: Record<string, unknown>) =>
      api.post<Page<GroupView>>('/admin/group/page', { pageNum: 1, pageSize: 10, ...body });

    expect((await page({ name: '群_' })).body.data.list.map((g) => g.name)).toEqual(['群_VIP']);
    expect((await page({ name: '100%' })).body.data.list.map((g) => g.name)).toEqual(['销售群 100%']);
    expect((await page({ owner: s.helper })).body.data.list.map((g) => g.chatId)).toEqual([s.small.chatId]);
    expect((await page({ status: 1 })).body.data.list.map((g) => g.chatId)).toEqual([s.small.chatId]);
    const withDismissed = await page({ includeDismissed: true, sortField: 'memberCount', sortOrder: 'desc' });
    expect(withDismissed.body.data.total).toBe(4);
    expect(withDismissed.body.data.list[0]).toMatchObject({ chatId: s.big.chatId, memberCount: 3 });
    expect(withDismissed.body.data.list.find((g) => g.chatId === s.old.chatId)?.dismissed).toBe(true);
    const paged = await page({ pageSize: 2, pageNum: 2, sortField: 'createTime', sortOrder: 'asc' });
    expect(paged.body.data).toMatchObject({ total: 3, pageNum: 2, pageSize: 2 });
    expect(paged.body.data.list.map((g) => g.name)).toEqual(['售后群A1']);

    expectFieldError(await page({ sortField: 'owner' }), 'sortField');
    expectFieldError(await page({ status: 7 }), 'status');
    expectFieldError(await page({ pageSize: 201 }), 'pageSize');
  });

  it('shows the members of a group now, named from the customer and employee mirror; 404 otherwise', async () => {
    const s = await seedGroupCorp();
    const api = await adminOf(s.corp);
    const detail = await api.get<{ group: GroupView; members: MemberView[] }>(
      `/admin/group/memberDetail?chatId=${s.big.chatId}`,
    );
    expect(detail.status).toBe(200);
    expect(detail.body.data.group).toMatchObject({ chatId: s.big.chatId, name: '销售群 100%', memberCount: 3 });
    expect(detail.body.data.members.map((m) => [m.memberId, m.name, m.memberType, m.status])).toEqual([
      [s.owner, '群主甲', 1, 0],
      [s.alice, 'Alice', 2, 0],
      [s.bob, 'Bob', 2, 0],
    ]);
    expect(detail.body.data.members[1]).toMatchObject({
      customerName: 'Alice',
      employeeName: null,
      invitor: s.owner,
      invitorName: '群主甲',
      state: 'ch-ad',
    });

    const foreign = await seedGroupChat(db, uid('corp-'));
    expect((await api.get(`/admin/group/memberDetail?chatId=${foreign.chatId}`)).status).toBe(404);
    expect((await api.get(`/admin/group/memberDetail?chatId=${s.old.chatId}`)).status).toBe(404);
    expect((await api.get('/admin/group/memberDetail?chatId=wr-unknown')).status).toBe(404);
    expectFieldError(await api.get('/admin/group/memberDetail'), 'chatId');
  });

  it('starts the group sync as a workflow and answers its id', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const response = await api.post<{ workflowId: string }>('/admin/group/sync');
    expect(response.status).toBe(200);
    expect(response.body.data.workflowId).toBe(`wecom-sync-groups-${corp}`);
    const connection = await Connection.connect({ address: sharedTemporalAddress });
    try {
      const handle = new Client({ connection }).workflow.getHandle(response.body.data.workflowId);
      expect((await handle.describe()).type).toBe('wecomFullSync');
      await handle.terminate('test done').catch(() => undefined);
    } finally {
      await connection.close();
    }
  });
});

describe('chat group records', () => {
  it('adds a record for a mirrored group, updates it without and with id, pages and gets it', async () => {
    const s = await seedGroupCorp();
    const api = await adminOf(s.corp);
    const created = await api.post<ChatGroupView>('/admin/chatGroup/save', {
      chatId: s.big.chatId,
      remark: '重点客户群',
      category: '销售',
      channelId: null,
    });
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject({
      chatId: s.big.chatId,
      remark: '重点客户群',
      category: '销售',
      channelId: null,
      groupName: '销售群 100%',
      ownerName: '群主甲',
      memberCount: 3,
      groupDismissed: false,
    });

    const again = await api.post<ChatGroupView>('/admin/chatGroup/save', { chatId: s.big.chatId, category: '售前' });
    expect(again.body.data).toMatchObject({ id: created.body.data.id, remark: '重点客户群', category: '售前' });
    const cleared = await api.post<ChatGroupView>('/admin/chatGroup/save', {
      id: created.body.data.id,
      chatId: s.big.chatId,
      remark: null,
    });
    expect(cleared.body.data).toMatchObject({ id: created.body.data.id, remark: null, category: '售前' });
    expect(await db('chat_group').where({ corp_id: s.corp, is_del: 0 }).select('id', 'remark', 'category')).toEqual([
      { id: created.body.data.id, remark: null, category: '售前' },
    ]);

    const small = await api.post<ChatGroupView>('/admin/chatGroup/save', { chatId: s.small.chatId, category: '售后' });
    const page = await api.post<Page<ChatGroupView>>('/admin/chatGroup/page', {
      pageNum: 1,
      pageSize: 10,
      name: '售后',
    });
    expect(page.body.data.list.map((r) => r.id)).toEqual([small.body.data.id]);
    const byCategory = await api.post<Page<ChatGroupView>>('/admin/chatGroup/page', {
      pageNum: 1,
      pageSize: 10,
      category: '售前',
      sortField: 'ctime',
    });
    expect(byCategory.body.data.list.map((r) => r.chatId)).toEqual([s.big.chatId]);
    const got = await api.get<ChatGroupView>(`/admin/chatGroup/${small.body.data.id}`);
    expect(got.body.data).toMatchObject({ chatId: s.small.chatId, groupName: '售后群A1', memberCount: 1 });
  });

  it('gives concurrent saves of one group’s record one record, each save answered 200', async () => {
    const s = await seedGroupCorp();
    const api = await adminOf(s.corp);
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api.post<ChatGroupView>('/admin/chatGroup/save', { chatId: s.big.chatId, category: `类别${i}` }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(new Array(8).fill(200));
    const rows = await db('chat_group').where({ corp_id: s.corp, chat_id: s.big.chatId, is_del: 0 }).select('id');
    expect(rows).toHaveLength(1);
    expect(new Set(responses.map((r) => r.body.data.id))).toEqual(new Set([rows[0].id]));
  });

  it('refuses unknown, dismissed or foreign groups and records with 404, bad fields with 400, writing nothing', async () => {
    const s = await seedGroupCorp();
    const api = await adminOf(s.corp);
    const other = await seedGroupCorp();
    const otherApi = await adminOf(other.corp);
    const foreignRecord = await otherApi.post<ChatGroupView>('/admin/chatGroup/save', { chatId: other.big.chatId });

    expect((await api.post('/admin/chatGroup/save', { chatId: 'wr-unknown', remark: 'x' })).status).toBe(404);
    expect((await api.post('/admin/chatGroup/save', { chatId: s.old.chatId, remark: 'x' })).status).toBe(404);
    expect((await api.post('/admin/chatGroup/save', { chatId: other.big.chatId, remark: 'x' })).status).toBe(404);
    expect(
      (await api.post('/admin/chatGroup/save', { id: foreignRecord.body.data.id, chatId: s.big.chatId, remark: 'x' }))
        .status,
    ).toBe(404);
    expect((await api.get(`/admin/chatGroup/${foreignRecord.body.data.id}`)).status).toBe(404);
    expect((await api.get('/admin/chatGroup/999999999')).status).toBe(404);
    expectFieldError(await api.post('/admin/chatGroup/save', { chatId: s.big.chatId, channelId: 'abc' }), 'channelId');
    // An id that names no acquisition channel of the corp.
    expectFieldError(
      await api.post('/admin/chatGroup/save', { chatId: s.big.chatId, channelId: '999999999' }),
      'channelId',
    );
    expectFieldError(
      await api.post('/admin/chatGroup/save', {
        id: foreignRecord.body.data.id,
        chatId: other.big.chatId,
        channelId: '999999999',
      }),
      'channelId',
    );
    expectFieldError(await api.post('/admin/chatGroup/save', { remark: 'x' }), 'chatId');
    expectFieldError(
      await api.post('/admin/chatGroup/save', { chatId: s.big.chatId, remark: 'x'.repeat(513) }),
      'remark',
    );
    expect(await db('chat_group').where({ corp_id: s.corp }).count({ n: '*' })).toEqual([{ n: '0' }]);
    expect(await db('chat_group').where({ id: foreignRecord.body.data.id }).first('remark')).toEqual({ remark: null });
  });
});

describe('group members', () => {
  it('pages members by group, channel, type, in/quit and join time; gets one by id', async () => {
    const s = await seedGroupCorp();
    const api = await adminOf(s.corp);
    const page = (body: Record<string, unknown>) =>
      api.post<Page<MemberView>>('/admin/groupMember/page', { pageNum: 1, pageSize: 20, ...body });
    const ids = async (body: Record<string, unknown>) =>
      (await page({ sortField: 'id', sortOrder: 'asc', ...body })).body.data.list.map((m) => m.id);

    expect(await ids({ chatId: s.big.chatId })).toEqual([
      s.members.alice,
      s.members.owner,
      s.members.bob,
      s.members.gone,
    ]);
    expect(await ids({ state: 'ch-ad' })).toEqual([s.members.alice]);
    expect(await ids({ chatId: s.big.chatId, memberType: 1 })).toEqual([s.members.owner]);
    expect(await ids({ status: [1] })).toEqual([s.members.gone]);
    expect(await ids({ status: [0], memberType: 2 })).toEqual([s.members.alice, s.members.bob, s.members.aliceSmall]);
    expect(await ids({ joinTimeFrom: daysAgo(2.5).toISOString(), joinTimeTo: daysAgo(1.5).toISOString() })).toEqual([
      s.members.alice,
    ]);
    expect(await ids({ name: 'Ali' })).toEqual([s.members.alice, s.members.aliceSmall]);
    const defaultOrder = await page({ chatId: s.big.chatId });
    expect(defaultOrder.body.data.list[0]!.id).toBe(s.members.bob);
    expect(defaultOrder.body.data.total).toBe(4);

    expectFieldError(await page({ status: 'gone' }), 'status');
    expectFieldError(await page({ memberType: 3 }), 'memberType');
    expectFieldError(await page({ joinTimeFrom: 'yesterday' }), 'joinTimeFrom');

    const one = await api.get<MemberView>(`/admin/groupMember/${s.members.gone}`);
    expect(one.body.data).toMatchObject({
      id: s.members.gone,
      chatId: s.big.chatId,
      groupName: '销售群 100%',
      name: '走了的人',
      status: 1,
    });
    expect(new Date(one.body.data.quitTime!).getTime()).toBeGreaterThan(Date.now() - 2 * 86_400_000);
    const foreign = await seedGroupMember(db, uid('corp-'), { chatId: 'wr-x' });
    expect((await api.get(`/admin/groupMember/${foreign}`)).status).toBe(404);
    expectFieldError(await api.get('/admin/groupMember/x1'), 'id');
  });

  it('counts a group’s size now and today’s joins and departures (Shanghai days); corp-wide figures too', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const group = await seedGroupChat(db, corp);
    const second = await seedGroupChat(db, corp);
    const dismissed = await seedGroupChat(db, corp, { dismissed: true });
    const customer = await seedCustomer(db, corp);
    await seedGroupMember(db, corp, { chatId: group.chatId, memberId: customer, joinTime: new Date() });
    await seedGroupMember(db, corp, { chatId: group.chatId, joinTime: daysAgo(3) });
    await seedGroupMember(db, corp, { chatId: group.chatId, joinTime: new Date(), quitTime: new Date() });
    await seedGroupMember(db, corp, { chatId: group.chatId, joinTime: daysAgo(5), quitTime: daysAgo(2) });
    await seedGroupMember(db, corp, { chatId: group.chatId, memberType: 1, joinTime: daysAgo(9) });
    await seedGroupMember(db, corp, { chatId: second.chatId, memberId: customer, joinTime: daysAgo(1) });
    await seedGroupMember(db, corp, { chatId: dismissed.chatId, joinTime: new Date() });

    const stats = await api.get<Record<string, unknown>>(`/admin/groupMember/groupStats?chatId=${group.chatId}`);
    expect(stats.status).toBe(200);
    expect(stats.body.data).toEqual({
      chatId: group.chatId,
      size: 3,
      joinedToday: 2,
      quitToday: 1,
      timeZone: SHANGHAI,
    });
    expect((await api.get('/admin/groupMember/groupStats?chatId=wr-none')).status).toBe(404);
    expect((await api.get(`/admin/groupMember/groupStats?chatId=${dismissed.chatId}`)).status).toBe(404);

    const corpWide = await api.get<Record<string, unknown>>('/admin/groupMember/corpStats');
    expect(corpWide.body.data).toEqual({
      groupCount: 2,
      memberCount: 4,
      customerCount: 2,
      joinedToday: 2,
      quitToday: 1,
      timeZone: SHANGHAI,
    });
    const empty = await (await adminOf(uid('corp-'))).get<Record<string, unknown>>('/admin/groupMember/corpStats');
    expect(empty.body.data).toMatchObject({ groupCount: 0, memberCount: 0, customerCount: 0, joinedToday: 0 });
  });

  it('reports joins, departures and retention per channel over whole days', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const group = await seedGroupChat(db, corp);
    const join = (state: string, joinTime: Date, quitTime?: Date) =>
      seedGroupMember(db, corp, { chatId: group.chatId, state, joinTime, quitTime });
    await join('ch-A', new Date());
    await join('ch-A', daysAgo(2), new Date());
    await join('ch-A', daysAgo(10), daysAgo(1));
    await join('ch-B', daysAgo(3));
    await join('ch-B', daysAgo(20));
    await seedGroupMember(db, corp, { chatId: group.chatId, joinTime: new Date() });

    const stats = await api.post<{
      list: Array<{ state: string; joined: number; quit: number; stillIn: number }>;
      total: { joined: number; quit: number; stillIn: number };
    }>('/admin/groupMember/channelStats', { from: shanghaiDay(-6), to: shanghaiDay(0) });
    expect(stats.status).toBe(200);
    expect(stats.body.data.list).toEqual([
      { state: 'ch-A', ...NO_JOIN_QR, joined: 2, quit: 2, stillIn: 1 },
      { state: 'ch-B', ...NO_JOIN_QR, joined: 1, quit: 0, stillIn: 1 },
    ]);
    expect(stats.body.data.total).toEqual({ joined: 3, quit: 2, stillIn: 2 });

    const lastWeekOnly = await api.post<{ list: unknown[] }>('/admin/groupMember/channelStats', {
      from: shanghaiDay(-6),
      to: shanghaiDay(-1),
      state: 'ch-A',
    });
    expect(lastWeekOnly.body.data.list).toEqual([{ state: 'ch-A', ...NO_JOIN_QR, joined: 1, quit: 1, stillIn: 0 }]);
    const none = await api.post<{ list: unknown[] }>('/admin/groupMember/channelStats', {
      from: shanghaiDay(-1),
      to: shanghaiDay(0),
      state: 'ch-Z',
    });
    expect(none.body.data.list).toEqual([{ state: 'ch-Z', ...NO_JOIN_QR, joined: 0, quit: 0, stillIn: 0 }]);

    expectFieldError(
      await api.post('/admin/groupMember/channelStats', { from: shanghaiDay(0), to: shanghaiDay(-1) }),
      'to',
    );
    expectFieldError(await api.post('/admin/groupMember/channelStats', { from: '2024-01-01', to: '2025-06-01' }), 'to');
    expectFieldError(
      await api.post('/admin/groupMember/channelStats', { from: '2024/01/01', to: '2024-01-02' }),
      'from',
    );
  });

  it('exports the matching members as a streamed .xlsx read from PostgreSQL in chunks', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const owner = await seedEmployee(db, corp, { name: '群主丙' });
    const group = await seedGroupChat(db, corp, { name: '导出群', owner });
    const other = await seedGroupChat(db, corp, { name: '另一个群' });
    const customer = await seedCustomer(db, corp, { name: '客户甲' });
    const joinTime = new Date('2025-03-01T02:03:04Z');
    const bulk = Array.from({ length: 2345 }, (_, i) => ({
      corp_id: corp,
      chat_id: group.chatId,
      member_id: `wm-bulk-${String(i).padStart(5, '0')}`,
      member_type: 2,
      name: `成员${i}`,
      join_time: joinTime,
      join_scene: 2,
      state: 'ch-export',
      status: 0,
    }));
    await db.batchInsert('wecom_group_member', bulk, 1000);
    await seedGroupMember(db, corp, {
      chatId: group.chatId,
      memberId: customer,
      invitor: owner,
      joinTime,
      quitTime: new Date('2025-03-02T16:30:00Z'),
      quitScene: 1,
    });
    await seedGroupMember(db, corp, { chatId: other.chatId });

    const response = await fetch(`${sharedApiUrl}/admin/groupMember/export`, {
      method: 'POST',
      headers: { token: api.token, 'content-type': 'application/json' },
      body: JSON.stringify({ chatId: group.chatId }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('spreadsheetml.sheet');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="group-members-\d{8}-\d{6}\.xlsx"$/,
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.worksheets[0]!;
    const rows: string[][] = [];
    sheet.eachRow((row) =>
      rows.push((row.values as unknown[]).slice(1).map((v) => (v === undefined || v === null ? '' : String(v)))),
    );
    expect(rows).toHaveLength(1 + 2346);
    expect(rows[0]!.slice(0, 4)).toEqual(['群名称', '群ID', '成员ID', '成员类型']);
    expect(rows[1]).toEqual(
      expect.arrayContaining(['导出群', group.chatId, 'wm-bulk-00000', '客户', '成员0', '2025-03-01 10:03:04', '在群']),
    );
    expect(new Set(rows.slice(1).map((r) => r[1]))).toEqual(new Set([group.chatId]));
    expect(rows[2346]).toEqual(
      expect.arrayContaining([customer, '客户甲', '群主丙 (' + owner + ')', '已退群', '2025-03-03 00:30:00', '被移出']),
    );

    const quitOnly = await fetch(`${sharedApiUrl}/admin/groupMember/export`, {
      method: 'POST',
      headers: { token: api.token, 'content-type': 'application/json' },
      body: JSON.stringify({ status: [1] }),
    });
    const quitBook = new ExcelJS.Workbook();
    await quitBook.xlsx.load(await quitOnly.arrayBuffer());
    expect(quitBook.worksheets[0]!.rowCount).toBe(2);

    const bad = await call(sharedApiUrl, 'POST', '/admin/groupMember/export', {
      token: api.token,
      body: { memberType: 5 },
    });
    expectFieldError(bad, 'memberType');
    const anonymous = await call(sharedApiUrl, 'POST', '/admin/groupMember/export', { body: {} });
    expect(anonymous.status).toBe(401);
  });
});

describe('group member history from WeCom callbacks', () => {
  interface Stats {
    size: number;
    joinedToday: number;
    quitToday: number;
  }
  interface ChannelRow {
    state: string;
    joined: number;
    quit: number;
    stillIn: number;
  }

  it('keeps every stay of a member who leaves and rejoins, in stats, channel figures and pages', async () => {
    const corp = await createSimulatedCorp(db, { seed: 31, customers: 20, groups: 2 });
    const api = await adminOf(corp.corpId);
    const sync = await api.post<{ workflowId: string }>('/admin/group/sync');
    const connection = await Connection.connect({ address: sharedTemporalAddress });
    try {
      await new Client({ connection }).workflow.getHandle(sync.body.data.workflowId).result();
    } finally {
      await connection.close();
    }
    const chat = await db('wecom_group_chat').where({ corp_id: corp.corpId, is_del: 0 }).orderBy('id').first();
    const chatId = chat.chat_id as string;
    const act = (name: string, body: Record<string, unknown>) =>
      control<{ done: Record<string, unknown> }>('POST', `/corps/${corp.corpId}/actions/${name}`, body);
    const processed = () =>
      waitFor('callback events to be processed', async () => {
        const open = await db('wecom_callback_event')
          .where({ corp_id: corp.corpId })
          .whereNotIn('status', ['done', 'failed'])
          .count<{ n: string }[]>({ n: '*' });
        return Number(open[0]?.n) === 0;
      });
    const stats = async () =>
      (await api.get<Stats>(`/admin/groupMember/groupStats?chatId=${chatId}`)).body.data as Stats;
    const channel = async (state: string) =>
      (
        await api.post<{ list: ChannelRow[] }>('/admin/groupMember/channelStats', {
          from: shanghaiDay(0),
          to: shanghaiDay(0),
          state,
        })
      ).body.data.list;
    const base = await stats();

    // One step at a time: each callback is applied before the next action.
    const joined = await act('member-joins-group', { chatId, members: [{ name: '回头客', state: 'ch-back' }] });
    const member = (joined.done['joined'] as string[])[0]!;
    await processed();
    await act('member-leaves-group', { chatId, members: [member], quitScene: 0 });
    await processed();
    await act('member-joins-group', { chatId, members: [{ externalUserid: member, state: 'ch-back' }] });
    await processed();
    expect(await stats()).toMatchObject({
      size: base.size + 1,
      joinedToday: base.joinedToday + 2,
      quitToday: base.quitToday + 1,
    });
    expect(await channel('ch-back')).toEqual([{ state: 'ch-back', ...NO_JOIN_QR, joined: 2, quit: 1, stillIn: 1 }]);

    await act('member-leaves-group', { chatId, members: [member], quitScene: 1 });
    await processed();
    expect(await stats()).toMatchObject({
      size: base.size,
      joinedToday: base.joinedToday + 2,
      quitToday: base.quitToday + 2,
    });
    expect(await channel('ch-back')).toEqual([{ state: 'ch-back', ...NO_JOIN_QR, joined: 2, quit: 2, stillIn: 0 }]);
    const stays = await api.post<Page<MemberView>>('/admin/groupMember/page', {
      pageNum: 1,
      pageSize: 10,
      chatId,
      state: 'ch-back',
      sortField: 'id',
      sortOrder: 'asc',
    });
    expect(stays.body.data.list.map((m) => [m.memberId, m.status])).toEqual([
      [member, 1],
      [member, 1],
    ]);
    expect(
      await db('wecom_group_member').where({ corp_id: corp.corpId, member_id: member }).pluck('quit_scene'),
    ).toEqual(expect.arrayContaining([0, 1]));

    const exported = await fetch(`${sharedApiUrl}/admin/groupMember/export`, {
      method: 'POST',
      headers: { token: api.token, 'content-type': 'application/json' },
      body: JSON.stringify({ chatId, state: 'ch-back' }),
    });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await exported.arrayBuffer());
    const exportedRows: string[][] = [];
    book.worksheets[0]!.eachRow((row, n) => {
      if (n > 1) exportedRows.push((row.values as unknown[]).slice(1).map((v) => (v == null ? '' : String(v))));
    });
    expect(exportedRows.map((r) => [r[2], r[10], r[12]])).toEqual([
      [member, '已退群', '主动退群'],
      [member, '已退群', '被移出'],
    ]);

    // Back to back (usually within one second), each callback applied before the next action. When
    // a join, its departure and the rejoin all happen before the first callback is applied, WeCom's
    // live list no longer shows the first stay, and no callback carries its join time or channel.
    const quick = await act('member-joins-group', { chatId, members: [{ name: '快进快出', state: 'ch-quick' }] });
    const quickMember = (quick.done['joined'] as string[])[0]!;
    await processed();
    await act('member-leaves-group', { chatId, members: [quickMember] });
    await processed();
    await act('member-joins-group', { chatId, members: [{ externalUserid: quickMember, state: 'ch-quick' }] });
    await processed();
    expect(await channel('ch-quick')).toEqual([{ state: 'ch-quick', ...NO_JOIN_QR, joined: 2, quit: 1, stillIn: 1 }]);
    expect(await stats()).toMatchObject({ size: base.size + 1, quitToday: base.quitToday + 3 });

    expect(await db('wecom_callback_event').where({ corp_id: corp.corpId, status: 'failed' })).toEqual([]);
    const simulator = canonicalFromSimulator(
      await control<SimState>(
        'GET',
        `/corps/${corp.corpId}/state?sections=departments,users,customers,tagGroups,groupChats`,
      ),
    );
    const mirror = await canonicalFromMirror(db, corp.corpId);
    expect(mirror.members).toEqual(simulator.members);
    expect(mirror.groups).toEqual(simulator.groups);
  });
});
