import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import { buildEncryptedEnvelope } from '../../src/wecom/callback-crypto';
import { buildEventXml } from '../../src/wecom/callback-xml';
import { sharedApiUrl, sharedTemporalAddress } from '../helpers/env';
import { createAdmin, testDb } from '../helpers/factories';
import { call } from '../helpers/http';
import { canonicalFromMirror, canonicalFromSimulator } from '../helpers/mirror-compare';
import { waitFor } from '../helpers/wait';
import { control, createSimulatedCorp, syncWholeCorp, type SimulatedCorp } from '../helpers/wecom';

interface ActionAnswer {
  done: Record<string, unknown>;
  callbacks: Array<{ event: string; changeType?: string; outcome: string; attempts: number }>;
}

describe('WeCom callbacks', () => {
  let db: Db;
  let temporal: Client;
  let corp: SimulatedCorp;
  let token: string;

  const act = (name: string, body: Record<string, unknown>) =>
    control<ActionAnswer>('POST', `/corps/${corp.corpId}/actions/${name}`, body);
  const eventRows = () => db('wecom_callback_event').where({ corp_id: corp.corpId });
  const simulatorCanonical = async () =>
    canonicalFromSimulator(
      await control('GET', `/corps/${corp.corpId}/state?sections=departments,users,customers,tagGroups,groupChats`),
    );
  /** Every stored event processed (done or failed): the mirror has caught up. */
  const allProcessed = () =>
    waitFor('callback events to be processed', async () => {
      const open = await eventRows().whereNotIn('status', ['done', 'failed']).count<{ count: string }[]>('* as count');
      return Number(open[0]?.count) === 0;
    });

  beforeAll(async () => {
    db = testDb();
    temporal = new Client({ connection: await Connection.connect({ address: sharedTemporalAddress }) });
    corp = await createSimulatedCorp(db, { seed: 21, customers: 200 });
    token = (await createAdmin(db, sharedApiUrl, { corpId: corp.corpId })).token;
    // One full sync of everything, then callbacks keep the mirror current.
    await syncWholeCorp(temporal, corp.corpId);
  });
  afterAll(async () => {
    await temporal.connection.close();
    await db.destroy();
  });

  it("passes WeCom's URL verification", async () => {
    const answer = await control<{ ok: boolean }>('POST', `/corps/${corp.corpId}/verify-url`);
    expect(answer.ok).toBe(true);
  });

  it('keeps the mirror equal to WeCom through every kind of callback', async () => {
    const employees = await db('wecom_employee').where({ corp_id: corp.corpId, is_del: 0, has_contact_feature: true });
    const [alice, bob] = employees.map((e) => e.userid as string);
    const relation = await db('wecom_relation').where({ corp_id: corp.corpId, status: 0 }).first();
    const other = await db('wecom_relation')
      .where({ corp_id: corp.corpId, status: 0 })
      .whereNot('external_userid', relation.external_userid)
      .first();
    const chat = await db('wecom_group_chat').where({ corp_id: corp.corpId, is_del: 0 }).first();
    const member = await db('wecom_group_member')
      .where({ corp_id: corp.corpId, chat_id: chat.chat_id, status: 0 })
      .whereNot('member_id', chat.owner)
      .first();
    const tag = await db('wecom_corp_tag').where({ corp_id: corp.corpId, is_del: 0 }).first();
    const dept = await db('wecom_dept').where({ corp_id: corp.corpId, is_del: 0 }).whereNot('dept_id', '1').first();

    const added = await act('customer-adds-employee', { userid: alice, customer: { name: '新客户' } });
    expect(added.callbacks.map((c) => [c.event, c.changeType, c.outcome])).toEqual([
      ['change_external_contact', 'add_external_contact', 'delivered'],
    ]);
    await act('employee-edits-contact', {
      userid: relation.userid,
      externalUserid: relation.external_userid,
      remark: '改过的备注',
      description: 'VIP',
    });
    await act('employee-deletes-customer', { userid: other.userid, externalUserid: other.external_userid });
    await act('customer-deletes-employee', { userid: relation.userid, externalUserid: relation.external_userid });
    await act('member-joins-group', { chatId: chat.chat_id, members: [{ name: '进群的人' }], joinScene: 3 });
    await act('member-leaves-group', { chatId: chat.chat_id, members: [member.member_id], quitScene: 1 });
    await act('group-created', { owner: bob, name: '新群', members: [{ userid: alice }] });
    await act('group-renamed', { chatId: chat.chat_id, name: '改名的群' });
    await act('tags-created', { groupName: '新标签组', tags: [{ name: '甲' }, { name: '乙' }] });
    await act('tag-updated', { id: tag.tag_id, name: '改名的标签' });
    await act('tags-shuffled', {});
    await act('employee-created', { name: '新员工', departments: [1] });
    await act('employee-updated', { userid: bob, position: '新职位' });
    await act('department-created', { name: '新部门', parentId: 1 });
    await act('department-updated', { id: Number(dept.dept_id), name: '改名的部门' });
    await allProcessed();

    const failed = await eventRows().where({ status: 'failed' });
    expect(failed).toEqual([]);
    expect(await canonicalFromMirror(db, corp.corpId)).toEqual(await simulatorCanonical());

    const ended = await db('wecom_relation').where({ id: relation.id }).first();
    expect(ended).toMatchObject({ status: 2, del_source: 'customer' });
    const deletedByEmployee = await db('wecom_relation').where({ id: other.id }).first();
    expect(deletedByEmployee.status).toBe(1);
    const left = await db('wecom_group_member').where({ id: member.id }).first();
    expect(left).toMatchObject({ status: 1, quit_scene: 1 });
    expect(left.quit_time).not.toBeNull();
  });

  it('mirrors deletions: tags, a dismissed group, a departed employee and a removed department', async () => {
    const tag = await db('wecom_corp_tag').where({ corp_id: corp.corpId, is_del: 0 }).first();
    const chat = await db('wecom_group_chat').where({ corp_id: corp.corpId, is_del: 0 }).first();
    const employee = await db('wecom_employee')
      .where({ corp_id: corp.corpId, is_del: 0 })
      .whereNotExists(db('wecom_group_chat').whereRaw('owner = wecom_employee.userid'))
      .first();
    // WeCom refuses to delete a department with members: make an empty one first.
    const created = await act('department-created', { name: '待删除部门', parentId: 1 });
    const deptId = Number(created.done['id']);

    await act('tags-deleted', { tagIds: [tag.tag_id] });
    await act('group-dismissed', { chatId: chat.chat_id });
    await act('employee-deleted', { userid: employee.userid });
    await act('department-deleted', { id: deptId });
    await allProcessed();

    expect((await db('wecom_corp_tag').where({ id: tag.id }).first()).is_del).toBe(1);
    expect(await db('customer_tag').where({ corp_id: corp.corpId, tag_id: tag.tag_id, is_del: 0 })).toEqual([]);
    expect((await db('wecom_group_chat').where({ id: chat.id }).first()).is_del).toBe(1);
    expect((await db('wecom_employee').where({ id: employee.id }).first()).del_time).not.toBeNull();
    // Create and delete may be processed in either order; either way no live row may remain.
    expect(await db('wecom_dept').where({ corp_id: corp.corpId, dept_id: String(deptId), is_del: 0 })).toEqual([]);
    expect(await canonicalFromMirror(db, corp.corpId)).toEqual(await simulatorCanonical());
  });

  it('processes a callback delivered three times exactly once', async () => {
    const employee = await db('wecom_employee')
      .where({ corp_id: corp.corpId, is_del: 0, has_contact_feature: true })
      .first();
    const answer = await act('customer-adds-employee', { userid: employee.userid, deliveries: 3 });
    expect(answer.callbacks).toHaveLength(1);
    const externalUserid = String(answer.done['externalUserid'] ?? '');
    await allProcessed();
    const rows = await eventRows().whereRaw("payload->>'ExternalUserID' = ?", [externalUserid]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ receive_count: 3, status: 'done' });
    const workflows = await temporal.workflow.count(`WorkflowId = "wecom-event-${rows[0].id}"`);
    expect(workflows.count).toBe(1);
    const relations = await db('wecom_relation').where({ corp_id: corp.corpId, external_userid: externalUserid });
    expect(relations).toHaveLength(1);
  });

  describe('rejects bad requests without side effects', () => {
    const plaintext = () =>
      buildEventXml({
        ToUserName: corp.corpId,
        FromUserName: 'sys',
        CreateTime: Math.floor(Date.now() / 1000),
        MsgType: 'event',
        Event: 'change_external_contact',
        ChangeType: 'del_follow_user',
        UserID: 'nobody',
        ExternalUserID: `wm-probe-${Date.now()}`,
      });
    const post = (query: Record<string, string>, body: string) =>
      fetch(`${sharedApiUrl}/api-scrm/wecom/callback/${corp.corpId}?${new URLSearchParams(query).toString()}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body,
      });
    const sign = (overrides: { token?: string; timestamp?: number; plaintext?: string } = {}) =>
      buildEncryptedEnvelope({
        token: overrides.token ?? corp.callbackToken,
        encodingAESKey: corp.encodingAesKey,
        receiveId: corp.corpId,
        plaintext: overrides.plaintext ?? plaintext(),
        timestamp: overrides.timestamp,
      });
    const queryOf = (e: ReturnType<typeof sign>) => ({
      msg_signature: e.msgSignature,
      timestamp: e.timestamp,
      nonce: e.nonce,
    });

    it('accepts a correctly signed event (the control case for the rejections below)', async () => {
      const before = (await eventRows()).length;
      const envelope = sign();
      const response = await post(queryOf(envelope), envelope.body);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('');
      expect((await eventRows()).length).toBe(before + 1);
    });

    it.each([
      ['a forged signature', (e: ReturnType<typeof sign>) => ({ ...queryOf(e), msg_signature: 'a'.repeat(40) }), 401],
      ['a signature made with another token', () => queryOf(sign({ token: 'not-the-token' })), 401],
      ['a replayed old timestamp', () => queryOf(sign({ timestamp: Math.floor(Date.now() / 1000) - 3600 })), 401],
      ['a missing signature', (e: ReturnType<typeof sign>) => ({ timestamp: e.timestamp, nonce: e.nonce }), 400],
    ])('refuses %s', async (_label, makeQuery, status) => {
      const before = (await eventRows()).length;
      const envelope = sign();
      const query = makeQuery(envelope);
      // The body of the last case is signed with other parameters than the query states.
      const response = await post(query as Record<string, string>, envelope.body);
      expect(response.status).toBe(status);
      expect((await eventRows()).length).toBe(before);
    });

    it('refuses malformed XML, an event for another corp and an oversized body', async () => {
      const before = (await eventRows()).length;
      const garbage = sign({ plaintext: '<xml><Event>unterminated' });
      expect((await post(queryOf(garbage), garbage.body)).status).toBe(400);
      const notXml = sign();
      expect((await post(queryOf(notXml), 'this is not xml')).status).toBe(400);
      const foreign = sign({ plaintext: plaintext().replace(corp.corpId, 'wwsomeoneelse') });
      expect((await post(queryOf(foreign), foreign.body)).status).toBe(400);
      const big = sign();
      expect((await post(queryOf(big), big.body + ' '.repeat(200_000))).status).toBe(413);
      expect((await eventRows()).length).toBe(before);
    });

    it('answers 404 for an unknown corp', async () => {
      const envelope = sign();
      const response = await fetch(
        `${sharedApiUrl}/api-scrm/wecom/callback/wwunknown?${new URLSearchParams(queryOf(envelope)).toString()}`,
        { method: 'POST', headers: { 'content-type': 'text/xml' }, body: envelope.body },
      );
      expect(response.status).toBe(404);
    });
  });

  it("feeds an operator's sample through the same receiver (callback self-test)", async () => {
    const xml = buildEventXml({
      ToUserName: corp.corpId,
      FromUserName: 'sys',
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: 'event',
      Event: 'change_external_tag',
      ChangeType: 'shuffle',
    });
    const response = await call<{ eventId: string; duplicate: boolean; event: string }>(
      sharedApiUrl,
      'POST',
      '/admin/wecom/callback/test',
      { token, body: { plainXml: xml } },
    );
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ duplicate: false, event: 'change_external_tag' });
    await waitFor('self-test event processed', async () => {
      const row = await db('wecom_callback_event').where({ id: response.body.data.eventId }).first();
      return row?.status === 'done';
    });
    // A shuffle is applied as a fresh read of WeCom, so a copy after it was applied is applied again.
    const again = await call<{ eventId: string; duplicate: boolean }>(
      sharedApiUrl,
      'POST',
      '/admin/wecom/callback/test',
      { token, body: { plainXml: xml } },
    );
    expect(again.body.data.duplicate).toBe(false);
    expect(again.body.data.eventId).not.toBe(response.body.data.eventId);
    const both = await call(sharedApiUrl, 'POST', '/admin/wecom/callback/test', { token, body: {} });
    expect(both.status).toBe(400);
  });
});
