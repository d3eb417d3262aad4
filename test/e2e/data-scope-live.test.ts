import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import { sharedApiUrl, sharedTemporalAddress } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { createSimulatedCorp, syncWholeCorp } from '../helpers/wecom';

interface LiveCustomer {
  followUsers: Array<{ userid: string }>;
}

/** The live WeCom read of a customer keeps to the viewer's data scope, by what WeCom answers now. */
describe('data scope of the live customer read', () => {
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
  });
});
