import type { Db } from '../../src/db/knex';
import { bumpGrantVersion } from '../../src/db/queries/access';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, createPartner, testDb, uid } from '../helpers/factories';
import { call, type ApiResponse } from '../helpers/http';
import { mirrorCustomer, mirrorRelation } from '../helpers/mirror-org';
import { seedSelfTagGroup } from '../helpers/mirror-tags-groups';

interface TagOn {
  place: 'clue' | 'customer';
  clueId: string | null;
  customerId: string | null;
  externalUserid: string | null;
  customerName: string | null;
  tagId: string;
  tagName: string;
  groupId: string;
  groupName: string;
  ctime: string;
  cuser: string | null;
}
interface Changes {
  clues: Array<{ clueId: string; tagIds: string[] }>;
  customers: Array<{ customerId: string; tagIds: string[] }>;
}
interface TimelineEntry {
  kind: string;
  detail: { place: string; customerId?: string; reason?: string; tags: Array<{ id: string; name: string }> } | null;
  cuser: string | null;
}

let db: Db;
let partnerId: string;
beforeAll(async () => {
  db = testDb();
  partnerId = String((await createPartner(db)).partnerId);
});
afterAll(async () => db.destroy());

async function insertClue(owner: string | null = null): Promise<string> {
  const [row] = (await db('clue')
    .insert({
      partner_id: partnerId,
      business_id: uid('biz-'),
      link_man_name: '王五',
      link_man_tel: '13700137000',
      phone_normalized: '13700137000',
      status: owner ? 'assigned' : 'pool',
      distribution_state: 'started',
      owner_userid: owner,
      cuser: 'test',
    })
    .returning('id')) as Array<{ id: string }>;
  return row!.id;
}

function apiOf(token: string) {
  return {
    post: <T>(path: string, body: unknown, headers: Record<string, string> = {}) =>
      call<T>(sharedApiUrl, 'POST', path, { token, body, headers }),
    timeline: async (clueId: string): Promise<TimelineEntry[]> => {
      const res = await call<{ timeline: TimelineEntry[] }>(
        sharedApiUrl,
        'GET',
        `/admin/clue/detail?clueId=${clueId}`,
        {
          token,
        },
      );
      expect(res.status).toBe(200);
      return res.body.data.timeline.filter((e) => e.kind.startsWith('system_tags'));
    },
  };
}

const clueTagIds = async (clueId: string) =>
  (
    (await db('clue_self_tag').where({ clue_id: clueId }).orderBy('tag_id').select('tag_id')) as Array<{
      tag_id: string;
    }>
  ).map((r) => String(r.tag_id));
const customerTagIds = async (corpId: string, externalUserid: string) =>
  (
    (await db('customer_tag')
      .where({ corp_id: corpId, external_userid: externalUserid, tag_source: 'self', userid: '', is_del: 0 })
      .orderBy('tag_id')
      .select('tag_id')) as Array<{ tag_id: string }>
  ).map((r) => r.tag_id);
const summary = (list: TagOn[]) => list.map((t) => [t.place, t.clueId, t.customerId, t.tagName, t.groupName]);
const sorted = (ids: string[]) => [...ids].sort((a, b) => Number(a) - Number(b));

