import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, createPartner, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import {
  seedCustomer,
  seedEmployee,
  seedGroupChat,
  seedGroupMember,
  seedRelation,
  seedSelfTagGroup,
} from '../helpers/mirror-tags-groups';
import { control, createSimulatedCorp, type SimulatedCorp } from '../helpers/wecom';

interface Entry {
  id: string;
  kind: string;
  time: string;
  actor: string | null;
  actorName: string | null;
  text: string;
  clueId: string | null;
  externalUserid: string | null;
}
interface Page<T> {
  list: T[];
  total: number;
}
interface SimState {
  customers: Array<{
    external_contact: { external_userid: string; name: string };
    follow_user: Array<{ userid: string; tags?: Array<{ tag_id?: string }> }>;
  }>;
  users: Array<{ userid: string; name: string }>;
}
interface Portrait {
  corpTags: Array<{
    groupName: string;
    tags: Array<{
      tagId: string;
      tagName: string;
      appliedOn: Array<{ userid: string; employeeName: string | null; appliedBy: string | null }>;
    }>;
  }>;
  systemTags: Array<{
    groupName: string;
    tags: Array<{ tagName: string; appliedOn: Array<{ place: string; appliedBy: string | null }> }>;
  }>;
}

let db: Db;
let partnerId: string;

beforeAll(async () => {
  db = testDb();
  partnerId = String((await createPartner(db)).partnerId);
});
afterAll(async () => db.destroy());

async function adminOf(corpId: string) {
  const admin = await createAdmin(db, sharedApiUrl, { corpId });
  return {
    username: admin.username,
    get: <T>(path: string) => call<T>(sharedApiUrl, 'GET', path, { token: admin.token }),
    post: <T>(path: string, body: unknown = {}) => call<T>(sharedApiUrl, 'POST', path, { token: admin.token, body }),
    postZh: <T>(path: string, body: unknown) =>
      call<T>(sharedApiUrl, 'POST', path, { token: admin.token, body, headers: { 'accept-language': 'zh-CN' } }),
  };
}

const simState = (sim: SimulatedCorp) =>
  control<SimState>('GET', `/corps/${sim.corpId}/state?sections=customers,users`);

/** A simulator customer followed by two employees, mirrored as a sync would have left it. */
async function mirroredCustomerWithTwoFollowers(sim: SimulatedCorp) {
  const state = await simState(sim);
  const customer = state.customers.find((c) => c.follow_user.length >= 2) ?? state.customers[0]!;
  const externalUserid = customer.external_contact.external_userid;
  let followers = customer.follow_user.map((f) => f.userid).slice(0, 2);
  if (followers.length < 2) {
    const other = state.users.find((u) => !followers.includes(u.userid))!.userid;
    await control('POST', `/corps/${sim.corpId}/actions/customer-adds-employee`, {
      externalUserid,
      userid: other,
      silent: true,
    });
    followers = [...followers, other];
  }
  const names = new Map(state.users.map((u) => [u.userid, u.name]));
  if (!(await db('wecom_customer').where({ corp_id: sim.corpId, external_userid: externalUserid }).first())) {
    await seedCustomer(db, sim.corpId, { externalUserid, name: customer.external_contact.name });
  }
  for (const userid of followers) {
    if (!(await db('wecom_employee').where({ corp_id: sim.corpId, userid }).first())) {
      await seedEmployee(db, sim.corpId, { userid, name: names.get(userid) ?? userid });
    }
    if (!(await db('wecom_relation').where({ corp_id: sim.corpId, userid, external_userid: externalUserid }).first())) {
      await seedRelation(db, sim.corpId, { externalUserid, userid });
    }
  }
  const row = (await db('wecom_customer')
    .where({ corp_id: sim.corpId, external_userid: externalUserid })
    .first('id')) as {
    id: string;
  };
  return { customerId: String(row.id), externalUserid, name: customer.external_contact.name, followers, names };
}

async function insertClue(): Promise<string> {
  const [row] = (await db('clue')
    .insert({
      partner_id: partnerId,
      business_id: uid('biz-'),
      link_man_name: '赵六',
      link_man_tel: '13600136000',
      phone_normalized: '13600136000',
      status: 'pool',
      distribution_state: 'started',
      cuser: 'partner',
    })
    .returning('id')) as Array<{ id: string }>;
  return row!.id;
}

