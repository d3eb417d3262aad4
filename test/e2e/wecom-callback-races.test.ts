import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import { sharedApiUrl, sharedTemporalAddress } from '../helpers/env';
import { createAdmin, testDb } from '../helpers/factories';
import { call } from '../helpers/http';
import { canonicalFromMirror, canonicalFromSimulator } from '../helpers/mirror-compare';
import { waitFor } from '../helpers/wait';
import {
  control,
  createSimulatedCorp,
  postSignedCallback,
  sentPlaintext,
  syncWholeCorp,
  type SimulatedCorp,
} from '../helpers/wecom';

interface ActionAnswer {
  done: Record<string, unknown>;
  callbacks: Array<{ id: number; event: string; changeType?: string; outcome: string }>;
}

interface GrowthTotals {
  added: number;
  retained: number;
  lost: number;
  lostByEmployee: number;
  lostByCustomer: number;
  lostOther: number;
}

const seconds = (date: Date | null) => (date === null ? null : Math.round(date.getTime() / 1000));
const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe('WeCom callbacks that race each other', () => {
  let db: Db;
  let temporal: Client;

  const act = (corp: SimulatedCorp, name: string, body: Record<string, unknown>) =>
    control<ActionAnswer>('POST', `/corps/${corp.corpId}/actions/${name}`, body);
  const eventRows = (corp: SimulatedCorp) => db('wecom_callback_event').where({ corp_id: corp.corpId });
  const allProcessed = (corp: SimulatedCorp) =>
    waitFor('callback events to be processed', async () => {
      const open = await eventRows(corp)
        .whereNotIn('status', ['done', 'failed'])
        .count<{ count: string }[]>('* as count');
      return Number(open[0]?.count) === 0;
    });
  const eventDone = (corp: SimulatedCorp, plaintext: string) =>
    waitFor('the event to be applied', async () => {
      const rows = await eventRows(corp).where({ plaintext });
      return rows.length > 0 && rows.every((r) => r.status === 'done');
    });
  const simulatorCanonical = async (corp: SimulatedCorp) =>
    canonicalFromSimulator(
      await control('GET', `/corps/${corp.corpId}/state?sections=departments,users,customers,tagGroups,groupChats`),
    );
  /** A corp mirrored by one full sync, as callbacks find it in production. */
  const syncedCorp = async (options: { seed: number; customers: number }) => {
    const corp = await createSimulatedCorp(db, options);
    await syncWholeCorp(temporal, corp.corpId);
    return corp;
  };
  const followers = async (corp: SimulatedCorp) =>
    (await db('wecom_employee').where({ corp_id: corp.corpId, is_del: 0, has_contact_feature: true })).map(
      (e) => e.userid as string,
    );

  beforeAll(async () => {
    db = testDb();
    temporal = new Client({ connection: await Connection.connect({ address: sharedTemporalAddress }) });
  });
  afterAll(async () => {
    await temporal.connection.close();
    await db.destroy();
  });

  it('refreshes a relation again when a second edit in the same second arrives after the first was applied', async () => {
    const corp = await syncedCorp({ seed: 41, customers: 20 });
    const relation = await db('wecom_relation').where({ corp_id: corp.corpId, status: 0 }).orderBy('id').first();
    const pair = { userid: relation.userid as string, externalUserid: relation.external_userid as string };
    const tag = await db('wecom_corp_tag')
      .where({ corp_id: corp.corpId, is_del: 0 })
      .whereNotIn(
        'tag_id',
        db('customer_tag')
          .where({ corp_id: corp.corpId, external_userid: pair.externalUserid, userid: pair.userid })
          .select('tag_id'),
      )
      .orderBy('id')
      .first();
    const liveTags = async () =>
      (
        await db('customer_tag').where({
          corp_id: corp.corpId,
          external_userid: pair.externalUserid,
          userid: pair.userid,
          tag_id: tag.tag_id,
          is_del: 0,
        })
      ).map((t) => t.tag_id as string);

    const first = await act(corp, 'employee-edits-contact', { ...pair, addTags: [tag.tag_id] });
    expect(first.callbacks.map((c) => c.outcome)).toEqual(['delivered']);
    const plaintext = await sentPlaintext(corp.corpId, first.callbacks[0]?.id ?? 0);
    await eventDone(corp, plaintext);
    expect(await liveTags()).toEqual([tag.tag_id]);

    await act(corp, 'employee-edits-contact', { ...pair, removeTags: [tag.tag_id], silent: true });
    // WeCom's callback of an edit within the same second carries the same bytes as the first one's.
    const response = await postSignedCallback(corp, plaintext);
    expect(response.status).toBe(200);
    await allProcessed(corp);

    expect(await eventRows(corp).where({ status: 'failed' })).toEqual([]);
    expect(await liveTags()).toEqual([]);
    expect(await canonicalFromMirror(db, corp.corpId)).toEqual(await simulatorCanonical(corp));
    const copies = await eventRows(corp).where({ plaintext });
    expect(copies.reduce((sum, row) => sum + Number(row.receive_count), 0)).toBe(2);
  });

  it('keeps an add with a welcome code one event when its copy arrives after it was processed', async () => {
    const corp = await syncedCorp({ seed: 42, customers: 0 });
    const [userid] = await followers(corp);
    const added = await act(corp, 'customer-adds-employee', { userid, customer: { name: '欢迎语客户' } });
    expect(added.done['welcomeCode']).toEqual(expect.any(String));
    const plaintext = await sentPlaintext(corp.corpId, added.callbacks[0]?.id ?? 0);
    await eventDone(corp, plaintext);

    const response = await postSignedCallback(corp, plaintext);
    expect(response.status).toBe(200);
    await allProcessed(corp);

    const rows = await eventRows(corp).where({ plaintext });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ receive_count: 2, status: 'done' });
    const workflows = await temporal.workflow.count(`WorkflowId = "wecom-event-${rows[0].id}"`);
    expect(workflows.count).toBe(1);
  });

  it('records an add and the deletion that follows at once, whatever order they are processed in', async () => {
    const corp = await syncedCorp({ seed: 43, customers: 0 });
    const { token } = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });
    const employees = await followers(corp);
    const expected: Array<[string, string, number, string]> = [];
    for (let i = 0; i < 30; i++) {
      const userid = employees[i % employees.length] as string;
      // Half the adds are answered before their callback is delivered, so the deletion happens before any read.
      const added = await act(corp, 'customer-adds-employee', {
        userid,
        customer: { name: `加了就删${i}` },
        state: `flash-${i}`,
        wait: i % 2 === 1,
      });
      const externalUserid = String(added.done['externalUserid']);
      const byEmployee = i % 4 < 2;
      await act(corp, byEmployee ? 'employee-deletes-customer' : 'customer-deletes-employee', {
        userid,
        externalUserid,
      });
      expected.push([externalUserid, userid, byEmployee ? 1 : 2, `flash-${i}`]);
    }
    await allProcessed(corp);
    expect(await eventRows(corp).where({ status: 'failed' })).toEqual([]);
    expect(await eventRows(corp)).toHaveLength(60);

    const addTimes = new Map(
      (await eventRows(corp).where({ change_type: 'add_external_contact' })).map((e) => [
        e.payload.ExternalUserID as string,
        Number(e.payload.CreateTime),
      ]),
    );
    const relations = await db('wecom_relation').where({ corp_id: corp.corpId });
    expect(
      relations
        .map((r) => [r.external_userid, r.userid, r.status, seconds(r.add_time), r.state, r.del_time !== null])
        .sort(),
    ).toEqual(expected.map(([e, u, status, state]) => [e, u, status, addTimes.get(e), state, true]).sort());
    const customers = await db('wecom_customer').where({ corp_id: corp.corpId });
    expect(customers.map((c) => [c.external_userid, c.is_del]).sort()).toEqual(expected.map(([e]) => [e, 1]).sort());

    const stats = await call<{ total: GrowthTotals }>(sharedApiUrl, 'POST', '/admin/customer/growthStats', {
      token,
      body: { from: isoDay(-1), to: isoDay(1) },
    });
    expect(stats.status).toBe(200);
    const byEmployee = expected.filter(([, , status]) => status === 1).length;
    expect(stats.body.data.total).toMatchObject({
      added: 30,
      retained: 0,
      lost: 30,
      lostByEmployee: byEmployee,
      lostByCustomer: 30 - byEmployee,
      lostOther: 0,
    });
    expect(await canonicalFromMirror(db, corp.corpId)).toEqual(await simulatorCanonical(corp));
  });
});
