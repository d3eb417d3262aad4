import ExcelJS from 'exceljs';
import pino from 'pino';
import type { Db } from '../../src/db/knex';
import { createWecomApiFactory } from '../../src/wecom/client-factory';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { mirrorCustomer, mirrorEmployee, mirrorManyRelations, mirrorRelation } from '../helpers/mirror-org';
import { createSimulatedCorp, simulatorUrl } from '../helpers/wecom';

interface Page<T> {
  list: T[];
  total: number;
  pageNum: number;
  pageSize: number;
}
interface Relation {
  id: string;
  externalUserid: string;
  userid: string;
  customerId: string | null;
  customerName: string | null;
  employeeName: string | null;
  remark: string | null;
  description: string | null;
  addTime: string | null;
  addWay: number | null;
  state: string | null;
  status: number;
  valid: boolean;
  delTime: string | null;
}
interface CustomerRelations {
  externalUserid: string;
  customerId: string | null;
  customerName: string | null;
  firstAddTime: string | null;
  lastAddTime: string | null;
  followUsers: Relation[];
}
interface Stats {
  userid: string;
  employeeName: string | null;
  valid: number;
  added: number;
  lost: number;
  lostByEmployee: number;
  lostByCustomer: number;
  lostOther: number;
  transferredOut: number;
}
interface Problems {
  errors: Array<{ field: string; message: string }>;
}