const wecomTagsOf = async (sim: SimulatedCorp, externalUserid: string, userid: string) =>
  (await simState(sim)).customers
    .find((c) => c.external_contact.external_userid === externalUserid)!
    .follow_user.find((f) => f.userid === userid)!
    .tags!.map((t) => t.tag_id!)
    .sort();

describe('customer detail: timeline, portrait tags and corp tags', () => {
  it('tells one ordered history for the clue and its customer, paged either way, in Chinese', async () => {
    const sim = await createSimulatedCorp(db, { customers: 4, employees: 3 });
    const api = await adminOf(sim.corpId);
    const c = await mirroredCustomerWithTwoFollowers(sim);
    const clueId = await insertClue();
    const [first, second] = c.followers as [string, string];

    expect((await api.post('/admin/clue/linkWecomCustomer', { clueId, customerId: c.customerId })).status).toBe(200);
    const followed = await api.post('/admin/clue/update', {
      id: clueId,
      followUp: { content: '电话沟通，有意向', method: '电话' },
    });
    expect(followed.status).toBe(200);
    const selfTags = await seedSelfTagGroup(db, sim.corpId, { name: '意向度', tags: [{ name: '高意向' }] });
    expect(
      (await api.post('/admin/clue/updateSystemTags', { customerId: c.customerId, tagIds: selfTags.tagIds })).status,
    ).toBe(200);
    const group = await api.post<{ tags: Array<{ tagId: string }> }>('/admin/corpTag/saveGroup', {
      groupName: uid('级别').slice(0, 30),
      tags: [{ name: 'VIP' }, { name: '普通' }],
    });
    expect(group.status).toBe(200);
    const [vip] = group.body.data.tags.map((t) => t.tagId) as [string, string];
    expect(
      (await api.post('/admin/clue/updateCorpTags', { externalUserid: c.externalUserid, userid: first, tagIds: [vip] }))
        .status,
    ).toBe(200);
    const chat = await seedGroupChat(db, sim.corpId, { name: '老客户群' });
    await seedGroupMember(db, sim.corpId, {
      chatId: chat.chatId,
      memberId: c.externalUserid,
      joinTime: new Date(Date.now() + 1000),
      quitTime: new Date(Date.now() + 2000),
    });
    await db('wecom_relation')
      .where({ corp_id: sim.corpId, external_userid: c.externalUserid, userid: second })
      .update({ status: 2, del_time: new Date(Date.now() + 3000), del_source: 'customer' });

    const asc = await api.get<Page<Entry>>(`/admin/clue/timeline?clueId=${clueId}&order=asc&pageSize=50`);
    expect(asc.status).toBe(200);
    const kinds = asc.body.data.list.map((e) => e.kind);
    // Relations were mirrored before the clue existed; everything after follows in the order it happened.
    expect(kinds.filter((k) => k === 'wecom_added')).toHaveLength(2);
    expect(kinds.slice(kinds.indexOf('intake'))).toEqual([
      'intake',
      'wecom_customer_linked',
      'follow_up',
      'system_tags_added',
      'corp_tags_changed',
      'group_joined',
      'group_left',
      'wecom_ended',
    ]);
    const text = (kind: string) => asc.body.data.list.find((e) => e.kind === kind)!;
    expect(text('follow_up').text).toContain('电话沟通，有意向');
    expect(text('follow_up').actor).toBe(api.username);
    expect(text('system_tags_added').text).toContain('高意向');
    expect(text('corp_tags_changed').text).toContain('VIP');
    expect(text('corp_tags_changed').text).toContain(c.names.get(first)!);
    expect(text('group_left').text).toContain('老客户群');
    expect(text('wecom_ended').text).toBe(`客户删除了 ${c.names.get(second)}`);
    expect(text('wecom_customer_linked').text).toContain(c.name);
    expect(asc.body.data.total).toBe(kinds.length);

    // The customer's timeline is the same history; desc is asc reversed; pages tile it.
    const fromCustomer = await api.get<Page<Entry>>(
      `/admin/clue/timeline?customerId=${c.customerId}&order=asc&pageSize=50`,
    );
    expect(fromCustomer.body.data.list.map((e) => e.id)).toEqual(asc.body.data.list.map((e) => e.id));
    const desc = await api.get<Page<Entry>>(`/admin/clue/timeline?clueId=${clueId}&pageSize=50`);
    expect(desc.body.data.list.map((e) => e.id)).toEqual(asc.body.data.list.map((e) => e.id).reverse());
    const tiles: string[] = [];
    for (let pageNum = 1; pageNum <= Math.ceil(kinds.length / 3) + 1; pageNum++) {
      const page = await api.get<Page<Entry>>(
        `/admin/clue/timeline?clueId=${clueId}&order=asc&pageSize=3&pageNum=${pageNum}`,
      );
      expect(page.body.data.total).toBe(kinds.length);
      tiles.push(...page.body.data.list.map((e) => e.id));
    }
    expect(tiles).toEqual(asc.body.data.list.map((e) => e.id));
  });

  it('answers the portrait: corp tags per relation and system tags by group, with who applied them', async () => {
    const sim = await createSimulatedCorp(db, { customers: 4, employees: 3 });
    const api = await adminOf(sim.corpId);
    const c = await mirroredCustomerWithTwoFollowers(sim);
    const [first, second] = c.followers as [string, string];
    const group = await api.post<{ groupName: string; tags: Array<{ tagId: string }> }>('/admin/corpTag/saveGroup', {
      groupName: uid('来源').slice(0, 30),
      tags: [{ name: '广告' }, { name: '转介绍' }],
    });
    const [ad, referral] = group.body.data.tags.map((t) => t.tagId) as [string, string];
    expect(
      (
        await api.post('/admin/clue/updateCorpTags', {
          externalUserid: c.externalUserid,
          userid: first,
          tagIds: [ad, referral],
        })
      ).status,
    ).toBe(200);
    expect(
      (await api.post('/admin/clue/updateCorpTags', { externalUserid: c.externalUserid, userid: second, tagIds: [ad] }))
        .status,
    ).toBe(200);
    const selfTags = await seedSelfTagGroup(db, sim.corpId, { name: '阶段', tags: [{ name: '已报价' }] });
    await api.post('/admin/clue/updateSystemTags', { customerId: c.customerId, tagIds: selfTags.tagIds });

    const portrait = await api.get<Portrait>(`/admin/clue/portraitTags?customerId=${c.customerId}`);
    expect(portrait.status).toBe(200);
    const corpGroup = portrait.body.data.corpTags.find((g) => g.groupName === group.body.data.groupName)!;
    const uses = Object.fromEntries(corpGroup.tags.map((t) => [t.tagName, t.appliedOn.map((u) => u.userid).sort()]));
    expect(uses).toEqual({ 广告: [first, second].sort(), 转介绍: [first] });
    expect(corpGroup.tags[0]!.appliedOn[0]).toMatchObject({ appliedBy: api.username });
    expect(corpGroup.tags[0]!.appliedOn.map((u) => u.employeeName).sort()).toEqual(
      corpGroup.tags[0]!.appliedOn.map((u) => c.names.get(u.userid)).sort(),
    );
    expect(portrait.body.data.systemTags).toEqual([
      { groupId: selfTags.groupId, groupName: '阶段', tags: [expect.objectContaining({ tagName: '已报价' })] },
    ]);
    expect(portrait.body.data.systemTags[0]!.tags[0]!.appliedOn[0]).toMatchObject({
      place: 'customer',
      appliedBy: api.username,
    });

    const both = await api.get(`/admin/clue/portraitTags?customerId=${c.customerId}&clueId=1`);
    expect(both.status).toBe(400);
    const foreign = await adminOf(uid('corp-'));
    expect((await foreign.get(`/admin/clue/portraitTags?customerId=${c.customerId}`)).status).toBe(404);
  });

  it('sets corp tags in WeCom and the mirror per relation, calls nothing when they are right, and refuses unknown tags', async () => {
    const sim = await createSimulatedCorp(db, { customers: 4, employees: 3 });
    const api = await adminOf(sim.corpId);
    const c = await mirroredCustomerWithTwoFollowers(sim);
    const [first, second] = c.followers as [string, string];
    const group = await api.post<{ tags: Array<{ tagId: string }> }>('/admin/corpTag/saveGroup', {
      groupName: uid('行业').slice(0, 30),
      tags: [{ name: '教育' }, { name: '医疗' }, { name: '金融' }],
    });
    const [edu, med, fin] = group.body.data.tags.map((t) => t.tagId) as [string, string, string];
    const mirrorTags = async (userid: string) =>
      (
        (await db('customer_tag')
          .where({ corp_id: sim.corpId, external_userid: c.externalUserid, userid, tag_source: 'corp', is_del: 0 })
          .whereIn('tag_id', [edu, med, fin])
          .select('tag_id')) as Array<{ tag_id: string }>
      )
        .map((r) => r.tag_id)
        .sort();
    const ours = async (userid: string) =>
      (await wecomTagsOf(sim, c.externalUserid, userid)).filter((id) => [edu, med, fin].includes(id));

    // Without userid: every live relation gets the set.
    const set = await api.post<{ relations: Array<{ userid: string; added: string[]; removed: string[] }> }>(
      '/admin/clue/updateCorpTags',
      { externalUserid: c.externalUserid, tagIds: [edu, med] },
    );
    expect(set.status).toBe(200);
    expect(set.body.data.relations.map((r) => [r.userid, r.added.sort(), r.removed])).toEqual(
      [first, second].sort().map((u) => [u, [edu, med].sort(), []]),
    );
    for (const u of [first, second]) {
      expect(await ours(u)).toEqual([edu, med].sort());
      expect(await mirrorTags(u)).toEqual([edu, med].sort());
    }

    // One relation moves to another set: one add and one remove there, the other relation untouched.
    const moved = await api.post<{ relations: Array<{ added: string[]; removed: string[] }> }>(
      '/admin/clue/updateCorpTags',
      {
        externalUserid: c.externalUserid,
        userid: first,
        tagIds: [edu, fin],
      },
    );
    expect(moved.body.data.relations).toEqual([{ userid: first, added: [fin], removed: [med], tagIds: [edu, fin] }]);
    expect(await ours(first)).toEqual([edu, fin].sort());
    expect(await ours(second)).toEqual([edu, med].sort());
    const events = (await db('customer_event')
      .where({ corp_id: sim.corpId, external_userid: c.externalUserid, kind: 'corp_tags_changed' })
      .orderBy('id')
      .select('detail', 'cuser')) as Array<{
      detail: { userid: string; added: Array<{ name: string }>; removed: Array<{ name: string }> };
      cuser: string;
    }>;
    expect(events.slice(-1)[0]).toEqual({
      cuser: api.username,
      detail: {
        userid: first,
        added: [expect.objectContaining({ id: fin, name: '金融' })],
        removed: [expect.objectContaining({ id: med, name: '医疗' })],
      },
    });

    // Already right: nothing changes and nothing is recorded.
    const before = events.length;
    const same = await api.post<{ relations: Array<{ added: string[]; removed: string[] }> }>(
      '/admin/clue/updateCorpTags',
      {
        externalUserid: c.externalUserid,
        userid: first,
        tagIds: [fin, edu],
      },
    );
    expect(same.body.data.relations[0]).toMatchObject({ added: [], removed: [] });
    expect(
      await db('customer_event').where({
        corp_id: sim.corpId,
        external_userid: c.externalUserid,
        kind: 'corp_tags_changed',
      }),
    ).toHaveLength(before);

    // An unknown tag: one 400, nothing changed in WeCom or the mirror.
    const unknown = await api.postZh('/admin/clue/updateCorpTags', {
      externalUserid: c.externalUserid,
      tagIds: [edu, 'etNOPE'],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.msg).toMatch(/标签/);
    expect(await ours(first)).toEqual([edu, fin].sort());
    expect(await ours(second)).toEqual([edu, med].sort());

    // Unknown customer: 404.
    expect((await api.post('/admin/clue/updateCorpTags', { externalUserid: 'wmNOPE', tagIds: [] })).status).toBe(404);
  });
});
