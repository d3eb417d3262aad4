import ExcelJS from 'exceljs';
import type { Db } from '../../src/db/knex';
import { bumpGrantVersion } from '../../src/db/queries/access';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, createPartner, testDb, uid } from '../helpers/factories';
import { call, type ApiResponse } from '../helpers/http';
import { mirrorCustomer, mirrorEmployee, mirrorRelation } from '../helpers/mirror-org';
import { seedGroupChat, seedGroupMember } from '../helpers/mirror-tags-groups';

/*
 * A corp with a small department tree and one user per data scope, each bound to a WeCom employee:
 *
 *   hq (boss: scope 1, custom: scope 2 over west)
 *   ├── east (mgr: scope 3, head: scope 4; x of another corp and a deleted user are here too)
 *   │   └── team (s1: scope 5, s2)
 *   └── west (west)
 *
 * Every employee below owns one clue, one customer (linked to that clue, with its relation) and one group with a
 * member and a record; `nobody` is an employee no user is bound to, and one clue sits in the pool.
 */
const OWNERS = ['boss', 'custom', 'mgr', 'head', 's1', 's2', 'west', 'x', 'gone', 'nobody'] as const;
type Owner = (typeof OWNERS)[number];
type ViewerName = 'boss' | 'custom' | 'mgr' | 'head' | 's1' | 'unbound';

/** What each viewer must see: the owners of the rows in its scope. */
const VISIBLE: Record<ViewerName, Owner[]> = {
  boss: [...OWNERS],
  custom: ['custom', 'west'],
  mgr: ['mgr', 'head'],
  head: ['mgr', 'head', 's1', 's2'],
  s1: ['s1'],
  unbound: [],
};
const VIEWERS = Object.keys(VISIBLE) as ViewerName[];

/** The permissions of the routes these tests call (a seeded route's permission is its seedOp with ':'). */
const PERMISSIONS = [
  'clue:page',
  'clue:listStats',
  'clueDetail:get',
  'clue:updateAndFollowUp',
  'clue:batchAssign',
  'customer:page',
  'customer:get',
  'customer:get2',
  'customer:save',
  'customer:growthStats',
  'relation:page',
  'relation:page2',
  'relation:get',
  'relation:export',
  'relation:stats',
  'relation:validByEmployee',
  'relation:save',
  'group:page',
  'group:listAll',
  'group:memberDetail',
  'groupMember:page',
  'groupMember:export',
  'groupMember:groupStats',
  'groupMember:corpStats',
  'groupMember:channelStats',
  'groupMember:detail',
  'chatGroup:page',
  'chatGroup:get',
  'chatGroup:save',
];

const ADDED_AT = new Date('2026-03-10T04:00:00Z');
const RANGE = { from: '2026-03-01', to: '2026-03-31', timeZone: 'Asia/Shanghai' };
const CHANNEL = 'scope-channel';

interface Page<T> {
  list: T[];
  total: number;
}

interface World {
  corpId: string;
  partnerId: string;
  userid: Record<Owner, string>;
  token: Record<ViewerName, string>;
  clue: Record<Owner, string>;
  poolClue: string;
  customer: Record<Owner, { id: string; externalUserid: string }>;
  /** A customer followed by s1 and west. */
  shared: { id: string; externalUserid: string };
  relation: Record<Owner, string>;
  group: Record<Owner, { id: string; chatId: string }>;
  member: Record<Owner, string>;
  record: Record<Owner, string>;
}

const sorted = <T>(values: T[]) => [...values].sort();