describe('customer–employee relations (mirror)', () => {
  let db: Db;

  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => db.destroy());

  async function corpWithAdmin(corpId = uid('corp-')) {
    const admin = await createAdmin(db, sharedApiUrl, { corpId });
    return { corpId, token: admin.token };
  }

  /** Two employees, three customers and five relations in `corpId`, plus a look-alike in another corp. */
  async function seedRelations(corpId: string) {
    await mirrorEmployee(db, corpId, { userid: 'sales1', name: '销售一' });
    await mirrorEmployee(db, corpId, { userid: 'sales2', name: '销售二' });
    const c1 = await mirrorCustomer(db, corpId, { name: '客户甲' });
    const c2 = await mirrorCustomer(db, corpId, { name: '客户乙' });
    const c3 = await mirrorCustomer(db, corpId, { name: '客户丙' });
    const r = {
      c1s1: await mirrorRelation(db, corpId, {
        external_userid: c1.external_userid,
        userid: 'sales1',
        add_time: new Date('2025-05-01T02:00:00Z'),
        add_way: 1,
        state: 'ad-1',
        remark: '甲总',
      }),
      c1s2: await mirrorRelation(db, corpId, {
        external_userid: c1.external_userid,
        userid: 'sales2',
        add_time: new Date('2025-05-03T02:00:00Z'),
        add_way: 16,
      }),
      c2s1: await mirrorRelation(db, corpId, {
        external_userid: c2.external_userid,
        userid: 'sales1',
        add_time: new Date('2025-05-02T02:00:00Z'),
        add_way: 16,
        state: 'ad-1',
      }),
      c2s2: await mirrorRelation(db, corpId, {
        external_userid: c2.external_userid,
        userid: 'sales2',
        add_time: new Date('2025-04-01T02:00:00Z'),
        status: 2,
        del_time: new Date('2025-05-02T05:00:00Z'),
      }),
      c3s1: await mirrorRelation(db, corpId, {
        external_userid: c3.external_userid,
        userid: 'sales1',
        add_time: new Date('2025-04-20T02:00:00Z'),
        status: 1,
        del_time: new Date('2025-05-04T05:00:00Z'),
      }),
    };
    const foreign = await mirrorRelation(db, uid('corp-'), {
      external_userid: c1.external_userid,
      userid: 'sales1',
      add_time: new Date('2025-05-01T02:00:00Z'),
    });
    return { c1, c2, c3, r, foreign };
  }

  it('lists the customers an employee follows now; an unknown employee is 404', async () => {
    const { corpId, token } = await corpWithAdmin();
    const { c1, c2 } = await seedRelations(corpId);
    const response = await call<{ userid: string; total: number; list: Relation[] }>(
      sharedApiUrl,
      'GET',
      '/admin/relation/validByEmployee?userid=SALES1',
      { token },
    );
    expect(response.status).toBe(200);
    expect(response.body.data.userid).toBe('sales1');
    expect(response.body.data.total).toBe(2);
    expect(response.body.data.list.map((r) => [r.externalUserid, r.customerName, r.employeeName, r.valid])).toEqual([
      [c2.external_userid, '客户乙', '销售一', true],
      [c1.external_userid, '客户甲', '销售一', true],
    ]);
    expect((await call(sharedApiUrl, 'GET', '/admin/relation/validByEmployee?userid=nobody', { token })).status).toBe(
      404,
    );
    const bad = await call<Problems>(sharedApiUrl, 'GET', '/admin/relation/validByEmployee', { token });
    expect(bad.status).toBe(400);
    expect(bad.body.data.errors[0]!.field).toBe('userid');
  });

  it('pages relations by userid, customer, status, state, add way and add time, with whitelisted sorting', async () => {
    const { corpId, token } = await corpWithAdmin();
    const { c1, r } = await seedRelations(corpId);
    const ids = async (body: Record<string, unknown>) => {
      const response = await call<Page<Relation>>(sharedApiUrl, 'POST', '/admin/relation/page', {
        token,
        body: { pageNum: 1, pageSize: 20, sortField: 'id', sortOrder: 'asc', ...body },
      });
      expect(response.status).toBe(200);
      return response.body.data.list.map((x) => x.id);
    };
    expect(await ids({})).toEqual([r.c1s1.id, r.c1s2.id, r.c2s1.id, r.c2s2.id, r.c3s1.id]);
    expect(await ids({ userid: 'sales1' })).toEqual([r.c1s1.id, r.c2s1.id, r.c3s1.id]);
    expect(await ids({ externalUserid: c1.external_userid })).toEqual([r.c1s1.id, r.c1s2.id]);
    expect(await ids({ status: [1, 2] })).toEqual([r.c2s2.id, r.c3s1.id]);
    expect(await ids({ state: 'ad-1' })).toEqual([r.c1s1.id, r.c2s1.id]);
    expect(await ids({ addWay: [16] })).toEqual([r.c1s2.id, r.c2s1.id]);
    expect(await ids({ addTimeFrom: '2025-05-01T00:00:00Z', addTimeTo: '2025-05-03T00:00:00Z' })).toEqual([
      r.c1s1.id,
      r.c2s1.id,
    ]);
    expect(await ids({ sortField: 'addTime', sortOrder: 'desc' })).toEqual([
      r.c1s2.id,
      r.c2s1.id,
      r.c1s1.id,
      r.c3s1.id,
      r.c2s2.id,
    ]);

    const page = await call<Page<Relation>>(sharedApiUrl, 'POST', '/admin/relation/page', {
      token,
      body: { pageNum: 2, pageSize: 2, sortField: 'id', sortOrder: 'asc' },
    });
    expect(page.body.data).toMatchObject({ total: 5, pageNum: 2, pageSize: 2 });
    expect(page.body.data.list[0]).toMatchObject({
      id: r.c2s1.id,
      customerName: '客户乙',
      employeeName: '销售一',
      addTime: '2025-05-02T02:00:00.000Z',
      addWay: 16,
      state: 'ad-1',
      status: 0,
      valid: true,
      delTime: null,
    });

    for (const [body, field] of [
      [{ sortField: 'remark' }, 'sortField'],
      [{ status: [9] }, 'status[0]'],
      [{ addTimeTo: '2025-13-01' }, 'addTimeTo'],
      [{ userid: 'has space' }, 'userid'],
    ] as const) {
      const bad = await call<Problems>(sharedApiUrl, 'POST', '/admin/relation/page', {
        token,
        body: { pageNum: 1, pageSize: 20, ...body },
      });
      expect({ body, status: bad.status }).toEqual({ body, status: 400 });
      expect(bad.body.data.errors.map((e) => e.field)).toContain(field);
    }
  });

  it('pages relations grouped per customer: one row per customer with its matching follow users', async () => {
    const { corpId, token } = await corpWithAdmin();
    const { c1, c2, c3, r } = await seedRelations(corpId);
    const all = await call<Page<CustomerRelations>>(sharedApiUrl, 'POST', '/admin/relation/pageByCustomer', {
      token,
      body: { pageNum: 1, pageSize: 10 },
    });
    expect(all.status).toBe(200);
    expect(all.body.data.total).toBe(3);
    // Default order: most recent addition first.
    expect(
      all.body.data.list.map((g) => [g.externalUserid, g.customerName, g.followUsers.map((f) => f.userid)]),
    ).toEqual([
      [c1.external_userid, '客户甲', ['sales1', 'sales2']],
      [c2.external_userid, '客户乙', ['sales2', 'sales1']],
      [c3.external_userid, '客户丙', ['sales1']],
    ]);
    expect(all.body.data.list[0]).toMatchObject({
      customerId: c1.id,
      firstAddTime: '2025-05-01T02:00:00.000Z',
      lastAddTime: '2025-05-03T02:00:00.000Z',
    });

    const valid = await call<Page<CustomerRelations>>(sharedApiUrl, 'POST', '/admin/relation/pageByCustomer', {
      token,
      body: { pageNum: 1, pageSize: 1, status: [0], sortField: 'relationCount', sortOrder: 'desc' },
    });
    expect(valid.body.data.total).toBe(2);
    expect(valid.body.data.list).toHaveLength(1);
    expect(valid.body.data.list[0]!.externalUserid).toBe(c1.external_userid);
    expect(valid.body.data.list[0]!.followUsers.map((f) => f.id)).toEqual([r.c1s1.id, r.c1s2.id]);

    const bad = await call<Problems>(sharedApiUrl, 'POST', '/admin/relation/pageByCustomer', {
      token,
      body: { pageNum: 1, pageSize: 10, sortField: 'addTime' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.data.errors[0]!.field).toBe('sortField');
  });

  it('gets a relation by id; another corp’s relation is 404', async () => {
    const { corpId, token } = await corpWithAdmin();
    const { r, foreign } = await seedRelations(corpId);
    const got = await call<Relation>(sharedApiUrl, 'GET', `/admin/relation/${r.c2s2.id}`, { token });
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({
      id: r.c2s2.id,
      userid: 'sales2',
      status: 2,
      valid: false,
      delTime: '2025-05-02T05:00:00.000Z',
      customerName: '客户乙',
    });
    expect((await call(sharedApiUrl, 'GET', `/admin/relation/${foreign.id}`, { token })).status).toBe(404);
    expect((await call(sharedApiUrl, 'GET', '/admin/relation/999999999999', { token })).status).toBe(404);
  });

  it('reports per-employee statistics: followed now, added and lost in the range', async () => {
    const { corpId, token } = await corpWithAdmin();
    await seedRelations(corpId);
    await mirrorRelation(db, corpId, {
      external_userid: 'wm-transfer',
      userid: 'sales2',
      add_time: new Date('2025-03-01T02:00:00Z'),
      status: 3,
      del_time: new Date('2025-05-03T02:00:00Z'),
    });
    const response = await call<{ list: Stats[]; total: Omit<Stats, 'userid' | 'employeeName'> }>(
      sharedApiUrl,
      'POST',
      '/admin/relation/stats',
      { token, body: { from: '2025-05-01', to: '2025-05-03' } },
    );
    expect(response.status).toBe(200);
    expect(response.body.data.list).toEqual([
      {
        userid: 'sales1',
        employeeName: '销售一',
        valid: 2,
        added: 2,
        lost: 0,
        lostByEmployee: 0,
        lostByCustomer: 0,
        lostOther: 0,
        transferredOut: 0,
      },
      {
        userid: 'sales2',
        employeeName: '销售二',
        valid: 1,
        added: 1,
        lost: 1,
        lostByEmployee: 0,
        lostByCustomer: 1,
        lostOther: 0,
        transferredOut: 1,
      },
    ]);
    expect(response.body.data.total).toMatchObject({ valid: 3, added: 3, lost: 1, transferredOut: 1 });

    // sales1's customer 丙 was deleted on 05-04 (Shanghai 13:00).
    const one = await call<{ list: Stats[] }>(sharedApiUrl, 'POST', '/admin/relation/stats', {
      token,
      body: { from: '2025-05-04', to: '2025-05-04', userid: 'sales1' },
    });
    expect(one.body.data.list).toEqual([
      expect.objectContaining({ userid: 'sales1', valid: 2, added: 0, lost: 1, lostByEmployee: 1 }),
    ]);

    expect(
      (
        await call(sharedApiUrl, 'POST', '/admin/relation/stats', {
          token,
          body: { from: '2025-05-01', to: '2025-05-03', userid: 'nobody' },
        })
      ).status,
    ).toBe(404);
    const bad = await call<Problems>(sharedApiUrl, 'POST', '/admin/relation/stats', {
      token,
      body: { from: '2024-01-01', to: '2025-05-03' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.data.errors[0]!.field).toBe('to');
  });

  it('exports the matching relations as a streamed .xlsx, every row once', async () => {
    const { corpId, token } = await corpWithAdmin();
    await mirrorEmployee(db, corpId, { userid: 'bulk', name: '批量员工' });
    const count = 2345;
    await mirrorManyRelations(db, corpId, {
      userid: 'bulk',
      count,
      prefix: 'wm-bulk',
      from: new Date('2025-06-01T00:00:00Z'),
    });
    // Noise the filter must leave out: another employee of the corp, and the same employee in another corp.
    await mirrorRelation(db, corpId, { external_userid: 'wm-other', userid: 'other' });
    await mirrorRelation(db, uid('corp-'), { external_userid: 'wm-bulk-1', userid: 'bulk' });

    const response = await fetch(`${sharedApiUrl}/admin/relation/export`, {
      method: 'POST',
      headers: { token, 'content-type': 'application/json' },
      body: JSON.stringify({ userid: 'bulk' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="relations-.*\.xlsx"$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.worksheets[0]!;
    const rows: unknown[][] = [];
    sheet.eachRow((row) => rows.push(Array.from({ length: 14 }, (_, i) => row.getCell(i + 1).value ?? null)));
    expect(rows).toHaveLength(count + 1);
    expect(rows[0]![1]).toBe('客户ID External userid');
    expect(rows[0]![12]).toBe('状态 Status');
    expect(rows[1]).toEqual([
      expect.any(String),
      'wm-bulk-1',
      '客户1',
      'bulk',
      '批量员工',
      '备注1',
      null,
      null,
      null,
      '2025-06-01T00:01:00.000Z',
      1,
      'bulk',
      '有效 valid',
      null,
    ]);
    const externalIds = new Set(rows.slice(1).map((row) => row[1]));
    expect(externalIds.size).toBe(count);
    expect(externalIds.has('wm-other')).toBe(false);
    expect(rows.slice(1).every((row) => row[3] === 'bulk')).toBe(true);
    // Rows come in id order.
    const exportedIds = rows.slice(1).map((row) => Number(row[0]));
    expect(exportedIds).toEqual([...exportedIds].sort((a, b) => a - b));

    const badFilter = await call<Problems>(sharedApiUrl, 'POST', '/admin/relation/export', {
      token,
      body: { status: ['valid'] },
    });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.data.errors[0]!.field).toBe('status[0]');
  });

  it('edits an ended relation locally, and refuses to save when WeCom cannot be told, changing nothing', async () => {
    const { corpId, token } = await corpWithAdmin();
    const { r } = await seedRelations(corpId);

    const local = await call<{ relation: Relation; pushedToWecom: boolean }>(
      sharedApiUrl,
      'POST',
      '/admin/relation/save',
      {
        token,
        body: { id: r.c3s1.id, remark: '已流失', description: '客户不再需要' },
      },
    );
    expect(local.status).toBe(200);
    expect(local.body.data.pushedToWecom).toBe(false);
    expect(local.body.data.relation).toMatchObject({ id: r.c3s1.id, remark: '已流失', description: '客户不再需要' });
    expect(await db('wecom_relation').where({ id: r.c3s1.id }).first()).toMatchObject({
      remark: '已流失',
      description: '客户不再需要',
    });

    // A valid relation must go to WeCom first; this corp has no WeCom settings, so nothing is saved.
    const refused = await call(sharedApiUrl, 'POST', '/admin/relation/save', {
      token,
      body: { id: r.c1s1.id, remark: '新备注' },
    });
    expect(refused.status).toBe(409);
    expect(await db('wecom_relation').where({ id: r.c1s1.id }).first()).toMatchObject({ remark: '甲总' });

    for (const [body, status, field] of [
      [{ id: r.c3s1.id }, 400, 'remark'],
      [{ id: r.c3s1.id, remark: '', description: '' }, 400, 'remark'],
      [{ id: r.c3s1.id, remark: 'x'.repeat(21) }, 400, 'remark'],
      [{ id: r.c3s1.id, description: 'x'.repeat(151) }, 400, 'description'],
      [{ remark: '无id' }, 400, 'id'],
      [{ id: '999999999999', remark: '不存在' }, 404, undefined],
    ] as const) {
      const response = await call<Problems | null>(sharedApiUrl, 'POST', '/admin/relation/save', { token, body });
      expect({ body, status: response.status }).toEqual({ body, status });
      if (field) expect((response.body.data as Problems).errors.map((e) => e.field)).toContain(field);
    }
    expect(await db('wecom_relation').where({ id: r.c3s1.id }).first()).toMatchObject({ remark: '已流失' });
  });

  describe('with a simulated WeCom corp', () => {
    const wecomOf = (corpId: string) =>
      createWecomApiFactory(db, { baseUrl: `${simulatorUrl}/cgi-bin/`, logger: pino({ level: 'silent' }) })(corpId);

    /** A (customer, follow user) pair as WeCom holds it. */
    async function livePair(corpId: string) {
      const api = await wecomOf(corpId);
      const { follow_user } = await api.call('getFollowUserList', {});
      for (const userid of follow_user) {
        const { external_userid } = await api.call('listExternalContacts', { query: { userid } });
        if (external_userid.length > 0) return { api, userid, externalUserid: external_userid[0]! };
      }
      throw new Error('the simulated corp has no customers');
    }

    it('pushes a remark to WeCom first and then updates the mirror; a WeCom refusal leaves the row unchanged', async () => {
      const corp = await createSimulatedCorp(db, { seed: 7, customers: 10 });
      const { token } = await corpWithAdmin(corp.corpId);
      const { api, userid, externalUserid } = await livePair(corp.corpId);
      const relation = await mirrorRelation(db, corp.corpId, {
        external_userid: externalUserid,
        userid,
        remark: '旧备注',
      });

      const saved = await call<{ relation: Relation; pushedToWecom: boolean }>(
        sharedApiUrl,
        'POST',
        '/admin/relation/save',
        { token, body: { id: relation.id, remark: '新备注', description: '周末联系' } },
      );
      expect(saved.status).toBe(200);
      expect(saved.body.data.pushedToWecom).toBe(true);
      expect(await db('wecom_relation').where({ id: relation.id }).first()).toMatchObject({
        remark: '新备注',
        description: '周末联系',
      });
      const inWecom = await api.call('getExternalContact', { query: { external_userid: externalUserid } });
      expect(inWecom.follow_user.find((f) => f.userid === userid)).toMatchObject({
        remark: '新备注',
        description: '周末联系',
      });

      // The mirror believes in a relation WeCom does not have: WeCom refuses it, nothing changes here.
      const phantom = await mirrorRelation(db, corp.corpId, {
        external_userid: externalUserid,
        userid: `${userid}-nope`,
        remark: '幻影',
      });
      const refused = await call(sharedApiUrl, 'POST', '/admin/relation/save', {
        token,
        body: { id: phantom.id, remark: '不会保存' },
      });
      expect(refused.status).toBe(409);
      expect(refused.body.msg).toMatch(/WeCom/);
      expect(await db('wecom_relation').where({ id: phantom.id }).first()).toMatchObject({ remark: '幻影' });
    });

    it('reads a customer live from WeCom without touching the mirror; an unknown customer is 404', async () => {
      const corp = await createSimulatedCorp(db, { seed: 11, customers: 10 });
      const { token } = await corpWithAdmin(corp.corpId);
      const { api, externalUserid } = await livePair(corp.corpId);
      const truth = await api.call('getExternalContact', { query: { external_userid: externalUserid } });
      const stale = await mirrorCustomer(db, corp.corpId, { external_userid: externalUserid, name: '过期的名字' });

      const live = await call<{
        externalContact: { externalUserid: string; name: string; type: number };
        followUsers: Array<{ userid: string; remark: string; addTime: string; addWay: number }>;
        mirrorCustomerId: string | null;
      }>(sharedApiUrl, 'GET', `/admin/customer/live?externalUserid=${encodeURIComponent(externalUserid)}`, { token });
      expect(live.status).toBe(200);
      expect(live.body.data.externalContact).toMatchObject({
        externalUserid,
        name: truth.external_contact.name,
        type: truth.external_contact.type,
      });
      expect(live.body.data.followUsers.map((f) => f.userid).sort()).toEqual(
        truth.follow_user.map((f) => f.userid).sort(),
      );
      expect(live.body.data.followUsers[0]!.addTime).toBe(
        new Date(
          truth.follow_user.find((f) => f.userid === live.body.data.followUsers[0]!.userid)!.createtime * 1000,
        ).toISOString(),
      );
      expect(live.body.data.mirrorCustomerId).toBe(stale.id);
      // Read-only: the stale mirror row is left as it was.
      const after = await db('wecom_customer').where({ id: stale.id }).first();
      expect(after).toMatchObject({ name: '过期的名字' });
      expect(new Date(after.mtime).getTime()).toBe(new Date(stale.mtime).getTime());
      expect(await db('wecom_relation').where({ corp_id: corp.corpId, external_userid: externalUserid })).toHaveLength(
        0,
      );

      const unknown = await call(sharedApiUrl, 'GET', '/admin/customer/live?externalUserid=wmNoSuchCustomer000', {
        token,
      });
      expect(unknown.status).toBe(404);
    });

    it('answers 409 for a live read when the corp has no WeCom settings', async () => {
      const { token } = await corpWithAdmin();
      const response = await call(sharedApiUrl, 'GET', '/admin/customer/live?externalUserid=wm-anything', { token });
      expect(response.status).toBe(409);
      expect(response.body.msg).toMatch(/not configured/);
    });
  });
});
