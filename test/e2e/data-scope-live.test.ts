import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import { sharedApiUrl, sharedTemporalAddress } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { createSimulatedCorp, syncWholeCorp } from '../helpers/wecom';

interface LiveCustomer {
  followUsers: Array<{ userid: string }>;
}

/** The live WeCom read of a customer and the tag records of customers keep to the viewer's data scope. */
describe('data scope of the live customer read and of customer tag records', () => {
  let db: Db;
  let temporal: Client;

  beforeAll(async () => {
    db = testDb();
    temporal = new Client({ connection: await Connection.connect({ address: sharedTemporalAddress }) });
  });
  afterAll(async () => {
    await temporal.connection.close();
    await db.destroy();
  });

  it('shows a salesperson only their own follow users and hides customers they do not follow', async () => {
    const corp = await createSimulatedCorp(db, { customers: 60, employees: 4 });
    await syncWholeCorp(temporal, corp.corpId);
    const admin = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });
    const relations = (await db('wecom_relation')
      .where({ corp_id: corp.corpId, status: 0 })
      .select('userid', 'external_userid')) as Array<{ userid: string; external_userid: string }>;
    const seller = relations[0]!.userid;
    const followers = new Map<string, Set<string>>();
    for (const r of relations)
      followers.set(r.external_userid, (followers.get(r.external_userid) ?? new Set()).add(r.userid));
    const own = [...followers].find(([, users]) => users.has(seller))![0];
    const foreign = [...followers].find(([, users]) => !users.has(seller))![0];

    const roleKey = uid('live_');
    const role = await call<{ id: string }>(sharedApiUrl, 'POST', '/admin/role/save', {
      token: admin.token,
      body: { name: uid('销售'), roleKey, dataScope: 5 },
    });
    const node = (await db('sys_menu')
      .where({ permission: 'customer:getLiveByExternalUserid', is_del: 0 })
      .first('id')) as { id: string };
    await call(sharedApiUrl, 'POST', '/admin/role/updatePermissions', {
      token: admin.token,
      body: { roleId: role.body.data.id, menuIds: [node.id] },
    });
    const salesperson = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId, roleKeys: [roleKey] });
    await db('sys_user').where({ id: salesperson.id }).update({ wecom_userid: seller });

    const live = (externalUserid: string, token: string) =>
      call<LiveCustomer>(sharedApiUrl, 'GET', `/admin/customer/live?externalUserid=${externalUserid}`, { token });
    const mine = await live(own, salesperson.token);
    expect(mine.status).toBe(200);
    expect(mine.body.data.followUsers.map((f) => f.userid)).toEqual([seller]);
    expect((await live(foreign, salesperson.token)).status).toBe(404);

    const everything = await live(own, admin.token);
    expect(everything.body.data.followUsers.map((f) => f.userid).sort()).toEqual([...followers.get(own)!].sort());

    // Tag records of customers keep to the same scope: the customers the salesperson follows.
    const grants = (await db('sys_menu')
      .whereIn('permission', ['customerTag:page', 'customerTag:get', 'customerTagging:save'])
      .andWhere({ is_del: 0 })
      .pluck('id')) as string[];
    await call(sharedApiUrl, 'POST', '/admin/role/updatePermissions', {
      token: admin.token,
      body: { roleId: role.body.data.id, menuIds: [...grants, node.id] },
    });
    const tagRows = (await db('customer_tag')
      .where({ corp_id: corp.corpId, is_del: 0 })
      .select('id', 'external_userid')) as Array<{ id: string; external_userid: string }>;
    const visible = tagRows.filter((t) => followers.get(t.external_userid)?.has(seller)).map((t) => t.id);
    const hidden = tagRows.filter((t) => !followers.get(t.external_userid)?.has(seller));
    expect(hidden.length).toBeGreaterThan(0);
    const page = await call<{ list: Array<{ id: string }>; total: number }>(
      sharedApiUrl,
      'POST',
      '/admin/customerTag/page',
      { token: salesperson.token, body: { pageSize: 200 } },
    );
    expect(page.status).toBe(200);
    expect(page.body.data.list.map((t) => t.id).sort()).toEqual(visible.sort());
    expect(page.body.data.total).toBe(visible.length);
    expect(
      (await call(sharedApiUrl, 'GET', `/admin/customerTag/${hidden[0]!.id}`, { token: salesperson.token })).status,
    ).toBe(404);
    const before = await db('customer_tag').where({ corp_id: corp.corpId }).count({ n: '*' });
    const tagForeign = await call(sharedApiUrl, 'POST', '/admin/customerTagging/save', {
      token: salesperson.token,
      body: { externalUserid: foreign, tagSource: 'self', addTagIds: ['1'] },
    });
    expect(tagForeign.status).toBe(404);
    expect(await db('customer_tag').where({ corp_id: corp.corpId }).count({ n: '*' })).toEqual(before);
  });
});