describe('data scope of clues, customers, relations and groups', () => {
  let db: Db;
  let w: World;

  async function insertDept(name: string, parentId: string | null): Promise<string> {
    const [row] = (await db('sys_dept').insert({ name, parent_id: parentId, cuser: 'test' }).returning('id')) as Array<{
      id: string;
    }>;
    return row!.id;
  }

  /** A role of `dataScope` granting PERMISSIONS (and, for scope 2, the departments). */
  async function insertRole(dataScope: number, deptIds: string[] = []): Promise<string> {
    const key = uid('scope_role_');
    const [role] = (await db('sys_role')
      .insert({ name: key, role_key: key, data_scope: dataScope, cuser: 'test' })
      .returning('id')) as Array<{ id: string }>;
    const menus = (await db('sys_menu').whereIn('permission', PERMISSIONS).where({ is_del: 0 }).select('id')) as Array<{
      id: string;
    }>;
    expect(menus).toHaveLength(PERMISSIONS.length);
    await db('sys_role_menu').insert(menus.map((m) => ({ role_id: role!.id, menu_id: m.id })));
    if (deptIds.length > 0) await db('sys_role_dept').insert(deptIds.map((d) => ({ role_id: role!.id, dept_id: d })));
    await bumpGrantVersion(db);
    return key;
  }

  async function loginUser(options: {
    corpId: string;
    roleKey?: string;
    deptId: string;
    wecomUserid: string | null;
  }): Promise<{ id: string; token: string }> {
    const admin = await createAdmin(db, sharedApiUrl, {
      corpId: options.corpId,
      roleKeys: options.roleKey ? [options.roleKey] : [],
    });
    await db('sys_user').where({ id: admin.id }).update({ dept_id: options.deptId, wecom_userid: options.wecomUserid });
    await bumpGrantVersion(db);
    return admin;
  }

  beforeAll(async () => {
    db = testDb();
    const corpId = uid('corp-scope-');
    const otherCorp = uid('corp-other-');
    const hq = await insertDept(uid('总部'), null);
    const east = await insertDept(uid('华东'), hq);
    const team = await insertDept(uid('华东一组'), east);
    const west = await insertDept(uid('华西'), hq);
    const userid = Object.fromEntries(OWNERS.map((o) => [o, `${o}-${uid()}`])) as Record<Owner, string>;
    for (const owner of OWNERS) await mirrorEmployee(db, corpId, { userid: userid[owner], name: `员工${owner}` });

    const roles = {
      1: await insertRole(1),
      2: await insertRole(2, [west]),
      3: await insertRole(3),
      4: await insertRole(4),
      5: await insertRole(5),
    };
    const token = {} as Record<ViewerName, string>;
    token.boss = (await loginUser({ corpId, roleKey: roles[1], deptId: hq, wecomUserid: userid.boss })).token;
    token.custom = (await loginUser({ corpId, roleKey: roles[2], deptId: hq, wecomUserid: userid.custom })).token;
    token.mgr = (await loginUser({ corpId, roleKey: roles[3], deptId: east, wecomUserid: userid.mgr })).token;
    token.head = (await loginUser({ corpId, roleKey: roles[4], deptId: east, wecomUserid: userid.head })).token;
    token.s1 = (await loginUser({ corpId, roleKey: roles[5], deptId: team, wecomUserid: userid.s1 })).token;
    token.unbound = (await loginUser({ corpId, roleKey: roles[5], deptId: team, wecomUserid: null })).token;
    // Bound to employees but granting nothing themselves: they only place their employee in a department.
    await loginUser({ corpId, deptId: team, wecomUserid: userid.s2 });
    await loginUser({ corpId, deptId: west, wecomUserid: userid.west });
    // In east, but of another corp: not one of this corp's users.
    await loginUser({ corpId: otherCorp, deptId: east, wecomUserid: userid.x });
    const gone = await loginUser({ corpId, deptId: east, wecomUserid: userid.gone });
    await db('sys_user').where({ id: gone.id }).update({ is_del: 1 });

    const partner = await createPartner(db);
    const partnerId = String(partner.partnerId);
    const insertClue = async (owner: string | null) => {
      const [row] = (await db('clue')
        .insert({
          partner_id: partnerId,
          business_id: uid('biz-'),
          link_man_name: `客户${owner ?? 'pool'}`,
          link_man_tel: '13800138000',
          phone_normalized: '13800138000',
          status: owner ? 'assigned' : 'pool',
          // Not for the dispatcher: these clues have no distribution workflow.
          distribution_state: 'started',
          owner_userid: owner,
          owner_name: owner,
          assigned_at: owner ? new Date() : null,
          cuser: 'test',
        })
        .returning('id')) as Array<{ id: string }>;
      return row!.id;
    };

    const world: Omit<World, 'shared' | 'poolClue'> = {
      corpId,
      partnerId,
      userid,
      token,
      clue: {} as World['clue'],
      customer: {} as World['customer'],
      relation: {} as World['relation'],
      group: {} as World['group'],
      member: {} as World['member'],
      record: {} as World['record'],
    };
    for (const owner of OWNERS) {
      world.clue[owner] = await insertClue(userid[owner]);
      const customer = await mirrorCustomer(db, corpId, { name: `客户${owner}`, clue_id: world.clue[owner] });
      world.customer[owner] = { id: customer.id, externalUserid: customer.external_userid };
      const relation = await mirrorRelation(db, corpId, {
        external_userid: customer.external_userid,
        userid: userid[owner],
        add_time: ADDED_AT,
      });
      world.relation[owner] = relation.id;
      const group = await seedGroupChat(db, corpId, { owner: userid[owner], name: `群${owner}` });
      world.group[owner] = group;
      world.member[owner] = await seedGroupMember(db, corpId, {
        chatId: group.chatId,
        memberId: customer.external_userid,
        state: CHANNEL,
        joinTime: ADDED_AT,
      });
      const [record] = (await db('chat_group')
        .insert({ corp_id: corpId, chat_id: group.chatId, remark: `记录${owner}`, cuser: 'test' })
        .returning('id')) as Array<{ id: string }>;
      world.record[owner] = record!.id;
    }
    const sharedCustomer = await mirrorCustomer(db, corpId, { name: '客户shared' });
    for (const owner of ['s1', 'west'] as const) {
      await mirrorRelation(db, corpId, {
        external_userid: sharedCustomer.external_userid,
        userid: userid[owner],
        add_time: ADDED_AT,
      });
    }
    w = {
      ...world,
      poolClue: await insertClue(null),
      shared: { id: sharedCustomer.id, externalUserid: sharedCustomer.external_userid },
    };
  });
  afterAll(async () => db.destroy());

  const as = <T>(viewer: ViewerName, method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiResponse<T>> =>
    call<T>(sharedApiUrl, method, path, { token: w.token[viewer], body });
  const ok = async <T>(viewer: ViewerName, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const response = await as<T>(viewer, method, path, body);
    expect({ path, status: response.status, body: response.body }).toMatchObject({ path, status: 200 });
    return response.body.data;
  };
  const useridsOf = (owners: readonly Owner[]) => sorted(owners.map((o) => w.userid[o]));
  /** Relations in scope: one per visible owner, plus the shared customer's for s1 and west. */
  const visibleRelations = (viewer: ViewerName) =>
    sorted([...VISIBLE[viewer], ...VISIBLE[viewer].filter((o) => o === 's1' || o === 'west')].map((o) => w.userid[o]));

  async function exported(viewer: ViewerName, path: string, body: unknown): Promise<string[][]> {
    const response = await fetch(`${sharedApiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', token: w.token[viewer] },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await response.arrayBuffer());
    const rows: string[][] = [];
    book.worksheets[0]!.eachRow((row, n) => {
      if (n > 1) rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? '')));
    });
    return rows;
  }

  it.each(VIEWERS)('clue page of %s lists exactly the clues of its scope', async (viewer) => {
    const page = await ok<Page<{ id: string; ownerUserid: string | null }>>(viewer, 'POST', '/admin/clue/page', {
      pageNum: 1,
      pageSize: 50,
      partnerId: w.partnerId,
    });
    const expected = sorted([...VISIBLE[viewer].map((o) => w.clue[o]), ...(viewer === 'boss' ? [w.poolClue] : [])]);
    expect(sorted(page.list.map((c) => c.id))).toEqual(expected);
    expect(page.total).toBe(expected.length);
  });

  it.each(VIEWERS)('clue list counts of %s count exactly the clues of its scope', async (viewer) => {
    const stats = await ok<Record<string, number>>(viewer, 'POST', '/admin/clue/listStats', { partnerId: w.partnerId });
    const owned = VISIBLE[viewer].map((o) => w.clue[o]);
    const visible = [...owned, ...(viewer === 'boss' ? [w.poolClue] : [])];
    const converted = (await db('wecom_customer').whereIn('clue_id', visible).where({ is_del: 0 })) as unknown[];
    expect(stats).toEqual({
      total: visible.length,
      today: visible.length,
      unassigned: viewer === 'boss' ? 1 : 0,
      waiting: 0,
      assigned: owned.length,
      followedUp: 0,
      recycled: 0,
      converted: converted.length,
    });
  });

  it.each(VIEWERS)('customer page and growth stats of %s count exactly the customers of its scope', async (viewer) => {
    const page = await ok<Page<{ id: string }>>(viewer, 'POST', '/admin/customer/page', { pageNum: 1, pageSize: 50 });
    const seesShared = VISIBLE[viewer].includes('s1') || VISIBLE[viewer].includes('west');
    const expected = sorted([...VISIBLE[viewer].map((o) => w.customer[o].id), ...(seesShared ? [w.shared.id] : [])]);
    expect(sorted(page.list.map((c) => c.id))).toEqual(expected);
    expect(page.total).toBe(expected.length);

    const growth = await ok<{ total: { added: number; retained: number } }>(
      viewer,
      'POST',
      '/admin/customer/growthStats',
      RANGE,
    );
    expect(growth.total).toMatchObject({
      added: visibleRelations(viewer).length,
      retained: visibleRelations(viewer).length,
    });
  });

  it.each(VIEWERS)('relation page, page by customer, export and stats of %s hold exactly its scope', async (viewer) => {
    const page = await ok<Page<{ userid: string }>>(viewer, 'POST', '/admin/relation/page', {
      pageNum: 1,
      pageSize: 50,
    });
    expect(sorted(page.list.map((r) => r.userid))).toEqual(visibleRelations(viewer));
    expect(page.total).toBe(visibleRelations(viewer).length);

    const byCustomer = await ok<Page<{ externalUserid: string; followUsers: Array<{ userid: string }> }>>(
      viewer,
      'POST',
      '/admin/relation/pageByCustomer',
      { pageNum: 1, pageSize: 50 },
    );
    expect(sorted(byCustomer.list.flatMap((g) => g.followUsers.map((r) => r.userid)))).toEqual(
      visibleRelations(viewer),
    );

    const rows = await exported(viewer, '/admin/relation/export', {});
    // Column 4 is the employee userid.
    expect(sorted(rows.map((r) => r[3]!))).toEqual(visibleRelations(viewer));

    const stats = await ok<{ list: Array<{ userid: string; valid: number; added: number }>; total: { added: number } }>(
      viewer,
      'POST',
      '/admin/relation/stats',
      RANGE,
    );
    expect(sorted(stats.list.map((s) => s.userid))).toEqual(useridsOf(VISIBLE[viewer]));
    expect(stats.total.added).toBe(visibleRelations(viewer).length);
  });

  it.each(VIEWERS)('group lists, members, export and stats of %s hold exactly its scope', async (viewer) => {
    const chats = sorted(VISIBLE[viewer].map((o) => w.group[o].chatId));
    const page = await ok<Page<{ chatId: string }>>(viewer, 'POST', '/admin/group/page', { pageNum: 1, pageSize: 50 });
    expect(sorted(page.list.map((g) => g.chatId))).toEqual(chats);
    expect(page.total).toBe(chats.length);
    const all = await ok<Array<{ chatId: string }>>(viewer, 'GET', '/admin/group/listAll');
    expect(sorted(all.map((g) => g.chatId))).toEqual(chats);

    const members = await ok<Page<{ id: string; chatId: string }>>(viewer, 'POST', '/admin/groupMember/page', {
      pageNum: 1,
      pageSize: 50,
    });
    expect(sorted(members.list.map((m) => m.id))).toEqual(sorted(VISIBLE[viewer].map((o) => w.member[o])));
    const rows = await exported(viewer, '/admin/groupMember/export', {});
    // Column 2 is the chat id.
    expect(sorted(rows.map((r) => r[1]!))).toEqual(chats);

    const corp = await ok<{ groupCount: number; memberCount: number }>(viewer, 'GET', '/admin/groupMember/corpStats');
    expect(corp).toMatchObject({ groupCount: chats.length, memberCount: chats.length });
    const channels = await ok<{ total: { joined: number } }>(viewer, 'POST', '/admin/groupMember/channelStats', {
      from: RANGE.from,
      to: RANGE.to,
      state: CHANNEL,
    });
    expect(channels.total.joined).toBe(chats.length);

    const records = await ok<Page<{ id: string }>>(viewer, 'POST', '/admin/chatGroup/page', {
      pageNum: 1,
      pageSize: 50,
    });
    expect(sorted(records.list.map((r) => r.id))).toEqual(sorted(VISIBLE[viewer].map((o) => w.record[o])));
  });

  it.each(VIEWERS)('every get of %s answers its own scope and 404 outside it', async (viewer) => {
    for (const owner of OWNERS) {
      const visible = VISIBLE[viewer].includes(owner);
      const expected = visible ? 200 : 404;
      const gets: Array<[string, Promise<ApiResponse>]> = [
        ['clue detail', as(viewer, 'GET', `/admin/clue/detail?clueId=${w.clue[owner]}`)],
        ['clue of customer', as(viewer, 'GET', `/admin/clue/detail?customerId=${w.customer[owner].id}`)],
        ['customer', as(viewer, 'GET', `/admin/customer/${w.customer[owner].id}`)],
        [
          'customer by external userid',
          as(viewer, 'GET', `/admin/customer/byExternalUserid?externalUserid=${w.customer[owner].externalUserid}`),
        ],
        ['relation', as(viewer, 'GET', `/admin/relation/${w.relation[owner]}`)],
        ['valid relations', as(viewer, 'GET', `/admin/relation/validByEmployee?userid=${w.userid[owner]}`)],
        ['relation stats', as(viewer, 'POST', '/admin/relation/stats', { ...RANGE, userid: w.userid[owner] })],
        ['group members', as(viewer, 'GET', `/admin/group/memberDetail?chatId=${w.group[owner].chatId}`)],
        ['group stats', as(viewer, 'GET', `/admin/groupMember/groupStats?chatId=${w.group[owner].chatId}`)],
        ['group member', as(viewer, 'GET', `/admin/groupMember/${w.member[owner]}`)],
        ['chat group record', as(viewer, 'GET', `/admin/chatGroup/${w.record[owner]}`)],
      ];
      for (const [what, pending] of gets) {
        const response = await pending;
        expect({ owner, what, status: response.status }).toEqual({ owner, what, status: expected });
      }
    }
    const pool = await as(viewer, 'GET', `/admin/clue/detail?clueId=${w.poolClue}`);
    expect(pool.status).toBe(viewer === 'boss' ? 200 : 404);
  });

  it('a customer visible through one of its relations shows only the relations in scope', async () => {
    const path = `/admin/customer/byExternalUserid?externalUserid=${w.shared.externalUserid}`;
    const ofS1 = await ok<{ relations: Array<{ userid: string }> }>('s1', 'GET', path);
    expect(ofS1.relations.map((r) => r.userid)).toEqual([w.userid.s1]);
    const ofBoss = await ok<{ relations: Array<{ userid: string }> }>('boss', 'GET', path);
    expect(sorted(ofBoss.relations.map((r) => r.userid))).toEqual(useridsOf(['s1', 'west']));
  });

  it('writes on rows outside the scope answer 404 and change nothing; inside they go through', async () => {
    const before = {
      clue: await db('clue').where({ id: w.clue.west }).first('remark', 'mtime'),
      customer: await db('wecom_customer').where({ id: w.customer.west.id }).first('local_remark', 'mtime'),
      relation: await db('wecom_relation').where({ id: w.relation.west }).first('remark', 'mtime'),
      record: await db('chat_group').where({ id: w.record.west }).first('remark', 'mtime'),
    };
    const refused: Array<[string, ApiResponse]> = [
      ['clue update', await as('s1', 'POST', '/admin/clue/update', { id: w.clue.west, remark: '越权' })],
      [
        'clue assign',
        await as('s1', 'POST', '/admin/clue/batchAssign', { clueIds: [w.clue.west], employeeUserid: w.userid.s1 }),
      ],
      [
        'customer save',
        await as('s1', 'POST', '/admin/customer/save', { id: w.customer.west.id, localRemark: '越权' }),
      ],
      [
        'customer linked to a clue out of scope',
        await as('s1', 'POST', '/admin/customer/save', { id: w.customer.s1.id, clueId: w.clue.west }),
      ],
      ['relation save', await as('s1', 'POST', '/admin/relation/save', { id: w.relation.west, remark: '越权' })],
      [
        'record save by chat',
        await as('s1', 'POST', '/admin/chatGroup/save', { chatId: w.group.west.chatId, remark: '越权' }),
      ],
      [
        'record save by id',
        await as('s1', 'POST', '/admin/chatGroup/save', {
          id: w.record.west,
          chatId: w.group.s1.chatId,
          remark: '越权',
        }),
      ],
    ];
    for (const [what, response] of refused) {
      expect({ what, status: response.status, code: response.body.code }).toEqual({ what, status: 404, code: '404' });
    }
    expect(await db('clue').where({ id: w.clue.west }).first('remark', 'mtime')).toEqual(before.clue);
    expect(await db('wecom_customer').where({ id: w.customer.west.id }).first('local_remark', 'mtime')).toEqual(
      before.customer,
    );
    expect(await db('wecom_customer').where({ id: w.customer.s1.id }).first('clue_id')).toEqual({ clue_id: w.clue.s1 });
    expect(await db('wecom_relation').where({ id: w.relation.west }).first('remark', 'mtime')).toEqual(before.relation);
    expect(await db('chat_group').where({ id: w.record.west }).first('remark', 'chat_id', 'mtime')).toEqual({
      ...before.record,
      chat_id: w.group.west.chatId,
    });
    expect(await db('clue_assignment').where({ clue_id: w.clue.west }).count({ n: '*' })).toEqual([{ n: '0' }]);

    // The head of east edits a clue and a customer of team, and the record of team's group.
    const clue = await ok<{ remark: string }>('head', 'POST', '/admin/clue/update', {
      id: w.clue.s2,
      remark: '已联系',
    });
    expect(clue.remark).toBe('已联系');
    expect(await db('clue').where({ id: w.clue.s2 }).first('remark')).toEqual({ remark: '已联系' });
    await ok('head', 'POST', '/admin/customer/save', { id: w.customer.s2.id, localRemark: '重点', clueId: w.clue.s2 });
    expect(await db('wecom_customer').where({ id: w.customer.s2.id }).first('local_remark', 'clue_id')).toEqual({
      local_remark: '重点',
      clue_id: w.clue.s2,
    });
    await ok('head', 'POST', '/admin/chatGroup/save', { id: w.record.s2, chatId: w.group.s2.chatId, remark: '团队群' });
    expect(await db('chat_group').where({ id: w.record.s2 }).first('remark')).toEqual({ remark: '团队群' });
  });

  it('an ended relation of the scope is edited locally; the same edit by a narrower scope is 404', async () => {
    const customer = await mirrorCustomer(db, w.corpId, { name: '已流失' });
    const ended = await mirrorRelation(db, w.corpId, {
      external_userid: customer.external_userid,
      userid: w.userid.s2,
      add_time: new Date('2025-01-01T00:00:00Z'),
      status: 1,
      del_time: new Date('2025-02-01T00:00:00Z'),
    });
    const refused = await as('s1', 'POST', '/admin/relation/save', { id: ended.id, remark: '越权' });
    expect(refused.status).toBe(404);
    expect(await db('wecom_relation').where({ id: ended.id }).first('remark')).toEqual({ remark: null });
    const saved = await ok<{ pushedToWecom: boolean; relation: { remark: string } }>(
      'head',
      'POST',
      '/admin/relation/save',
      { id: ended.id, remark: '回访' },
    );
    expect(saved).toMatchObject({ pushedToWecom: false, relation: { remark: '回访' } });
    expect(await db('wecom_relation').where({ id: ended.id }).first('remark')).toEqual({ remark: '回访' });
  });
});
