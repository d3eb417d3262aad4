import { randomInt } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import { CLUE_MERGE_API_PORT, sharedApiUrl, sharedTemporalAddress } from '../helpers/env';
import { createAdmin, createPartner, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { mirrorCustomer } from '../helpers/mirror-org';
import { seedEmployee, seedSelfTagGroup } from '../helpers/mirror-tags-groups';
import { TestSystem } from '../helpers/system';
import { waitFor } from '../helpers/wait';
import { mergeProgressQuery, releaseMergeSignal } from '../../src/workflows/merge-clues';

const ZH = { 'accept-language': 'zh-CN' };

interface MergeReport {
  mergeId: string;
  workflowId: string;
  survivorId: string;
  status: string;
  items: Array<{ clueId: string; done: boolean; moved: Record<string, unknown> | null }>;
  progress: { status: string; done: Array<{ clueId: string }> } | null;
  alreadyMerged?: boolean;
}

let db: Db;
let partnerId: string;
let token: string;
let username: string;
let adminCorp: string;
beforeAll(async () => {
  db = testDb();
  partnerId = String((await createPartner(db)).partnerId);
  adminCorp = uid('corp-');
  const admin = await createAdmin(db, sharedApiUrl, { corpId: adminCorp });
  token = admin.token;
  username = admin.username;
});
afterAll(async () => db.destroy());

const mobile = () => `139${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
const post = <T>(path: string, body: unknown) => call<T>(sharedApiUrl, 'POST', path, { token, body, headers: ZH });
const get = <T>(path: string) => call<T>(sharedApiUrl, 'GET', path, { token, headers: ZH });

async function insertClue(fields: Record<string, unknown> = {}): Promise<{ id: string; phone: string; biz: string }> {
  const phone = mobile();
  const biz = uid('biz-');
  const [row] = (await db('clue')
    .insert({
      partner_id: partnerId,
      business_id: biz,
      link_man_name: '孙七',
      link_man_tel: phone,
      phone_normalized: phone,
      status: 'pool',
      distribution_state: 'started',
      cuser: 'test',
      ...fields,
    })
    .returning('id')) as Array<{ id: string }>;
  return { id: row!.id, phone, biz };
}

async function mergeAndWait(body: Record<string, unknown>): Promise<MergeReport> {
  const res = await post<MergeReport>('/admin/clue/merge', body);
  expect(res.status).toBe(200);
  return waitFor('the merge to finish', async () => {
    const r = await get<MergeReport>(`/admin/clue/mergeResult?mergeId=${res.body.data.mergeId}`);
    return r.body.data.status === 'done' ? r.body.data : undefined;
  });
}

/** Everything a merge may touch, for "nothing changed" comparisons. */
async function snapshot(ids: string[]) {
  return {
    clues: await db('clue').whereIn('id', ids).orderBy('id'),
    contacts: await db('clue_contact').whereIn('clue_id', ids).orderBy('id'),
    tags: await db('clue_self_tag').whereIn('clue_id', ids).orderBy('id'),
    followUps: await db('clue_follow_up').whereIn('clue_id', ids).orderBy('id'),
    events: await db('clue_event').whereIn('clue_id', ids).orderBy('id'),
    customers: await db('wecom_customer').whereIn('clue_id', ids).orderBy('id'),
    assignments: await db('clue_assignment').whereIn('clue_id', ids).orderBy('id'),
  };
}

describe('customer merge', () => {
  it('moves contacts, tags, follow-ups and customers to the survivor exactly once; a second merge changes nothing', async () => {
    const corpId = uid('corp-');
    const survivor = await insertClue({ wechat: 'wx_same', owner_userid: 'emp_keep', status: 'followed' });
    const merged = await insertClue({
      wechat: 'wx_same',
      email: 'sun@example.com',
      address: '上海市',
      link_man_name: '孙先生',
    });
    const g = await seedSelfTagGroup(db, corpId, { tags: [{ name: 'm1' }, { name: 'm2' }] });
    const [t1, t2] = g.tagIds as [string, string];
    await db('clue_self_tag').insert([
      { clue_id: survivor.id, tag_id: t1, cuser: 'test' },
      { clue_id: merged.id, tag_id: t1, cuser: 'test' },
      { clue_id: merged.id, tag_id: t2, cuser: 'test' },
    ]);
    await db('clue_follow_up').insert([
      { clue_id: survivor.id, content: '跟进甲', cuser: 'test' },
      { clue_id: merged.id, content: '跟进乙', cuser: 'test' },
    ]);
    await db('clue_assignment').insert({
      clue_id: merged.id,
      seq: 1,
      employee_userid: 'emp_gone',
      kind: 'manual',
    });
    await db('clue').where({ id: merged.id }).update({ assignment_seq: 1 });
    const customer = await mirrorCustomer(db, corpId, { clue_id: merged.id });
    await db('clue_event').insert({ clue_id: merged.id, kind: 'edited', cuser: 'test' });

    const result = await mergeAndWait({ survivorId: survivor.id, mergedIds: [merged.id] });
    expect(result.items).toEqual([
      {
        clueId: merged.id,
        done: true,
        moved: { contacts: 2, tags: 1, followUps: 1, customers: 1, assignments: 1, fields: ['address'] },
      },
    ]);

    const contacts = (await db('clue_contact').where({ clue_id: survivor.id }).orderBy('id')) as Array<{
      type: string;
      value_key: string;
      is_primary: boolean;
    }>;
    expect(contacts.map((c) => [c.type, c.value_key, c.is_primary]).sort()).toEqual(
      [
        ['phone', survivor.phone, true],
        ['wechat', 'wx_same', true],
        ['phone', merged.phone, false],
        ['email', 'sun@example.com', true],
      ].sort(),
    );
    expect(await db('clue_contact').where({ clue_id: merged.id })).toEqual([]);
    expect(
      ((await db('clue_self_tag').where({ clue_id: survivor.id }).orderBy('tag_id')) as Array<{ tag_id: string }>).map(
        (r) => String(r.tag_id),
      ),
    ).toEqual([t1, t2].sort((a, b) => Number(a) - Number(b)));
    expect(await db('clue_self_tag').where({ clue_id: merged.id })).toEqual([]);
    const followUps = (await db('clue_follow_up').where({ clue_id: survivor.id }).orderBy('id')) as Array<{
      content: string;
      merged_from_clue_id: string | null;
    }>;
    expect(followUps.map((f) => [f.content, f.merged_from_clue_id && String(f.merged_from_clue_id)])).toEqual([
      ['跟进甲', null],
      ['跟进乙', merged.id],
    ]);
    expect(await db('wecom_customer').where({ id: customer.id }).first()).toMatchObject({ clue_id: survivor.id });
    expect(await db('clue').where({ id: survivor.id }).first()).toMatchObject({
      owner_userid: 'emp_keep',
      status: 'followed',
      link_man_name: '孙七',
      address: '上海市',
      email: 'sun@example.com',
      link_man_tel: survivor.phone,
    });
    expect(await db('clue').where({ id: merged.id }).first()).toMatchObject({
      merged_into_clue_id: survivor.id,
      status: 'closed',
    });
    expect(await db('clue_assignment').where({ clue_id: merged.id }).first()).toMatchObject({ end_reason: 'merged' });
    const events = (await db('clue_event')
      .whereIn('clue_id', [survivor.id, merged.id])
      .whereLike('kind', 'merged_%')
      .orderBy('id')) as Array<{ clue_id: string; kind: string; detail: Record<string, unknown>; cuser: string }>;
    expect(events.map((e) => [String(e.clue_id), e.kind, e.detail, e.cuser])).toEqual([
      [
        survivor.id,
        'merged_from',
        {
          mergedClueId: merged.id,
          mergeId: result.mergeId,
          moved: { contacts: 2, tags: 1, followUps: 1, customers: 1 },
          fields: ['address'],
        },
        username,
      ],
      [merged.id, 'merged_into', { survivorId: survivor.id, mergeId: result.mergeId }, username],
    ]);
    // The merged clue's own events are not copied.
    expect(await db('clue_event').where({ clue_id: survivor.id, kind: 'edited' })).toEqual([]);

    // Excluded from the list, the stats and duplicate matching; still readable by id.
    const page = await post<{ total: number }>('/admin/clue/page', {
      pageNum: 1,
      pageSize: 10,
      businessId: merged.biz,
    });
    expect(page.body.data.total).toBe(0);
    const kept = await post<{ total: number }>('/admin/clue/page', {
      pageNum: 1,
      pageSize: 10,
      businessId: survivor.biz,
    });
    expect(kept.body.data.total).toBe(1);
    const stats = await post<{ total: number }>('/admin/clue/listStats', { businessId: merged.biz });
    expect(stats.body.data.total).toBe(0);
    const detail = await get<{ clue: { mergedIntoClueId: string | null } }>(`/admin/clue/detail?clueId=${merged.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.data.clue.mergedIntoClueId).toBe(survivor.id);
    const survivorDetail = await get<{ assignments: Array<{ clueId: string; endReason: string | null }> }>(
      `/admin/clue/detail?clueId=${survivor.id}`,
    );
    expect(survivorDetail.body.data.assignments).toEqual([
      expect.objectContaining({ clueId: merged.id, endReason: 'merged' }),
    ]);
    const dup = await post<{ duplicateOfClueId: string | null }>('/admin/clue/create', {
      linkManName: '孙七',
      linkManTel: merged.phone,
    });
    expect(dup.status).toBe(200);
    expect(dup.body.data.duplicateOfClueId).toBeNull();

    // A merged clue is changed on its survivor only.
    const reassign = await post<unknown>('/admin/clue/batchAssign', {
      clueIds: [merged.id],
      employeeUserid: await seedEmployee(db, adminCorp),
    });
    expect(reassign.status).toBe(409);
    expect(reassign.body.msg).toContain(`已合并到线索 ${survivor.id}`);
    const edit = await post<unknown>('/admin/clue/update', { id: merged.id, remark: '改' });
    expect(edit.status).toBe(409);

    // Merging again changes nothing and answers the first merge.
    const before = await snapshot([survivor.id, merged.id]);
    const again = await post<MergeReport>('/admin/clue/merge', { survivorId: survivor.id, mergedIds: [merged.id] });
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ mergeId: result.mergeId, status: 'done', alreadyMerged: true });
    expect(await snapshot([survivor.id, merged.id])).toEqual(before);
  });

  it('ends the merged clue’s distribution workflow and leaves the survivor’s owner as it was', async () => {
    const employee = await seedEmployee(db, adminCorp);
    const survivor = await insertClue({ owner_userid: 'emp_survivor', status: 'assigned', assignment_seq: 1 });
    const created = await post<{ id: string; status: string; ownerUserid: string }>('/admin/clue/create', {
      linkManName: '周八',
      linkManTel: mobile(),
      ownerUserid: employee,
    });
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject({ status: 'assigned', ownerUserid: employee });
    const mergedId = created.body.data.id;
    const temporal = new Client({ connection: await Connection.connect({ address: sharedTemporalAddress }) });
    try {
      const distribution = temporal.workflow.getHandle(`clue-distribution-${mergedId}`);
      expect((await distribution.describe()).status.name).toBe('RUNNING');
      await mergeAndWait({ survivorId: survivor.id, mergedIds: [mergedId] });
      const outcome = (await distribution.result()) as { outcome: string };
      expect(outcome.outcome).toBe('closed');
    } finally {
      await temporal.connection.close();
    }
    expect(await db('clue').where({ id: survivor.id }).first()).toMatchObject({
      owner_userid: 'emp_survivor',
      status: 'assigned',
      assignment_seq: 1,
    });
    expect(await db('clue_assignment').where({ clue_id: survivor.id })).toEqual([]);
    const rows = (await db('clue_assignment').where({ clue_id: mergedId }).orderBy('seq')) as Array<{
      employee_userid: string;
      end_reason: string | null;
    }>;
    expect(rows.map((r) => [r.employee_userid, r.end_reason])).toEqual([[employee, 'merged']]);
    expect(await db('clue').where({ id: mergedId }).first()).toMatchObject({ status: 'closed', assignment_seq: 1 });
  });

  it('refuses a clue into itself, a clue merged elsewhere, a survivor merged away and clues of two corps, changing nothing', async () => {
    const a = await insertClue();
    const b = await insertClue();
    const c = await insertClue();
    await mergeAndWait({ survivorId: a.id, mergedIds: [b.id] });
    const d = await insertClue();
    const e = await insertClue();
    await mirrorCustomer(db, uid('corp-x-'), { clue_id: d.id });
    await mirrorCustomer(db, uid('corp-y-'), { clue_id: e.id });
    const before = await snapshot([a.id, b.id, c.id, d.id, e.id]);
    const merges = await db('clue_merge').count<{ count: string }[]>('* as count');
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ survivorId: c.id, mergedIds: [c.id] }, 400, '合并到它自己'],
      [{ survivorId: c.id, mergedIds: [b.id] }, 409, '已合并到另一条线索'],
      [{ survivorId: b.id, mergedIds: [c.id] }, 409, '不能作为合并目标'],
      [{ survivorId: d.id, mergedIds: [e.id] }, 409, '不同企业'],
      [{ survivorId: c.id, mergedIds: ['999999999'] }, 404, '不存在'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post<unknown>('/admin/clue/merge', body);
      expect([body, res.status]).toEqual([body, status]);
      expect(res.body.msg).toContain(code);
    }
    expect(await snapshot([a.id, b.id, c.id, d.id, e.id])).toEqual(before);
    expect(await db('clue_merge').count<{ count: string }[]>('* as count')).toEqual(merges);
  });
});

