import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from '../helpers/env';
import { clueBody, createAdmin, createPartner, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { mirrorCustomer, mirrorEmployee, mirrorRelation } from '../helpers/mirror-org';

interface Page<T> {
  list: T[];
  total: number;
  pageNum: number;
  pageSize: number;
}
interface Relation {
  id: string;
  userid: string;
  employeeName: string | null;
  status: number;
  valid: boolean;
}
interface Customer {
  id: string;
  externalUserid: string;
  name: string;
  type: number | null;
  gender: number | null;
  localRemark: string | null;
  phone: string | null;
  clueId: string | null;
  firstAddTime: string | null;
  validRelationCount: number;
  deleted: boolean;
  relations?: Relation[];
}
interface Figures {
  added: number;
  retained: number;
  lost: number;
  lostByEmployee: number;
  lostByCustomer: number;
  lostOther: number;
  transferredOut: number;
  netGrowth: number;
  survivalRate: number | null;
}
interface Problems {
  errors: Array<{ field: string; message: string }>;
}

describe('customers (mirror)', () => {
  let db: Db;

  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => db.destroy());

  async function corpWithAdmin() {
    const corpId = uid('corp-');
    const admin = await createAdmin(db, sharedApiUrl, { corpId });
    return { corpId, token: admin.token };
  }

  it('pages customers by name, type, gender, follow user and first-add time, excluding deleted ones by default', async () => {
    const { corpId, token } = await corpWithAdmin();
    const a = await mirrorCustomer(db, corpId, {
      name: 'Alice 陈',
      type: 1,
      gender: 2,
      first_add_time: new Date('2025-01-10T02:00:00Z'),
    });
    const b = await mirrorCustomer(db, corpId, {
      name: 'Malice_b',
      type: 2,
      gender: 1,
      first_add_time: new Date('2025-02-10T02:00:00Z'),
    });
    const c = await mirrorCustomer(db, corpId, {
      name: 'Bob',
      type: 1,
      gender: 1,
      first_add_time: new Date('2025-03-01'),
    });
    const gone = await mirrorCustomer(db, corpId, { name: 'Alice gone', is_del: 1, del_time: new Date() });
    await mirrorCustomer(db, uid('corp-'), { name: 'Alice elsewhere' });
    await mirrorRelation(db, corpId, { external_userid: a.external_userid, userid: 'sales1' });
    await mirrorRelation(db, corpId, { external_userid: a.external_userid, userid: 'sales2' });
    await mirrorRelation(db, corpId, {
      external_userid: b.external_userid,
      userid: 'sales1',
      status: 2,
      del_time: new Date(),
    });
    await mirrorRelation(db, corpId, { external_userid: c.external_userid, userid: 'sales2' });

    const page = (body: Record<string, unknown>) =>
      call<Page<Customer>>(sharedApiUrl, 'POST', '/admin/customer/page', {
        token,
        body: { pageNum: 1, pageSize: 20, ...body },
      });
    const names = async (body: Record<string, unknown>) => (await page(body)).body.data.list.map((x) => x.name);

    const all = await page({ sortField: 'id', sortOrder: 'asc' });
    expect(all.status).toBe(200);
    expect(all.body.data.total).toBe(3);
    expect(all.body.data.list.map((x) => [x.name, x.validRelationCount])).toEqual([
      ['Alice 陈', 2],
      ['Malice_b', 0],
      ['Bob', 1],
    ]);
    expect(all.body.data.list[0]).toMatchObject({ id: a.id, externalUserid: a.external_userid, deleted: false });
    expect(all.body.data.list[0]!.firstAddTime).toBe('2025-01-10T02:00:00.000Z');

    expect(await names({ name: 'ALICE', sortField: 'name', sortOrder: 'asc' })).toEqual(['Alice 陈', 'Malice_b']);
    expect(await names({ name: 'e_' })).toEqual(['Malice_b']);
    expect(await names({ type: 2 })).toEqual(['Malice_b']);
    expect(await names({ gender: 1, sortField: 'id', sortOrder: 'asc' })).toEqual(['Malice_b', 'Bob']);
    // followUserid means a valid relation now: b's relation with sales1 has ended.
    expect(await names({ followUserid: 'sales1' })).toEqual(['Alice 陈']);
    expect(await names({ addTimeFrom: '2025-02-01T00:00:00Z', addTimeTo: '2025-02-28T00:00:00Z' })).toEqual([
      'Malice_b',
    ]);
    const withDeleted = await page({ includeDeleted: true, name: 'alice', sortField: 'id', sortOrder: 'asc' });
    expect(withDeleted.body.data.list.map((x) => [x.id, x.deleted])).toEqual([
      [a.id, false],
      [b.id, false],
      [gone.id, true],
    ]);

    for (const [body, field] of [
      [{ sortField: 'phone' }, 'sortField'],
      [{ type: 3 }, 'type'],
      [{ addTimeFrom: 'yesterday' }, 'addTimeFrom'],
      [{ pageSize: 1000 }, 'pageSize'],
    ] as const) {
      const response = await call<Problems>(sharedApiUrl, 'POST', '/admin/customer/page', {
        token,
        body: { pageNum: 1, pageSize: 20, ...body },
      });
      expect(response.status).toBe(400);
      expect(response.body.data.errors.map((e) => e.field)).toContain(field);
    }
  });

  it('filters customers by corp and self tags, any or all of them, ignoring removed tags', async () => {
    const { corpId, token } = await corpWithAdmin();
    // One at a time: the assertions below expect ids in this order.
    const a = await mirrorCustomer(db, corpId, { name: '标签甲' });
    const b = await mirrorCustomer(db, corpId, { name: '标签乙' });
    const c = await mirrorCustomer(db, corpId, { name: '标签丙' });
    const tag = (customer: { external_userid: string }, source: 'corp' | 'self', tagId: string, userid = 'sales1') => ({
      corp_id: corpId,
      external_userid: customer.external_userid,
      userid,
      tag_source: source,
      tag_id: tagId,
    });
    await db('customer_tag').insert([
      tag(a, 'corp', 'etVIP'),
      tag(a, 'corp', 'etHOT', 'sales2'),
      tag(b, 'corp', 'etVIP'),
      tag(b, 'self', '71', ''),
      tag(c, 'self', '71', ''),
      { ...tag(c, 'corp', 'etHOT'), is_del: 1, del_time: new Date() },
    ]);
    const names = async (body: Record<string, unknown>) => {
      const response = await call<Page<Customer>>(sharedApiUrl, 'POST', '/admin/customer/page', {
        token,
        body: { pageNum: 1, pageSize: 20, sortField: 'id', sortOrder: 'asc', ...body },
      });
      expect(response.status).toBe(200);
      expect(response.body.data.total).toBe(response.body.data.list.length);
      return response.body.data.list.map((x) => x.name);
    };

    expect(await names({ corpTagIds: ['etVIP'] })).toEqual(['标签甲', '标签乙']);
    // A tag on another relation of the same customer counts; the removed tag of 丙 does not.
    expect(await names({ corpTagIds: ['etHOT'] })).toEqual(['标签甲']);
    expect(await names({ corpTagIds: ['etVIP', 'etHOT'], tagMatch: 'all' })).toEqual(['标签甲']);
    expect(await names({ corpTagIds: ['etVIP', 'etHOT', 'etVIP'], tagMatch: 'all' })).toEqual(['标签甲']);
    expect(await names({ corpTagIds: ['etVIP', 'etHOT'] })).toEqual(['标签甲', '标签乙']);
    expect(await names({ selfTagIds: ['71'] })).toEqual(['标签乙', '标签丙']);
    expect(await names({ selfTagIds: ['71'], corpTagIds: ['etVIP'] })).toEqual(['标签乙']);
    expect(await names({ corpTagIds: [] })).toEqual(['标签甲', '标签乙', '标签丙']);

    for (const [body, field] of [
      [{ tagMatch: 'some' }, 'tagMatch'],
      [{ selfTagIds: ['seventy-one'] }, 'selfTagIds'],
      [{ corpTagIds: [''] }, 'corpTagIds'],
    ] as const) {
      const response = await call<Problems>(sharedApiUrl, 'POST', '/admin/customer/page', {
        token,
        body: { pageNum: 1, pageSize: 20, ...body },
      });
      expect(response.status).toBe(400);
      expect(response.body.data.errors.map((e) => e.field).join(' ')).toContain(field);
    }
  });

  it('gets a customer by id and by external userid with its relations; another corp’s customer is 404', async () => {
    const { corpId, token } = await corpWithAdmin();
    const otherCorp = uid('corp-');
    await mirrorEmployee(db, corpId, { userid: 'sales1', name: '销售一' });
    const customer = await mirrorCustomer(db, corpId, { name: '王客户', external_profile: { external_attr: [] } });
    await mirrorRelation(db, corpId, { external_userid: customer.external_userid, userid: 'sales1', remark: '王总' });
    await mirrorRelation(db, corpId, {
      external_userid: customer.external_userid,
      userid: 'sales9',
      status: 1,
      del_time: new Date(),
    });
    const foreign = await mirrorCustomer(db, otherCorp, { name: '别家客户' });

    const byId = await call<Customer>(sharedApiUrl, 'GET', `/admin/customer/${customer.id}`, { token });
    expect(byId.status).toBe(200);
    expect(byId.body.data).toMatchObject({ id: customer.id, name: '王客户', validRelationCount: 1, deleted: false });

    const byExternal = await call<Customer>(
      sharedApiUrl,
      'GET',
      `/admin/customer/byExternalUserid?externalUserid=${customer.external_userid}`,
      { token },
    );
    expect(byExternal.status).toBe(200);
    expect(byExternal.body.data.id).toBe(customer.id);
    expect(byExternal.body.data.relations!.map((r) => [r.userid, r.employeeName, r.status, r.valid])).toEqual([
      ['sales1', '销售一', 0, true],
      ['sales9', null, 1, false],
    ]);

    expect((await call(sharedApiUrl, 'GET', `/admin/customer/${foreign.id}`, { token })).status).toBe(404);
    expect(
      (
        await call(sharedApiUrl, 'GET', `/admin/customer/byExternalUserid?externalUserid=${foreign.external_userid}`, {
          token,
        })
      ).status,
    ).toBe(404);
    const missing = await call<Problems>(sharedApiUrl, 'GET', '/admin/customer/byExternalUserid', { token });
    expect(missing.status).toBe(400);
    expect(missing.body.data.errors[0]!.field).toBe('externalUserid');
  });

  it('opens the clue detail by customer id once the customer is linked to its clue [clueDetail.get]', async () => {
    const { corpId, token } = await corpWithAdmin();
    const linked = await mirrorCustomer(db, corpId, { name: '已关联' });
    const unlinked = await mirrorCustomer(db, corpId, { name: '未关联' });
    const partner = await createPartner(db);
    const body = clueBody(partner.secretKey);
    expect((await call(sharedApiUrl, 'POST', '/api-scrm/openapi/clue/collect', { body })).status).toBe(200);
    const clue = await db('clue').where({ partner_id: partner.partnerId, business_id: body['businessId'] }).first();
    const foreign = await mirrorCustomer(db, uid('corp-'), { name: '别家客户', clue_id: clue.id });
    const link = await call(sharedApiUrl, 'POST', '/admin/customer/save', {
      token,
      body: { id: linked.id, clueId: clue.id },
    });
    expect(link.status).toBe(200);

    const detail = (query: string) =>
      call<{ clue: { id: string; businessId: string } } & Problems>(
        sharedApiUrl,
        'GET',
        `/admin/clue/detail?${query}`,
        {
          token,
        },
      );
    const byCustomer = await detail(`customerId=${linked.id}`);
    const byClue = await detail(`clueId=${clue.id}`);
    expect(byCustomer.status).toBe(200);
    expect(byCustomer.body.data.clue).toMatchObject({ id: clue.id, businessId: body['businessId'] });
    // The clue's workflow moves on between the two reads, so compare what does not change.
    expect(byClue.body.data.clue).toMatchObject({ id: clue.id, businessId: body['businessId'] });

    const notLinked = await detail(`customerId=${unlinked.id}`);
    expect(notLinked.status).toBe(404);
    expect(notLinked.body.msg).toContain(`clue of WeCom customer ${unlinked.id}`);
    // Another corp's customer is not visible, even though it is linked to a clue.
    expect((await detail(`customerId=${foreign.id}`)).status).toBe(404);
    for (const query of ['', `clueId=${clue.id}&customerId=${linked.id}`]) {
      const refused = await detail(query);
      expect(refused.status).toBe(400);
      expect(refused.body.data.errors.map((e) => e.field).sort()).toEqual(['clueId', 'customerId']);
    }
  });

  it('saves local fields only: normalises the phone, links a clue, and refuses bad input without writing', async () => {
    const { corpId, token } = await corpWithAdmin();
    const customer = await mirrorCustomer(db, corpId, { name: '企微名字' });
    const foreign = await mirrorCustomer(db, uid('corp-'), { name: '别家客户' });
    const partner = await createPartner(db);
    const body = clueBody(partner.secretKey);
    expect((await call(sharedApiUrl, 'POST', '/api-scrm/openapi/clue/collect', { body })).status).toBe(200);
    const clue = await db('clue').where({ partner_id: partner.partnerId, business_id: body['businessId'] }).first();

    // WeCom's own fields are read-only here: naming one is refused, and nothing is saved.
    const readOnly = await call<Customer>(sharedApiUrl, 'POST', '/admin/customer/save', {
      token,
      body: { id: customer.id, localRemark: 'x', name: '改名' },
    });
    expect(readOnly.status).toBe(400);
    expect(readOnly.body.msg).toBe('name: is not a known field');

    const saved = await call<Customer>(sharedApiUrl, 'POST', '/admin/customer/save', {
      token,
      body: {
        id: customer.id,
        localRemark: '  老客户介绍 ',
        phone: '+86 138-0013-8000',
        clueId: clue.id,
      },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.data).toMatchObject({
      id: customer.id,
      name: '企微名字',
      localRemark: '老客户介绍',
      phone: '13800138000',
      clueId: clue.id,
    });
    expect(await db('wecom_customer').where({ id: customer.id }).first()).toMatchObject({
      name: '企微名字',
      local_remark: '老客户介绍',
      phone: '13800138000',
      clue_id: clue.id,
    });

    const failures: Array<[unknown, number, string | undefined]> = [
      [{ id: customer.id, phone: '12345', localRemark: '不该写入' }, 400, 'phone'],
      [{ id: customer.id, clueId: '999999999999', localRemark: '不该写入' }, 404, undefined],
      [{ id: customer.id, clueId: 'abc' }, 400, 'clueId'],
      [{ id: customer.id, localRemark: 'x'.repeat(513) }, 400, 'localRemark'],
      [{ localRemark: '没有id' }, 400, 'id'],
      [{ id: '999999999999', localRemark: 'x' }, 404, undefined],
      [{ id: foreign.id, localRemark: '别家的' }, 404, undefined],
    ];
    for (const [failing, status, field] of failures) {
      const response = await call<Problems | null>(sharedApiUrl, 'POST', '/admin/customer/save', {
        token,
        body: failing,
      });
      expect({ failing, status: response.status }).toEqual({ failing, status });
      if (field) expect((response.body.data as Problems).errors.map((e) => e.field)).toContain(field);
    }
    expect(await db('wecom_customer').where({ id: customer.id }).first()).toMatchObject({
      local_remark: '老客户介绍',
      phone: '13800138000',
      clue_id: clue.id,
    });
    expect(await db('wecom_customer').where({ id: foreign.id }).first()).toMatchObject({ local_remark: null });

    // null clears a field; fields left out are kept.
    const cleared = await call<Customer>(sharedApiUrl, 'POST', '/admin/customer/save', {
      token,
      body: { id: customer.id, phone: null, clueId: null },
    });
    expect(cleared.body.data).toMatchObject({ phone: null, clueId: null, localRemark: '老客户介绍' });
  });

  it('computes growth per Shanghai day: added, lost by who ended it, net growth, survival, totals', async () => {
    const { corpId, token } = await corpWithAdmin();
    const at = (iso: string) => new Date(iso);
    const rel = (n: number, values: Record<string, unknown>) =>
      mirrorRelation(db, corpId, { external_userid: `wm-growth-${n}`, userid: `u${n % 3}`, ...values });
    // 2025-03-01 (Shanghai): three added, one of them later deleted by the customer on 03-02.
    await rel(1, { add_time: at('2025-03-01T00:30:00+08:00') });
    await rel(2, { add_time: at('2025-03-01T23:59:00+08:00') });
    await rel(3, {
      add_time: at('2025-03-01T12:00:00+08:00'),
      status: 2,
      del_time: at('2025-03-02T09:00:00+08:00'),
    });
    // 2025-03-02: one added (UTC still 03-01), and an older relation deleted by the employee.
    await rel(4, { add_time: at('2025-03-02T00:10:00+08:00') });
    await rel(5, { add_time: at('2025-02-01T10:00:00+08:00'), status: 1, del_time: at('2025-03-02T23:00:00+08:00') });
    // 2025-03-03: one vanished from WeCom, one transferred away (not a loss), nothing added.
    await rel(6, { add_time: at('2025-02-02T10:00:00+08:00'), status: 4, del_time: at('2025-03-03T08:00:00+08:00') });
    await rel(7, { add_time: at('2025-02-03T10:00:00+08:00'), status: 3, del_time: at('2025-03-03T09:00:00+08:00') });
    // Outside the range, and another corp.
    await rel(8, { add_time: at('2025-03-04T00:00:00+08:00') });
    await mirrorRelation(db, uid('corp-'), {
      external_userid: 'wm-x',
      userid: 'u1',
      add_time: at('2025-03-01T10:00:00+08:00'),
    });

    const response = await call<{
      from: string;
      to: string;
      timeZone: string;
      days: Array<Figures & { day: string }>;
      total: Figures;
    }>(sharedApiUrl, 'POST', '/admin/customer/growthStats', { token, body: { from: '2025-03-01', to: '2025-03-03' } });
    expect(response.status).toBe(200);
    const data = response.body.data;
    expect(data).toMatchObject({ from: '2025-03-01', to: '2025-03-03', timeZone: 'Asia/Shanghai' });
    expect(data.days).toEqual([
      {
        day: '2025-03-01',
        added: 3,
        retained: 2,
        lost: 0,
        lostByEmployee: 0,
        lostByCustomer: 0,
        lostOther: 0,
        transferredOut: 0,
        netGrowth: 3,
        survivalRate: 0.6667,
      },
      {
        day: '2025-03-02',
        added: 1,
        retained: 1,
        lost: 2,
        lostByEmployee: 1,
        lostByCustomer: 1,
        lostOther: 0,
        transferredOut: 0,
        netGrowth: -1,
        survivalRate: 1,
      },
      {
        day: '2025-03-03',
        added: 0,
        retained: 0,
        lost: 1,
        lostByEmployee: 0,
        lostByCustomer: 0,
        lostOther: 1,
        transferredOut: 1,
        netGrowth: -1,
        survivalRate: null,
      },
    ]);
    expect(data.total).toEqual({
      added: 4,
      retained: 3,
      lost: 3,
      lostByEmployee: 1,
      lostByCustomer: 1,
      lostOther: 1,
      transferredOut: 1,
      netGrowth: 1,
      survivalRate: 0.75,
    });

    // Day boundaries follow the zone: rel 1 (03-01 00:30 in Shanghai) is still 02-28 in UTC.
    const dayIn = async (timeZone: string) =>
      (
        await call<{ days: Array<Figures & { day: string }> }>(sharedApiUrl, 'POST', '/admin/customer/growthStats', {
          token,
          body: { from: '2025-02-28', to: '2025-02-28', timeZone },
        })
      ).body.data.days.map((d) => [d.day, d.added]);
    expect(await dayIn('UTC')).toEqual([['2025-02-28', 1]]);
    expect(await dayIn('Asia/Shanghai')).toEqual([['2025-02-28', 0]]);

    for (const [body, field] of [
      [{ from: '2025-01-01', to: '2026-01-02' }, 'to'],
      [{ from: '2025-03-02', to: '2025-03-01' }, 'to'],
      [{ from: '2025-02-30', to: '2025-03-01' }, 'from'],
      [{ from: '2025-03-01', to: '2025-03-02', timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ to: '2025-03-01' }, 'from'],
    ] as const) {
      const bad = await call<Problems>(sharedApiUrl, 'POST', '/admin/customer/growthStats', { token, body });
      expect({ body, status: bad.status }).toEqual({ body, status: 400 });
      expect(bad.body.data.errors.map((e) => e.field)).toContain(field);
    }
    const fullYear = await call(sharedApiUrl, 'POST', '/admin/customer/growthStats', {
      token,
      body: { from: '2024-01-01', to: '2024-12-31' },
    });
    expect(fullYear.status).toBe(200);
  });

  it('starts the customer sync and answers its workflow id', async () => {
    const { corpId, token } = await corpWithAdmin();
    const response = await call<{ workflowId: string }>(sharedApiUrl, 'POST', '/admin/customer/sync', { token });
    expect(response.status).toBe(200);
    expect(response.body.data.workflowId).toBe(`wecom-sync-customers-${corpId}`);
  });
});
