import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, createPartner, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { mirrorCustomer } from '../helpers/mirror-org';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(async () => db.destroy());

describe('clue list counts', () => {
  it('counts each state of the list under the page’s conditions, in one answer', async () => {
    const partnerId = String((await createPartner(db)).partnerId);
    const corpId = uid('corp-');
    const clue = async (values: Record<string, unknown>) => {
      const [row] = (await db('clue')
        .insert({
          partner_id: partnerId,
          business_id: uid('biz-'),
          link_man_name: '张三',
          link_man_tel: '13800138000',
          phone_normalized: '13800138000',
          // Not for the dispatcher: these clues have no distribution workflow.
          distribution_state: 'started',
          cuser: 'test',
          ...values,
        })
        .returning('id')) as Array<{ id: string }>;
      return row!.id;
    };
    const yesterday = new Date(Date.now() - 36 * 3600_000);
    await clue({ status: 'pending' });
    await clue({ status: 'waiting', waiting_reason: 'OUTSIDE_WORKING_HOURS', ctime: yesterday });
    await clue({ status: 'assigned', owner_userid: 'u1', assignment_seq: 1 });
    const followed = await clue({ status: 'followed', owner_userid: 'u2', assignment_seq: 1, ctime: yesterday });
    await clue({ status: 'pool', assignment_seq: 2 });
    await clue({ status: 'pool' });
    await clue({ status: 'closed', ctime: yesterday });
    await clue({ status: 'assigned', owner_userid: 'u3', is_del: 1 });
    await mirrorCustomer(db, corpId, { clue_id: followed });

    const { token } = await createAdmin(db, sharedApiUrl);
    const stats = (body: unknown) =>
      call<Record<string, number>>(sharedApiUrl, 'POST', '/admin/clue/listStats', { token, body });
    const all = await stats({ partnerId });
    expect(all.status).toBe(200);
    expect(all.body.data).toEqual({
      total: 7,
      today: 4,
      unassigned: 4,
      waiting: 1,
      assigned: 1,
      followedUp: 1,
      recycled: 1,
      converted: 1,
    });
    const page = await call<{ total: number }>(sharedApiUrl, 'POST', '/admin/clue/page', {
      token,
      body: { partnerId, status: ['pool', 'followed'] },
    });
    const filtered = await stats({ partnerId, status: ['pool', 'followed'] });
    expect(filtered.body.data).toMatchObject({
      total: page.body.data.total,
      unassigned: 2,
      recycled: 1,
      followedUp: 1,
    });
    expect(page.body.data.total).toBe(3);
    expect((await stats({ partnerId, pageNum: 1 })).status).toBe(400);
  });
});