describe('system tags on clues and customers', () => {
  it('adds to many clues and customers at once, idempotently, shows them on both sides and records who and which', async () => {
    const corpId = uid('corp-');
    const admin = await createAdmin(db, sharedApiUrl, { corpId });
    const api = apiOf(admin.token);
    const g = await seedSelfTagGroup(db, corpId, {
      name: '意向',
      tags: [{ name: '高' }, { name: '中' }, { name: '低' }],
    });
    const [high, mid, low] = g.tagIds as [string, string, string];
    const [clueA, clueB] = [await insertClue(), await insertClue()];
    const customer = await mirrorCustomer(db, corpId, { name: '客户甲', clue_id: clueA });

    const added = await api.post<Changes>('/admin/clueTag/batchAdd', {
      clueIds: [clueA, clueB],
      customerIds: [String(customer.id)],
      tagIds: [high, mid],
    });
    expect(added.status).toBe(200);
    expect(added.body.data).toEqual({
      clues: [
        { clueId: clueA, tagIds: [high, mid] },
        { clueId: clueB, tagIds: [high, mid] },
      ],
      customers: [{ customerId: String(customer.id), tagIds: [high, mid] }],
    });
    // Adding again (with one new tag) adds only the new one, stores each pair once, and records only that.
    const again = await api.post<Changes>('/admin/clueTag/batchAdd', { clueIds: [clueA], tagIds: [mid, low] });
    expect(again.body.data).toEqual({ clues: [{ clueId: clueA, tagIds: [low] }], customers: [] });
    const twice = await api.post<Changes>('/admin/clueTag/batchAdd', { clueIds: [clueA], tagIds: [mid, low] });
    expect(twice.body.data.clues).toEqual([{ clueId: clueA, tagIds: [] }]);
    expect(await clueTagIds(clueA)).toEqual(sorted([high, mid, low]));
    expect(await clueTagIds(clueB)).toEqual(sorted([high, mid]));
    expect(await customerTagIds(corpId, customer.external_userid)).toEqual([high, mid].sort());

    // The clue's timeline: its own additions and its linked customer's, with who and which tags.
    const events = await api.timeline(clueA);
    expect(
      events.map((e) => [
        e.kind,
        e.detail?.place,
        e.detail?.customerId ?? null,
        e.detail?.tags.map((t) => t.name),
        e.cuser,
      ]),
    ).toEqual([
      ['system_tags_added', 'clue', null, ['高', '中'], admin.username],
      ['system_tags_added', 'customer', String(customer.id), ['高', '中'], admin.username],
      ['system_tags_added', 'clue', null, ['低'], admin.username],
    ]);
    expect((await api.timeline(clueB)).map((e) => e.detail?.tags.map((t) => t.id))).toEqual([[high, mid]]);

    // Shown on both: by clue, its tags then its customer's; by customer, the clue's then its own.
    const byClue = await api.post<{ list: TagOn[] }>('/admin/clueTag/query', { clueId: clueA });
    expect(byClue.status).toBe(200);
    expect(summary(byClue.body.data.list)).toEqual([
      ['clue', clueA, null, '高', '意向'],
      ['clue', clueA, null, '中', '意向'],
      ['clue', clueA, null, '低', '意向'],
      ['customer', clueA, String(customer.id), '高', '意向'],
      ['customer', clueA, String(customer.id), '中', '意向'],
    ]);
    expect(byClue.body.data.list[3]).toMatchObject({
      externalUserid: customer.external_userid,
      customerName: '客户甲',
      cuser: admin.username,
    });
    const byCustomer = await api.post<{ list: TagOn[] }>('/admin/clueTag/query', { customerId: String(customer.id) });
    expect(summary(byCustomer.body.data.list)).toEqual([
      ['clue', clueA, null, '高', '意向'],
      ['clue', clueA, null, '中', '意向'],
      ['clue', clueA, null, '低', '意向'],
      ['customer', clueA, String(customer.id), '高', '意向'],
      ['customer', clueA, String(customer.id), '中', '意向'],
    ]);
    const filtered = await api.post<{ list: TagOn[] }>('/admin/clueTag/query', { clueId: clueA, tagIds: [low] });
    expect(summary(filtered.body.data.list)).toEqual([['clue', clueA, null, '低', '意向']]);
    const byB = await api.post<{ list: TagOn[] }>('/admin/clueTag/query', { clueId: clueB });
    expect(byB.body.data.list.map((t) => t.place)).toEqual(['clue', 'clue']);

    // Concurrent identical adds: exactly one of them adds, each pair is stored and recorded once.
    const clueC = await insertClue();
    const racing = await Promise.all(
      Array.from({ length: 5 }, () =>
        api.post<Changes>('/admin/clueTag/batchAdd', {
          clueIds: [clueC],
          customerIds: [String(customer.id)],
          tagIds: [low],
        }),
      ),
    );
    expect(racing.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(racing.filter((r) => r.body.data.clues[0]!.tagIds.length > 0)).toHaveLength(1);
    expect(racing.filter((r) => r.body.data.customers[0]!.tagIds.length > 0)).toHaveLength(1);
    expect(await clueTagIds(clueC)).toEqual([low]);
    expect(await api.timeline(clueC)).toHaveLength(1);
    expect(await customerTagIds(corpId, customer.external_userid)).toEqual([high, mid, low].sort());

    const neither = await api.post('/admin/clueTag/query', {});
    expect(neither.status).toBe(400);
    const both = await api.post('/admin/clueTag/query', { clueId: clueA, customerId: String(customer.id) });
    expect(both.status).toBe(400);
    expect((await api.post('/admin/clueTag/query', { clueId: '999999999' })).status).toBe(404);
  });

  it('refuses unknown tags in one Chinese 400 and unknown targets with 404, storing nothing', async () => {
    const corpId = uid('corp-');
    const admin = await createAdmin(db, sharedApiUrl, { corpId });
    const api = apiOf(admin.token);
    const g = await seedSelfTagGroup(db, corpId, { tags: [{ name: 'a' }, { name: 'b' }] });
    const foreign = await seedSelfTagGroup(db, uid('corp-'), { tags: [{ name: 'x' }] });
    const [a, b] = g.tagIds as [string, string];
    await db('self_tag').where({ id: b }).update({ is_del: 1 });
    const clue = await insertClue();
    const customer = await mirrorCustomer(db, corpId, { clue_id: clue });
    const otherCorpCustomer = await mirrorCustomer(db, uid('corp-'));

    const unknown = await api.post(
      '/admin/clueTag/batchAdd',
      { clueIds: [clue], customerIds: [String(customer.id)], tagIds: [a, b, foreign.tagIds[0], '999999999'] },
      { 'accept-language': 'zh-CN' },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.msg).toContain('标签');
    for (const id of [b, foreign.tagIds[0]!, '999999999']) expect(unknown.body.msg).toContain(id);

    const missingClue = await api.post('/admin/clueTag/batchAdd', { clueIds: [clue, '999999999'], tagIds: [a] });
    expect(missingClue.status).toBe(404);
    expect(missingClue.body.msg).toContain('999999999');
    const foreignCustomer = await api.post('/admin/clueTag/batchAdd', {
      clueIds: [clue],
      customerIds: [String(otherCorpCustomer.id)],
      tagIds: [a],
    });
    expect(foreignCustomer.status).toBe(404);
    expect((await api.post('/admin/clueTag/batchAdd', { tagIds: [a] })).status).toBe(400);
    expect((await api.post('/admin/clueTag/batchAdd', { clueIds: [clue], tagIds: [] })).status).toBe(400);

    expect(await clueTagIds(clue)).toEqual([]);
    expect(await customerTagIds(corpId, customer.external_userid)).toEqual([]);
    expect(await api.timeline(clue)).toEqual([]);

    const update = await api.post('/admin/clue/updateSystemTags', { clueId: clue, tagIds: [a, b] });
    expect(update.status).toBe(400);
    expect(await clueTagIds(clue)).toEqual([]);
    expect((await api.post('/admin/clueTag/delete', { clueId: clue, tagId: foreign.tagIds[0] })).status).toBe(400);
  });

  it('removes one or several, replaces a clue’s or a customer’s own tags, and deleting a self tag takes it off clues', async () => {
    const corpId = uid('corp-');
    const admin = await createAdmin(db, sharedApiUrl, { corpId });
    const api = apiOf(admin.token);
    const g = await seedSelfTagGroup(db, corpId, {
      name: '组',
      tags: [{ name: 't1' }, { name: 't2' }, { name: 't3' }],
    });
    const [t1, t2, t3] = g.tagIds as [string, string, string];
    const [clueA, clueB] = [await insertClue(), await insertClue()];
    const customer = await mirrorCustomer(db, corpId, { clue_id: clueA });
    const cid = String(customer.id);
    await api.post('/admin/clueTag/batchAdd', { clueIds: [clueA, clueB], customerIds: [cid], tagIds: [t1, t2, t3] });

    const one = await api.post<{ removed: boolean }>('/admin/clueTag/delete', { clueId: clueA, tagId: t1 });
    expect(one.status).toBe(200);
    expect(one.body.data).toEqual({ removed: true });
    expect(
      (await api.post<{ removed: boolean }>('/admin/clueTag/delete', { clueId: clueA, tagId: t1 })).body.data,
    ).toEqual({ removed: false });
    expect(await clueTagIds(clueA)).toEqual(sorted([t2, t3]));
    const onCustomer = await api.post<{ removed: boolean }>('/admin/clueTag/delete', { customerId: cid, tagId: t3 });
    expect(onCustomer.body.data).toEqual({ removed: true });
    expect(await customerTagIds(corpId, customer.external_userid)).toEqual([t1, t2].sort());
    expect((await api.post('/admin/clueTag/delete', { clueId: clueA, customerId: cid, tagId: t2 })).status).toBe(400);

    const batch = await api.post<Changes>('/admin/clueTag/batchDelete', {
      clueIds: [clueA, clueB],
      customerIds: [cid],
      tagIds: [t1, t2],
    });
    expect(batch.body.data).toEqual({
      clues: [
        { clueId: clueA, tagIds: [t2] },
        { clueId: clueB, tagIds: [t1, t2] },
      ],
      customers: [{ customerId: cid, tagIds: [t1, t2] }],
    });
    expect(await clueTagIds(clueA)).toEqual([t3]);
    expect(await clueTagIds(clueB)).toEqual([t3]);
    expect(await customerTagIds(corpId, customer.external_userid)).toEqual([]);

    // Replace: only the target's own tags change; its linked customer keeps its (empty) set.
    const replaced = await api.post<{ added: string[]; removed: string[]; list: TagOn[] }>(
      '/admin/clue/updateSystemTags',
      { clueId: clueA, tagIds: [t1, t2] },
    );
    expect(replaced.status).toBe(200);
    expect(replaced.body.data.added).toEqual([t1, t2]);
    expect(replaced.body.data.removed).toEqual([t3]);
    expect(summary(replaced.body.data.list)).toEqual([
      ['clue', clueA, null, 't1', '组'],
      ['clue', clueA, null, 't2', '组'],
    ]);
    const customerSet = await api.post<{ added: string[]; removed: string[]; list: TagOn[] }>(
      '/admin/clue/updateSystemTags',
      { customerId: cid, tagIds: [t3] },
    );
    expect(customerSet.body.data.added).toEqual([t3]);
    expect(await customerTagIds(corpId, customer.external_userid)).toEqual([t3]);
    expect(await clueTagIds(clueA)).toEqual(sorted([t1, t2]));
    const cleared = await api.post<{ added: string[]; removed: string[] }>('/admin/clue/updateSystemTags', {
      clueId: clueB,
      tagIds: [],
    });
    expect(cleared.body.data).toMatchObject({ added: [], removed: [t3] });
    expect(await clueTagIds(clueB)).toEqual([]);
    const same = await api.post<{ added: string[]; removed: string[] }>('/admin/clue/updateSystemTags', {
      clueId: clueA,
      tagIds: [t2, t1],
    });
    expect(same.body.data).toMatchObject({ added: [], removed: [] });
    expect((await api.post('/admin/clue/updateSystemTags', { tagIds: [t1] })).status).toBe(400);

    const kinds = (await api.timeline(clueA)).map((e) => [
      e.kind,
      e.detail?.place,
      e.detail?.tags.map((t) => t.name).join(','),
    ]);
    expect(kinds).toEqual([
      ['system_tags_added', 'clue', 't1,t2,t3'],
      ['system_tags_added', 'customer', 't1,t2,t3'],
      ['system_tags_removed', 'clue', 't1'],
      ['system_tags_removed', 'customer', 't3'],
      ['system_tags_removed', 'clue', 't2'],
      ['system_tags_removed', 'customer', 't1,t2'],
      ['system_tags_removed', 'clue', 't3'],
      ['system_tags_added', 'clue', 't1,t2'],
      ['system_tags_added', 'customer', 't3'],
    ]);

    // Deleting the self tag itself takes it off every clue, recorded with the reason.
    const deleted = await api.post('/admin/selfTag/deleteTag', { tagIds: [t1] });
    expect(deleted.status).toBe(200);
    expect(await clueTagIds(clueA)).toEqual([t2]);
    const last = (await api.timeline(clueA)).at(-1);
    expect(last).toMatchObject({ kind: 'system_tags_removed', detail: { place: 'clue', reason: 'tag_deleted' } });
    expect(last?.detail?.tags.map((t) => t.id)).toEqual([t1]);
  });

  it('keeps to the admin’s data scope: clues and customers outside it are 404 and linked ones add nothing', async () => {
    const corpId = uid('corp-');
    const mine = uid('emp-mine-');
    const theirs = uid('emp-theirs-');
    const key = uid('tags_role_');
    const [role] = (await db('sys_role')
      .insert({ name: key, role_key: key, data_scope: 5, cuser: 'test' })
      .returning('id')) as Array<{ id: string }>;
    const permissions = [
      'clueTag:query',
      'clueTag:batchAdd',
      'clueTag:delete',
      'clueTag:delete2',
      'clueDetail:updateSystemTags',
    ];
    const menus = (await db('sys_menu').whereIn('permission', permissions).where({ is_del: 0 }).select('id')) as Array<{
      id: string;
    }>;
    expect(menus).toHaveLength(permissions.length);
    await db('sys_role_menu').insert(menus.map((m) => ({ role_id: role!.id, menu_id: m.id })));
    const scoped = await createAdmin(db, sharedApiUrl, { corpId, roleKeys: [key] });
    const [dept] = (await db('sys_dept')
      .insert({ name: uid('部门'), cuser: 'test' })
      .returning('id')) as Array<{
      id: string;
    }>;
    await db('sys_user').where({ id: scoped.id }).update({ dept_id: dept!.id, wecom_userid: mine });
    await bumpGrantVersion(db);
    const api = apiOf(scoped.token);
    const superApi = apiOf((await createAdmin(db, sharedApiUrl, { corpId })).token);

    const g = await seedSelfTagGroup(db, corpId, { tags: [{ name: 's1' }] });
    const [tag] = g.tagIds as [string];
    const myClue = await insertClue(mine);
    const theirClue = await insertClue(theirs);
    const myCustomer = await mirrorCustomer(db, corpId, { clue_id: myClue });
    await mirrorRelation(db, corpId, { external_userid: myCustomer.external_userid, userid: mine });
    // Linked to my clue, but followed by someone outside my scope.
    const hiddenCustomer = await mirrorCustomer(db, corpId, { clue_id: myClue });
    await mirrorRelation(db, corpId, { external_userid: hiddenCustomer.external_userid, userid: theirs });

    const outOfScope = await api.post<unknown>('/admin/clueTag/batchAdd', {
      clueIds: [myClue, theirClue],
      tagIds: [tag],
    });
    expect(outOfScope.status).toBe(404);
    expect(await clueTagIds(myClue)).toEqual([]);
    const hidden = await api.post('/admin/clueTag/batchAdd', {
      customerIds: [String(hiddenCustomer.id)],
      tagIds: [tag],
    });
    expect(hidden.status).toBe(404);
    const checks: Array<Promise<ApiResponse>> = [
      api.post('/admin/clueTag/query', { clueId: theirClue }),
      api.post('/admin/clueTag/query', { customerId: String(hiddenCustomer.id) }),
      api.post('/admin/clueTag/delete', { clueId: theirClue, tagId: tag }),
      api.post('/admin/clueTag/batchDelete', { clueIds: [theirClue], tagIds: [tag] }),
      api.post('/admin/clue/updateSystemTags', { clueId: theirClue, tagIds: [tag] }),
    ];
    for (const res of await Promise.all(checks)) expect(res.status).toBe(404);

    const ok = await api.post<Changes>('/admin/clueTag/batchAdd', {
      clueIds: [myClue],
      customerIds: [String(myCustomer.id)],
      tagIds: [tag],
    });
    expect(ok.status).toBe(200);
    expect(
      (await superApi.post('/admin/clueTag/batchAdd', { customerIds: [String(hiddenCustomer.id)], tagIds: [tag] }))
        .status,
    ).toBe(200);
    const seen = await api.post<{ list: TagOn[] }>('/admin/clueTag/query', { clueId: myClue });
    expect(seen.body.data.list.map((t) => [t.place, t.customerId])).toEqual([
      ['clue', null],
      ['customer', String(myCustomer.id)],
    ]);
    const all = await superApi.post<{ list: TagOn[] }>('/admin/clueTag/query', { clueId: myClue });
    expect(all.body.data.list.map((t) => t.customerId)).toEqual([
      null,
      String(myCustomer.id),
      String(hiddenCustomer.id),
    ]);
  });
});
