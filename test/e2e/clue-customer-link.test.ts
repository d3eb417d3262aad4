import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, createPartner, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { mirrorCustomer } from '../helpers/mirror-org';

interface Detail {
  timeline: Array<{ kind: string; detail: Record<string, unknown> | null }>;
}
interface Linked {
  clueId: string;
  customerId: string;
  externalUserid: string;
  linked: boolean;
}

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(async () => db.destroy());

describe('linking clues and WeCom customers', () => {
  it('links, moves and unlinks through one mechanism, recorded in each clue’s timeline', async () => {
    const corpId = uid('corp-');
    const partnerId = String((await createPartner(db)).partnerId);
    const clue = async () => {
      const [row] = (await db('clue')
        .insert({
          partner_id: partnerId,
          business_id: uid('biz-'),
          link_man_name: '李四',
          link_man_tel: '13900139000',
          phone_normalized: '13900139000',
          status: 'pool',
          distribution_state: 'started',
          cuser: 'test',
        })
        .returning('id')) as Array<{ id: string }>;
      return row!.id;
    };
    const [first, second] = [await clue(), await clue()];
    const customer = await mirrorCustomer(db, corpId, { name: '微信客户' });
    const { token } = await createAdmin(db, sharedApiUrl, { corpId });
    const post = <T>(path: string, body: unknown) => call<T>(sharedApiUrl, 'POST', path, { token, body });
    const timeline = async (clueId: string) =>
      (await call<Detail>(sharedApiUrl, 'GET', `/admin/clue/detail?clueId=${clueId}`, { token })).body.data.timeline
        .map((e) => e.kind)
        .filter((k) => k.startsWith('wecom_customer'));
    const clueOf = async () =>
      ((await db('wecom_customer').where({ id: customer.id }).first('clue_id')) as { clue_id: string | null }).clue_id;

    const linked = await post<Linked>('/admin/clue/linkWecomCustomer', {
      clueId: first,
      externalUserid: customer.external_userid,
    });
    expect(linked.status).toBe(200);
    expect(linked.body.data).toEqual({
      clueId: first,
      customerId: String(customer.id),
      externalUserid: customer.external_userid,
      linked: true,
    });
    expect(String(await clueOf())).toBe(first);
    expect(await timeline(first)).toEqual(['wecom_customer_linked']);
    const again = await post<Linked>('/admin/clue/linkWecomCustomer', {
      clueId: first,
      customerId: String(customer.id),
    });
    expect(again.body.data.linked).toBe(true);
    expect(await timeline(first)).toEqual(['wecom_customer_linked']);

    // customer.save moves the link through the same mechanism: both clues record it.
    const saved = await post('/admin/customer/save', { id: String(customer.id), clueId: second });
    expect(saved.status).toBe(200);
    expect(String(await clueOf())).toBe(second);
    expect(await timeline(first)).toEqual(['wecom_customer_linked', 'wecom_customer_unlinked']);
    expect(await timeline(second)).toEqual(['wecom_customer_linked']);

    const notLinked = await post<Linked>('/admin/clue/linkWecomCustomer', {
      clueId: first,
      customerId: String(customer.id),
      unlink: true,
    });
    expect(notLinked.body.data.linked).toBe(false);
    expect(String(await clueOf())).toBe(second);
    const unlinked = await post<Linked>('/admin/clue/linkWecomCustomer', {
      clueId: second,
      customerId: String(customer.id),
      unlink: true,
    });
    expect(unlinked.body.data.linked).toBe(false);
    expect(await clueOf()).toBeNull();
    expect(await timeline(second)).toEqual(['wecom_customer_linked', 'wecom_customer_unlinked']);

    expect(
      (await post('/admin/clue/linkWecomCustomer', { clueId: '999999999', customerId: String(customer.id) })).status,
    ).toBe(404);
    expect((await post('/admin/clue/linkWecomCustomer', { clueId: first, externalUserid: 'wm-nobody' })).status).toBe(
      404,
    );
    const both = await post('/admin/clue/linkWecomCustomer', {
      clueId: first,
      customerId: String(customer.id),
      externalUserid: customer.external_userid,
    });
    expect(both.status).toBe(400);
    expect(await clueOf()).toBeNull();
  });
});