/** A worker of its own (own task queue and API), so killing it leaves the shared system alone. */
describe('a merge survives a worker crash', () => {
  let temporal: Client;
  let system: TestSystem;
  beforeAll(async () => {
    temporal = new Client({ connection: await Connection.connect({ address: sharedTemporalAddress }) });
    system = new TestSystem({
      name: 'merge-crash',
      temporalAddress: sharedTemporalAddress,
      apiPort: CLUE_MERGE_API_PORT,
      taskQueue: 'test-merge-crash',
      // Holds the merge after its first clue, so the kill lands between two steps every time.
      env: { CLUE_MERGE_TEST_HOLD_STEPS: '1' },
    });
    await system.start();
  }, 180_000);
  afterAll(async () => {
    await system.stop();
    await temporal.connection.close();
  });

  it('resumes after SIGKILL mid-merge and moves every item exactly once', async () => {
    const admin = await createAdmin(db, system.baseUrl, { corpId: uid('corp-') });
    const g = await seedSelfTagGroup(db, uid('corp-'), { tags: [{ name: 'k1' }, { name: 'k2' }] });
    const [t1, t2] = g.tagIds as [string, string];
    const survivor = await insertClue();
    const first = await insertClue({ wechat: 'wx_one' });
    const second = await insertClue({ wechat: 'wx_one', email: 'two@example.com' });
    await db('clue_self_tag').insert([
      { clue_id: first.id, tag_id: t1, cuser: 'test' },
      { clue_id: second.id, tag_id: t1, cuser: 'test' },
      { clue_id: second.id, tag_id: t2, cuser: 'test' },
    ]);
    await db('clue_follow_up').insert([
      { clue_id: first.id, content: '一', cuser: 'test' },
      { clue_id: second.id, content: '二', cuser: 'test' },
    ]);
    const started = await call<MergeReport>(system.baseUrl, 'POST', '/admin/clue/merge', {
      token: admin.token,
      body: { survivorId: survivor.id, mergedIds: [first.id, second.id] },
    });
    expect(started.status).toBe(200);
    const handle = temporal.workflow.getHandle(started.body.data.workflowId);
    await waitFor('the merge to hold after its first clue', async () => {
      const p = await handle.query(mergeProgressQuery);
      return p.status === 'held' ? p : undefined;
    });
    const held = await get<MergeReport>(`/admin/clue/mergeResult?mergeId=${started.body.data.mergeId}`);
    expect(held.body.data.items.map((i) => i.done)).toEqual([true, false]);
    await system.stopWorker('SIGKILL');
    await system.startWorker();
    await handle.signal(releaseMergeSignal);
    const result = await handle.result();
    expect(result.status).toBe('done');

    expect(
      (await db('clue_merge_item').where({ merge_id: started.body.data.mergeId }).orderBy('position')).map(
        (i: { moved: unknown; done_at: Date | null }) => [i.moved, i.done_at !== null],
      ),
    ).toEqual([
      [{ contacts: 2, tags: 1, followUps: 1, customers: 0, assignments: 0, fields: [] }, true],
      [{ contacts: 2, tags: 1, followUps: 1, customers: 0, assignments: 0, fields: [] }, true],
    ]);
    const contacts = (await db('clue_contact').where({ clue_id: survivor.id })) as Array<{
      type: string;
      value_key: string;
    }>;
    expect(contacts.map((c) => `${c.type}:${c.value_key}`).sort()).toEqual(
      [
        `phone:${survivor.phone}`,
        `phone:${first.phone}`,
        `phone:${second.phone}`,
        'wechat:wx_one',
        'email:two@example.com',
      ].sort(),
    );
    expect(await db('clue_self_tag').where({ clue_id: survivor.id }).count<{ count: string }[]>('* as count')).toEqual([
      { count: '2' },
    ]);
    expect(await db('clue_follow_up').where({ clue_id: survivor.id }).count<{ count: string }[]>('* as count')).toEqual(
      [{ count: '2' }],
    );
    const events = (await db('clue_event')
      .where({ clue_id: survivor.id, kind: 'merged_from' })
      .orderBy('id')) as Array<{
      detail: { mergedClueId: string };
    }>;
    expect(events.map((e) => e.detail.mergedClueId)).toEqual([first.id, second.id]);
    expect(
      (await db('clue').whereIn('id', [first.id, second.id]).orderBy('id')).map((c: { merged_into_clue_id: string }) =>
        String(c.merged_into_clue_id),
      ),
    ).toEqual([survivor.id, survivor.id]);
  }, 180_000);
});
