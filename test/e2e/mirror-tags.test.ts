import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import { sharedApiUrl, sharedTemporalAddress } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call, type ApiResponse } from '../helpers/http';
import {
  seedCorpTagGroup,
  seedCustomer,
  seedCustomerTag,
  seedEmployee,
  seedRelation,
  seedSelfTagGroup,
} from '../helpers/mirror-tags-groups';
import { control, createSimulatedCorp, type SimulatedCorp } from '../helpers/wecom';

interface TagView {
  tagId: string;
  groupId: string;
  groupName: string | null;
  name: string;
  order: number;
}
interface GroupWithTags {
  groupId: string;
  groupName: string;
  order: number;
  tags: TagView[];
}
interface SelfTag {
  id: string;
  groupId: string;
  groupName: string;
  name: string;
  order: number;
}
interface SelfGroup {
  id: string;
  groupName: string;
  order: number;
  tags: SelfTag[];
}
interface CustomerTag {
  id: string;
  externalUserid: string;
  customerName: string | null;
  userid: string | null;
  employeeName: string | null;
  tagSource: string;
  tagId: string;
  tagName: string | null;
  groupId: string | null;
  groupName: string | null;
}
interface Page<T> {
  list: T[];
  total: number;
  pageNum: number;
  pageSize: number;
}
interface ErrorData {
  errors?: Array<{ field: string; message: string }>;
}
interface SimTagGroup {
  group_id: string;
  group_name: string;
  order: number;
  tag: Array<{ id: string; name: string; order: number }>;
}
interface SimState {
  tagGroups: SimTagGroup[];
  customers: Array<{
    external_contact: { external_userid: string; name: string };
    follow_user: Array<{ userid: string; tags?: Array<{ tag_id?: string }> }>;
  }>;
}

let db: Db;

beforeAll(() => {
  db = testDb();
});
afterAll(async () => db.destroy());

/** An admin bound to `corpId`, with GET/POST helpers carrying its token. */
async function adminOf(corpId: string) {
  const { token } = await createAdmin(db, sharedApiUrl, { corpId });
  return {
    get: <T>(path: string) => call<T>(sharedApiUrl, 'GET', path, { token }),
    post: <T>(path: string, body: unknown = {}) => call<T>(sharedApiUrl, 'POST', path, { token, body }),
  };
}

function expectFieldError(response: ApiResponse<unknown>, field: string): void {
  expect(response.status).toBe(400);
  expect(response.body.code).toBe('400');
  expect((response.body.data as ErrorData).errors?.map((e) => e.field)).toContain(field);
}

const liveCount = async (table: string, corpId: string) =>
  Number(((await db(table).where({ corp_id: corpId, is_del: 0 }).count({ n: '*' })) as [{ n: string }])[0].n);

describe('corp tags: reads and refusals decided before WeCom', () => {
  it('lists tags, groups and grouped tags in WeCom order, only live ones of the admin corp', async () => {
    const corp = uid('corp-');
    const other = uid('corp-');
    const api = await adminOf(corp);
    const low = await seedCorpTagGroup(db, corp, {
      name: '行业',
      order: 1,
      tags: [
        { name: '教育', order: 1 },
        { name: '金融', order: 5 },
      ],
    });
    const high = await seedCorpTagGroup(db, corp, { name: '意向', order: 9, tags: [{ name: '高', order: 2 }] });
    await seedCorpTagGroup(db, other, { name: '别家', order: 100, tags: [{ name: '别家标签' }] });
    await db('wecom_corp_tag').insert({
      corp_id: corp,
      tag_id: uid('et'),
      group_id: low.groupId,
      name: '已删除',
      is_del: 1,
    });

    const grouped = await api.get<GroupWithTags[]>('/admin/corpTag/groupedAll');
    expect(grouped.status).toBe(200);
    expect(grouped.body.data.map((g) => [g.groupId, g.groupName, g.tags.map((t) => t.name)])).toEqual([
      [high.groupId, '意向', ['高']],
      [low.groupId, '行业', ['金融', '教育']],
    ]);
    expect(grouped.body.data[1]!.tags[0]).toMatchObject({ tagId: low.tagIds[1], groupId: low.groupId, order: 5 });

    const all = await api.get<TagView[]>('/admin/corpTag/listAll');
    expect(all.body.data.map((t) => `${t.groupName}/${t.name}`)).toEqual(['意向/高', '行业/金融', '行业/教育']);

    const groups =
      await api.get<Array<{ groupId: string; groupName: string; order: number }>>('/admin/corpTag/groupsAll');
    expect(groups.body.data.map((g) => [g.groupName, g.order])).toEqual([
      ['意向', 9],
      ['行业', 1],
    ]);

    const byGroup = await api.get<TagView[]>(`/admin/corpTag/byGroup?groupId=${low.groupId}`);
    expect(byGroup.body.data.map((t) => t.tagId)).toEqual([low.tagIds[1], low.tagIds[0]]);
  });

  it('answers 404 for a group of another corp or an unknown group, 400 without groupId', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const foreign = await seedCorpTagGroup(db, uid('corp-'), { tags: [{ name: 'x' }] });
    const response = await api.get(`/admin/corpTag/byGroup?groupId=${foreign.groupId}`);
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('404');
    expect((await api.get('/admin/corpTag/byGroup?groupId=nope')).status).toBe(404);
    expectFieldError(await api.get('/admin/corpTag/byGroup'), 'groupId');
  });

  it('refuses an empty new group, a nameless one and bad names with 400 naming the field, storing nothing', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    expectFieldError(await api.post('/admin/corpTag/saveGroup', { groupName: '空组', tags: [] }), 'tags');
    expectFieldError(await api.post('/admin/corpTag/saveGroup', { groupName: '空组' }), 'tags');
    expectFieldError(await api.post('/admin/corpTag/saveGroup', { tags: [{ name: 'a' }] }), 'groupName');
    expectFieldError(
      await api.post('/admin/corpTag/saveGroup', { groupName: 'x'.repeat(31), tags: [{ name: 'a' }] }),
      'groupName',
    );
    expectFieldError(
      await api.post('/admin/corpTag/saveGroup', { groupName: 'g', tags: [{ name: 'a' }, { name: ' a ' }] }),
      'tags[1].name',
    );
    expectFieldError(
      await api.post('/admin/corpTag/saveGroup', { groupName: 'g', tags: [{ name: '  ' }] }),
      'tags[0].name',
    );
    expect(await liveCount('wecom_corp_tag_group', corp)).toBe(0);
    expect(await liveCount('wecom_corp_tag', corp)).toBe(0);
  });

  it('answers 404 for unknown or foreign tag and group ids and changes nothing', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const own = await seedCorpTagGroup(db, corp, { name: '自己的', tags: [{ name: 'A' }] });
    const foreign = await seedCorpTagGroup(db, uid('corp-'), { tags: [{ name: 'B' }] });

    expect((await api.post('/admin/corpTag/updateTag', { tagId: foreign.tagIds[0], name: 'x' })).status).toBe(404);
    const partlyUnknown = await api.post('/admin/corpTag/deleteTag', { tagIds: [own.tagIds[0], 'nope-tag'] });
    expect(partlyUnknown.status).toBe(404);
    expect(partlyUnknown.body.msg).toContain('nope-tag');
    expect((await api.post('/admin/corpTag/updateGroup', { groupId: foreign.groupId, name: 'x' })).status).toBe(404);
    expect((await api.post('/admin/corpTag/deleteGroup', { groupIds: [foreign.groupId] })).status).toBe(404);
    expect(
      (await api.post('/admin/corpTag/saveGroup', { groupId: foreign.groupId, tags: [{ name: 'C' }] })).status,
    ).toBe(404);
    expectFieldError(await api.post('/admin/corpTag/updateTag', { tagId: own.tagIds[0] }), 'name');
    expectFieldError(await api.post('/admin/corpTag/deleteTag', { tagIds: [] }), 'tagIds');
    expectFieldError(await api.post('/admin/corpTag/updateTag', { tagId: own.tagIds[0], order: -1 }), 'order');

    const stored = await db('wecom_corp_tag').where({ corp_id: corp }).select('name', 'is_del');
    expect(stored).toEqual([{ name: 'A', is_del: 0 }]);
    const foreignStored = await db('wecom_corp_tag_group').where({ group_id: foreign.groupId }).first('is_del');
    expect(foreignStored).toEqual({ is_del: 0 });
  });

  it('starts the corp tag sync as a workflow and answers its id', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const response = await api.post<{ workflowId: string }>('/admin/corpTag/sync');
    expect(response.status).toBe(200);
    expect(response.body.data.workflowId).toBe(`wecom-sync-corpTags-${corp}`);
    const connection = await Connection.connect({ address: sharedTemporalAddress });
    try {
      const handle = new Client({ connection }).workflow.getHandle(response.body.data.workflowId);
      const description = await handle.describe();
      expect(description.type).toBe('wecomFullSync');
      await handle.terminate('test done').catch(() => undefined);
    } finally {
      await connection.close();
    }
  });

  it('refuses corp tagging without userid, on an inactive relation, or with unknown tags, and stores nothing', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const externalUserid = await seedCustomer(db, corp);
    const userid = await seedEmployee(db, corp);
    await seedRelation(db, corp, { externalUserid, userid, status: 2 });
    const group = await seedCorpTagGroup(db, corp, { tags: [{ name: 'A' }] });

    expectFieldError(
      await api.post('/admin/customerTagging/save', { externalUserid, tagSource: 'corp', addTagIds: group.tagIds }),
      'userid',
    );
    const inactive = await api.post('/admin/customerTagging/save', {
      externalUserid,
      userid,
      tagSource: 'corp',
      addTagIds: group.tagIds,
    });
    expect(inactive.status).toBe(409);
    const noRelation = await api.post('/admin/customerTagging/save', {
      externalUserid,
      userid: 'nobody',
      tagSource: 'corp',
      addTagIds: group.tagIds,
    });
    expect(noRelation.status).toBe(404);
    await db('wecom_relation').where({ corp_id: corp, external_userid: externalUserid }).update({ status: 0 });
    const unknown = await api.post('/admin/customerTagging/save', {
      externalUserid,
      userid,
      tagSource: 'corp',
      addTagIds: [group.tagIds[0], 'et-unknown-1'],
    });
    expectFieldError(unknown, 'addTagIds');
    expect(unknown.body.msg).toContain('et-unknown-1');
    expect(await db('customer_tag').where({ corp_id: corp }).count({ n: '*' })).toEqual([{ n: '0' }]);
  });
});

describe('corp tags pushed to WeCom', () => {
  let sim: SimulatedCorp;
  let api: Awaited<ReturnType<typeof adminOf>>;
  const state = () => control<SimState>('GET', `/corps/${sim.corpId}/state`);
  const simGroup = async (groupId: string) => (await state()).tagGroups.find((g) => g.group_id === groupId);

  beforeEach(async () => {
    sim = await createSimulatedCorp(db, { seed: 7, customers: 5 });
    api = await adminOf(sim.corpId);
  });

  it('creates a group with its tags in WeCom and mirrors WeCom’s ids at once', async () => {
    const name = uid('意向-').slice(0, 30);
    const saved = await api.post<GroupWithTags>('/admin/corpTag/saveGroup', {
      groupName: name,
      order: 3,
      tags: [{ name: '高', order: 2 }, { name: '低' }],
    });
    expect(saved.status).toBe(200);
    expect(saved.body.data).toMatchObject({ groupName: name, order: 3 });
    expect(saved.body.data.tags.map((t) => t.name)).toEqual(['高', '低']);

    const inWecom = await simGroup(saved.body.data.groupId);
    expect(inWecom?.group_name).toBe(name);
    expect(inWecom?.tag.map((t) => t.id).sort()).toEqual(saved.body.data.tags.map((t) => t.tagId).sort());
    const mirrored = await db('wecom_corp_tag')
      .where({ corp_id: sim.corpId, group_id: saved.body.data.groupId, is_del: 0 })
      .orderBy('tag_order', 'desc')
      .select('tag_id', 'name');
    expect(mirrored).toEqual(saved.body.data.tags.map((t) => ({ tag_id: t.tagId, name: t.name })));
  });

  it('lets exactly one of concurrent saves of one new group name through; the others get 409', async () => {
    const name = uid('并发-').slice(0, 30);
    const responses = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        api.post<GroupWithTags>('/admin/corpTag/saveGroup', { groupName: name, tags: [{ name: `标签${i}` }] }),
      ),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    const winner = responses.find((r) => r.status === 200)!.body.data;
    expect(responses.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(['409', '409', '409']);

    const inWecom = (await state()).tagGroups.filter((g) => g.group_name === name);
    expect(inWecom.map((g) => [g.group_id, g.tag.map((t) => t.name)])).toEqual([
      [winner.groupId, winner.tags.map((t) => t.name)],
    ]);
    const stats = await control<{ apiCalls: { byPath: Record<string, number> } }>('GET', `/corps/${sim.corpId}/stats`);
    expect(stats.apiCalls.byPath['externalcontact/add_corp_tag']).toBe(1);
    expect(
      await db('wecom_corp_tag_group').where({ corp_id: sim.corpId, group_name: name, is_del: 0 }).select('group_id'),
    ).toEqual([{ group_id: winner.groupId }]);
    expect(
      await db('wecom_corp_tag').where({ corp_id: sim.corpId, group_id: winner.groupId, is_del: 0 }).select('name'),
    ).toEqual(winner.tags.map((t) => ({ name: t.name })));
  });

  it('renames a group and adds tags, renames and reorders a tag, in WeCom and in the mirror', async () => {
    const created = await api.post<GroupWithTags>('/admin/corpTag/saveGroup', {
      groupName: uid('g-').slice(0, 30),
      tags: [{ name: 'A' }],
    });
    const groupId = created.body.data.groupId;
    const renamed = await api.post<GroupWithTags>('/admin/corpTag/saveGroup', {
      groupId,
      groupName: '新名字',
      tags: [{ name: 'B', order: 7 }],
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.groupName).toBe('新名字');
    expect(renamed.body.data.tags.map((t) => t.name)).toEqual(['B', 'A']);
    const inWecom = await simGroup(groupId);
    expect(inWecom?.group_name).toBe('新名字');
    expect(inWecom?.tag.map((t) => t.name).sort()).toEqual(['A', 'B']);

    const tagA = created.body.data.tags[0]!.tagId;
    const updated = await api.post<TagView>('/admin/corpTag/updateTag', { tagId: tagA, name: 'A2', order: 9 });
    expect(updated.body.data).toMatchObject({ tagId: tagA, name: 'A2', order: 9, groupName: '新名字' });
    expect((await simGroup(groupId))?.tag.find((t) => t.id === tagA)).toMatchObject({ name: 'A2', order: 9 });
    expect(await db('wecom_corp_tag').where({ corp_id: sim.corpId, tag_id: tagA }).first('name', 'tag_order')).toEqual({
      name: 'A2',
      tag_order: '9',
    });

    const regrouped = await api.post<GroupWithTags>('/admin/corpTag/updateGroup', { groupId, order: 42 });
    expect(regrouped.body.data.order).toBe(42);
    expect((await simGroup(groupId))?.order).toBe(42);
  });

  it('turns WeCom’s refusals into 409/404 and leaves the mirror as it was', async () => {
    const created = await api.post<GroupWithTags>('/admin/corpTag/saveGroup', {
      groupName: uid('g-').slice(0, 30),
      tags: [{ name: 'A' }],
    });
    const groupId = created.body.data.groupId;
    // Changed in the WeCom console without a callback: the mirror does not know.
    await control('POST', `/corps/${sim.corpId}/actions/tags-created`, {
      silent: true,
      groupId,
      tags: [{ name: 'Z' }],
    });
    const duplicate = await api.post('/admin/corpTag/saveGroup', { groupId, tags: [{ name: 'Z' }] });
    expect(duplicate.status).toBe(409);
    expect(await db('wecom_corp_tag').where({ corp_id: sim.corpId, name: 'Z' }).first()).toBeUndefined();

    const tagA = created.body.data.tags[0]!.tagId;
    await control('POST', `/corps/${sim.corpId}/actions/tags-deleted`, { silent: true, tagIds: [tagA] });
    const gone = await api.post('/admin/corpTag/updateTag', { tagId: tagA, name: 'A3' });
    expect(gone.status).toBe(404);
    expect(await db('wecom_corp_tag').where({ corp_id: sim.corpId, tag_id: tagA }).first('name', 'is_del')).toEqual({
      name: 'A',
      is_del: 0,
    });

    const otherName = uid('o-').slice(0, 30);
    await control('POST', `/corps/${sim.corpId}/actions/tags-created`, {
      silent: true,
      groupName: otherName,
      tags: [{ name: 'O' }],
    });
    const renamed = await api.post('/admin/corpTag/updateGroup', { groupId, name: otherName });
    expect(renamed.status).toBe(409);
    expect(
      await db('wecom_corp_tag_group').where({ corp_id: sim.corpId, group_id: groupId }).first('group_name'),
    ).toEqual({
      group_name: created.body.data.groupName,
    });
  });

  it('deleting the last tag of a group removes the group, and customers lose the deleted tags', async () => {
    const created = await api.post<GroupWithTags>('/admin/corpTag/saveGroup', {
      groupName: uid('g-').slice(0, 30),
      tags: [{ name: 'A' }, { name: 'B' }],
    });
    const { groupId } = created.body.data;
    const [tagA, tagB] = created.body.data.tags.map((t) => t.tagId) as [string, string];
    const onCustomer = await seedCustomerTag(db, sim.corpId, {
      externalUserid: uid('wm'),
      userid: 'someone',
      tagSource: 'corp',
      tagId: tagA,
    });

    const first = await api.post<{ deletedTagIds: string[]; deletedGroupIds: string[] }>('/admin/corpTag/deleteTag', {
      tagIds: [tagA],
    });
    expect(first.body.data).toEqual({ deletedTagIds: [tagA], deletedGroupIds: [] });
    expect(await db('customer_tag').where({ id: onCustomer }).first('is_del')).toEqual({ is_del: 1 });
    expect((await simGroup(groupId))?.tag.map((t) => t.id)).toEqual([tagB]);

    const last = await api.post<{ deletedTagIds: string[]; deletedGroupIds: string[] }>('/admin/corpTag/deleteTag', {
      tagIds: [tagB],
    });
    expect(last.body.data).toEqual({ deletedTagIds: [tagB], deletedGroupIds: [groupId] });
    expect(await simGroup(groupId)).toBeUndefined();
    expect(await db('wecom_corp_tag_group').where({ corp_id: sim.corpId, group_id: groupId }).first('is_del')).toEqual({
      is_del: 1,
    });
    expect((await api.get<GroupWithTags[]>('/admin/corpTag/groupedAll')).body.data.map((g) => g.groupId)).not.toContain(
      groupId,
    );
  });

  it('deletes a group with its tags in WeCom and in the mirror', async () => {
    const created = await api.post<GroupWithTags>('/admin/corpTag/saveGroup', {
      groupName: uid('g-').slice(0, 30),
      tags: [{ name: 'A' }, { name: 'B' }],
    });
    const { groupId } = created.body.data;
    const deleted = await api.post<{ deletedTagIds: string[]; deletedGroupIds: string[] }>(
      '/admin/corpTag/deleteGroup',
      { groupIds: [groupId] },
    );
    expect(deleted.status).toBe(200);
    expect(deleted.body.data.deletedGroupIds).toEqual([groupId]);
    expect(deleted.body.data.deletedTagIds.sort()).toEqual(created.body.data.tags.map((t) => t.tagId).sort());
    expect(await simGroup(groupId)).toBeUndefined();
    expect(
      await db('wecom_corp_tag').where({ corp_id: sim.corpId, group_id: groupId, is_del: 0 }).count({ n: '*' }),
    ).toEqual([{ n: '0' }]);
  });

  it('marks corp tags on a relation in WeCom (mark_tag), then in the mirror; repeating changes nothing', async () => {
    const snapshot = await state();
    const customer = snapshot.customers.find((c) => c.follow_user.length > 0)!;
    const externalUserid = customer.external_contact.external_userid;
    const userid = customer.follow_user[0]!.userid;
    await seedCustomer(db, sim.corpId, { externalUserid, name: customer.external_contact.name });
    await seedRelation(db, sim.corpId, { externalUserid, userid });
    const created = await api.post<GroupWithTags>('/admin/corpTag/saveGroup', {
      groupName: uid('g-').slice(0, 30),
      tags: [{ name: 'A' }, { name: 'B' }],
    });
    const [tagA, tagB] = created.body.data.tags.map((t) => t.tagId) as [string, string];
    const wecomTags = async () =>
      (await state()).customers
        .find((c) => c.external_contact.external_userid === externalUserid)!
        .follow_user.find((f) => f.userid === userid)!
        .tags!.map((t) => t.tag_id)
        .filter((id) => id === tagA || id === tagB)
        .sort();

    const body = { externalUserid, userid, tagSource: 'corp', addTagIds: [tagA, tagB] };
    const saved = await api.post<{ tags: CustomerTag[] }>('/admin/customerTagging/save', body);
    expect(saved.status).toBe(200);
    expect(saved.body.data.tags.map((t) => t.tagId).sort()).toEqual([tagA, tagB].sort());
    expect(saved.body.data.tags[0]).toMatchObject({
      userid,
      tagSource: 'corp',
      customerName: customer.external_contact.name,
    });
    expect(await wecomTags()).toEqual([tagA, tagB].sort());

    const again = await api.post<{ tags: CustomerTag[] }>('/admin/customerTagging/save', body);
    expect(again.body.data.tags.map((t) => t.id).sort()).toEqual(saved.body.data.tags.map((t) => t.id).sort());

    const removed = await api.post<{ tags: CustomerTag[] }>('/admin/customerTagging/save', {
      externalUserid,
      userid,
      tagSource: 'corp',
      removeTagIds: [tagA],
    });
    expect(removed.body.data.tags.map((t) => t.tagId)).toEqual([tagB]);
    expect(await wecomTags()).toEqual([tagB]);
    const rows: Array<{ tag_id: string; is_del: number }> = await db('customer_tag')
      .where({ corp_id: sim.corpId, external_userid: externalUserid, userid })
      .select('tag_id', 'is_del');
    expect(Object.fromEntries(rows.map((r) => [r.tag_id, r.is_del]))).toEqual({ [tagA]: 1, [tagB]: 0 });

    // customerTag/save with an id re-points one record, in WeCom too.
    const record = removed.body.data.tags[0]!;
    const moved = await api.post<CustomerTag>('/admin/customerTag/save', {
      id: record.id,
      externalUserid,
      userid,
      tagSource: 'corp',
      tagId: tagA,
    });
    expect(moved.status).toBe(200);
    expect(moved.body.data).toMatchObject({ id: record.id, tagId: tagA });
    expect(await wecomTags()).toEqual([tagA]);
  });
});

describe('self-built tags (local only)', () => {
  it('creates a group with tags, lists them in order, and refuses an empty or duplicate group', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const saved = await api.post<SelfGroup>('/admin/selfTag/saveGroup', {
      groupName: '来源',
      order: 2,
      tags: [
        { name: '展会', order: 1 },
        { name: '官网', order: 3 },
      ],
    });
    expect(saved.status).toBe(200);
    expect(saved.body.data).toMatchObject({ groupName: '来源', order: 2 });
    expect(saved.body.data.tags.map((t) => t.name)).toEqual(['官网', '展会']);
    const stored = await db('self_tag')
      .where({ corp_id: corp, group_id: saved.body.data.id })
      .orderBy('id')
      .select('name');
    expect(stored).toEqual([{ name: '展会' }, { name: '官网' }]);

    await seedSelfTagGroup(db, corp, { name: '等级', order: 5, tags: [{ name: 'VIP' }] });
    await seedSelfTagGroup(db, uid('corp-'), { name: '别家', order: 9, tags: [{ name: 'x' }] });
    const grouped = await api.get<SelfGroup[]>('/admin/selfTag/groupedAll');
    expect(grouped.body.data.map((g) => [g.groupName, g.tags.map((t) => t.name)])).toEqual([
      ['等级', ['VIP']],
      ['来源', ['官网', '展会']],
    ]);
    const groups = await api.get<SelfGroup[]>('/admin/selfTag/groupsAll');
    expect(groups.body.data.map((g) => g.groupName)).toEqual(['等级', '来源']);
    const all = await api.get<SelfTag[]>('/admin/selfTag/listAll');
    expect(all.body.data.map((t) => `${t.groupName}/${t.name}`)).toEqual(['等级/VIP', '来源/官网', '来源/展会']);
    const byGroup = await api.get<SelfTag[]>(`/admin/selfTag/byGroup?groupId=${saved.body.data.id}`);
    expect(byGroup.body.data.map((t) => t.name)).toEqual(['官网', '展会']);

    expectFieldError(await api.post('/admin/selfTag/saveGroup', { groupName: '空', tags: [] }), 'tags');
    const duplicate = await api.post('/admin/selfTag/saveGroup', { groupName: '来源', tags: [{ name: 'x' }] });
    expect(duplicate.status).toBe(409);
    expect(await liveCount('self_tag_group', corp)).toBe(2);
    expect(await liveCount('self_tag', corp)).toBe(3);
  });

  it('renames groups and tags, adds tags to a group, and answers 409 for taken names', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const a = await seedSelfTagGroup(db, corp, { name: 'A组', tags: [{ name: 'a1' }, { name: 'a2' }] });
    await seedSelfTagGroup(db, corp, { name: 'B组', tags: [{ name: 'b1' }] });

    const added = await api.post<SelfGroup>('/admin/selfTag/saveGroup', {
      groupId: a.id,
      groupName: 'A组改',
      tags: [{ name: 'a3' }],
    });
    expect(added.status).toBe(200);
    expect(added.body.data.groupName).toBe('A组改');
    expect(added.body.data.tags.map((t) => t.name).sort()).toEqual(['a1', 'a2', 'a3']);

    expect((await api.post('/admin/selfTag/saveGroup', { groupId: a.id, tags: [{ name: 'a1' }] })).status).toBe(409);
    expect((await api.post('/admin/selfTag/updateGroup', { groupId: a.id, name: 'B组' })).status).toBe(409);
    expect((await api.post('/admin/selfTag/updateTag', { tagId: a.tagIds[0], name: 'a2' })).status).toBe(409);
    expect(await db('self_tag_group').where({ id: a.id }).first('name')).toEqual({ name: 'A组改' });

    const tag = await api.post<SelfTag>('/admin/selfTag/updateTag', { tagId: a.tagIds[0], name: 'a1改', order: 4 });
    expect(tag.body.data).toMatchObject({ id: a.tagIds[0], name: 'a1改', order: 4, groupName: 'A组改' });
    const group = await api.post<SelfGroup>('/admin/selfTag/updateGroup', { groupId: a.id, order: 8 });
    expect(group.body.data.order).toBe(8);
    expect(await db('self_tag').where({ id: a.tagIds[0] }).first('name', 'tag_order')).toEqual({
      name: 'a1改',
      tag_order: '4',
    });

    const foreign = await seedSelfTagGroup(db, uid('corp-'), { tags: [{ name: 'f' }] });
    expect((await api.post('/admin/selfTag/updateTag', { tagId: foreign.tagIds[0], name: 'z' })).status).toBe(404);
    expect((await api.post('/admin/selfTag/updateGroup', { groupId: foreign.id, name: 'z' })).status).toBe(404);
    expect((await api.get(`/admin/selfTag/byGroup?groupId=${foreign.id}`)).status).toBe(404);
    expectFieldError(await api.get('/admin/selfTag/byGroup?groupId=abc'), 'groupId');
    expect(await db('self_tag').where({ id: foreign.tagIds[0] }).first('name')).toEqual({ name: 'f' });
  });

  it('deletes tags and groups; customers lose them and an emptied group goes too', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const g = await seedSelfTagGroup(db, corp, { tags: [{ name: 't1' }, { name: 't2' }] });
    const h = await seedSelfTagGroup(db, corp, { tags: [{ name: 'h1' }] });
    const customer = await seedCustomer(db, corp);
    const onT1 = await seedCustomerTag(db, corp, { externalUserid: customer, tagSource: 'self', tagId: g.tagIds[0]! });
    const onH1 = await seedCustomerTag(db, corp, { externalUserid: customer, tagSource: 'self', tagId: h.tagIds[0]! });

    const missing = await api.post('/admin/selfTag/deleteTag', { tagIds: [g.tagIds[0], '999999999'] });
    expect(missing.status).toBe(404);
    expect(await liveCount('self_tag', corp)).toBe(3);

    const one = await api.post<{ deletedTagIds: string[]; deletedGroupIds: string[] }>('/admin/selfTag/deleteTag', {
      tagIds: [g.tagIds[0]],
    });
    expect(one.body.data).toEqual({ deletedTagIds: [g.tagIds[0]], deletedGroupIds: [] });
    expect(await db('customer_tag').where({ id: onT1 }).first('is_del')).toEqual({ is_del: 1 });

    const last = await api.post<{ deletedTagIds: string[]; deletedGroupIds: string[] }>('/admin/selfTag/deleteTag', {
      tagIds: [g.tagIds[1]],
    });
    expect(last.body.data).toEqual({ deletedTagIds: [g.tagIds[1]], deletedGroupIds: [g.id] });

    const group = await api.post<{ deletedTagIds: string[]; deletedGroupIds: string[] }>('/admin/selfTag/deleteGroup', {
      groupIds: [h.id],
    });
    expect(group.body.data).toEqual({ deletedTagIds: h.tagIds, deletedGroupIds: [h.id] });
    expect(await db('customer_tag').where({ id: onH1 }).first('is_del')).toEqual({ is_del: 1 });
    expect(await liveCount('self_tag_group', corp)).toBe(0);
    expect((await api.get<SelfGroup[]>('/admin/selfTag/groupedAll')).body.data).toEqual([]);
    expect((await api.post('/admin/selfTag/deleteGroup', { groupIds: [h.id] })).status).toBe(404);
  });
});

describe('customer tagging and customer tag records (self-built tags)', () => {
  it('adds and removes self tags on a customer, idempotently, and refuses unknown tags naming them', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const customer = await seedCustomer(db, corp, { name: '张三' });
    const g = await seedSelfTagGroup(db, corp, { name: '兴趣', tags: [{ name: '篮球' }, { name: '足球' }] });
    const foreign = await seedSelfTagGroup(db, uid('corp-'), { tags: [{ name: 'x' }] });
    const [t1, t2] = g.tagIds as [string, string];

    const first = await api.post<{ externalUserid: string; userid: string | null; tags: CustomerTag[] }>(
      '/admin/customerTagging/save',
      { externalUserid: customer, tagSource: 'self', addTagIds: [t1, t2] },
    );
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ externalUserid: customer, userid: null, tagSource: 'self' });
    expect(first.body.data.tags.map((t) => [t.tagName, t.groupName, t.customerName, t.userid])).toEqual([
      ['篮球', '兴趣', '张三', null],
      ['足球', '兴趣', '张三', null],
    ]);
    const again = await api.post<{ tags: CustomerTag[] }>('/admin/customerTagging/save', {
      externalUserid: customer,
      tagSource: 'self',
      addTagIds: [t1],
    });
    expect(again.body.data.tags.map((t) => t.id)).toEqual(first.body.data.tags.map((t) => t.id));

    const removed = await api.post<{ tags: CustomerTag[] }>('/admin/customerTagging/save', {
      externalUserid: customer,
      tagSource: 'self',
      removeTagIds: [t1],
    });
    expect(removed.body.data.tags.map((t) => t.tagId)).toEqual([t2]);
    expect(
      await db('customer_tag')
        .where({ corp_id: corp, external_userid: customer })
        .orderBy('id')
        .select('tag_id', 'is_del', 'userid'),
    ).toEqual([
      { tag_id: t1, is_del: 1, userid: '' },
      { tag_id: t2, is_del: 0, userid: '' },
    ]);

    const unknown = await api.post('/admin/customerTagging/save', {
      externalUserid: customer,
      tagSource: 'self',
      addTagIds: [t1, foreign.tagIds[0], 'abc'],
    });
    expectFieldError(unknown, 'addTagIds');
    expect(unknown.body.msg).toContain(foreign.tagIds[0]);
    expect(unknown.body.msg).toContain('abc');
    expect(await db('customer_tag').where({ corp_id: corp, tag_id: t1 }).first('is_del')).toEqual({ is_del: 1 });

    expectFieldError(
      await api.post('/admin/customerTagging/save', { externalUserid: customer, tagSource: 'self' }),
      'addTagIds',
    );
    expectFieldError(
      await api.post('/admin/customerTagging/save', { externalUserid: customer, tagSource: 'other', addTagIds: [t1] }),
      'tagSource',
    );
    const both = await api.post('/admin/customerTagging/save', {
      externalUserid: customer,
      tagSource: 'self',
      addTagIds: [t1],
      removeTagIds: [t1],
    });
    expectFieldError(both, 'removeTagIds');
    const nobody = await api.post('/admin/customerTagging/save', {
      externalUserid: 'wm-nobody',
      tagSource: 'self',
      addTagIds: [t1],
    });
    expect(nobody.status).toBe(404);
  });

  it('pages and gets tag records with names, filtered by tag, group, source and customer; 404 across corps', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const alice = await seedCustomer(db, corp, { name: 'Alice' });
    const bob = await seedCustomer(db, corp, { name: 'Bob' });
    const sales = await seedEmployee(db, corp, { name: '销售甲' });
    const self = await seedSelfTagGroup(db, corp, { name: '兴趣', tags: [{ name: '篮球' }, { name: '足球' }] });
    const corpGroup = await seedCorpTagGroup(db, corp, { name: '意向', tags: [{ name: '高' }] });
    const r1 = await seedCustomerTag(db, corp, { externalUserid: alice, tagSource: 'self', tagId: self.tagIds[0]! });
    const r2 = await seedCustomerTag(db, corp, { externalUserid: bob, tagSource: 'self', tagId: self.tagIds[1]! });
    const r3 = await seedCustomerTag(db, corp, {
      externalUserid: alice,
      userid: sales,
      tagSource: 'corp',
      tagId: corpGroup.tagIds[0]!,
    });
    await seedCustomerTag(db, corp, { externalUserid: bob, tagSource: 'self', tagId: self.tagIds[0]!, isDel: 1 });
    const foreign = await seedCustomerTag(db, uid('corp-'), { externalUserid: alice, tagSource: 'self', tagId: '1' });

    const bySelfGroup = await api.post<Page<CustomerTag>>('/admin/customerTag/page', {
      pageNum: 1,
      pageSize: 10,
      groupId: self.id,
      sortField: 'id',
      sortOrder: 'asc',
    });
    expect(bySelfGroup.status).toBe(200);
    expect(bySelfGroup.body.data.total).toBe(2);
    expect(bySelfGroup.body.data.list.map((r) => [r.id, r.customerName, r.tagName, r.groupName])).toEqual([
      [r1, 'Alice', '篮球', '兴趣'],
      [r2, 'Bob', '足球', '兴趣'],
    ]);
    const byCorpGroup = await api.post<Page<CustomerTag>>('/admin/customerTag/page', {
      pageNum: 1,
      pageSize: 10,
      groupId: corpGroup.groupId,
    });
    expect(byCorpGroup.body.data.list).toEqual([
      expect.objectContaining({ id: r3, userid: sales, employeeName: '销售甲', tagName: '高', groupName: '意向' }),
    ]);
    const aliceOnly = await api.post<Page<CustomerTag>>('/admin/customerTagging/page', {
      pageNum: 1,
      pageSize: 1,
      externalUserid: alice,
    });
    expect(aliceOnly.body.data).toMatchObject({ total: 2, pageNum: 1, pageSize: 1 });
    expect(aliceOnly.body.data.list).toHaveLength(1);
    const corpSource = await api.post<Page<CustomerTag>>('/admin/customerTagging/page', {
      pageNum: 1,
      pageSize: 10,
      tagSource: 'corp',
      userid: sales,
    });
    expect(corpSource.body.data.list.map((r) => r.id)).toEqual([r3]);
    const byTag = await api.post<Page<CustomerTag>>('/admin/customerTagging/page', {
      pageNum: 1,
      pageSize: 10,
      tagId: self.tagIds[0],
    });
    expect(byTag.body.data.list.map((r) => r.id)).toEqual([r1]);
    expectFieldError(
      await api.post('/admin/customerTag/page', { pageNum: 1, pageSize: 10, sortField: 'tag_id' }),
      'sortField',
    );
    expectFieldError(await api.post('/admin/customerTag/page', { pageNum: 0, pageSize: 10 }), 'pageNum');

    const got = await api.get<CustomerTag>(`/admin/customerTag/${r3}`);
    expect(got.body.data).toMatchObject({ id: r3, externalUserid: alice, tagSource: 'corp', tagName: '高' });
    expect((await api.get<CustomerTag>(`/admin/customerTagging/${r1}`)).body.data).toMatchObject({
      id: r1,
      tagName: '篮球',
    });
    expect((await api.get(`/admin/customerTag/${foreign}`)).status).toBe(404);
    expect((await api.get(`/admin/customerTagging/${foreign}`)).status).toBe(404);
    expectFieldError(await api.get('/admin/customerTag/abc'), 'id');
  });

  it('saves one record: adds a self tag, re-points it, and refuses changes of customer or duplicates', async () => {
    const corp = uid('corp-');
    const api = await adminOf(corp);
    const customer = await seedCustomer(db, corp);
    const other = await seedCustomer(db, corp);
    const g = await seedSelfTagGroup(db, corp, { tags: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
    const [a, b, c] = g.tagIds as [string, string, string];

    const added = await api.post<CustomerTag>('/admin/customerTag/save', {
      externalUserid: customer,
      tagSource: 'self',
      tagId: a,
    });
    expect(added.status).toBe(200);
    expect(added.body.data).toMatchObject({ externalUserid: customer, tagId: a, tagName: 'a' });
    const same = await api.post<CustomerTag>('/admin/customerTag/save', {
      externalUserid: customer,
      tagSource: 'self',
      tagId: a,
    });
    expect(same.body.data.id).toBe(added.body.data.id);

    const moved = await api.post<CustomerTag>('/admin/customerTag/save', {
      id: added.body.data.id,
      externalUserid: customer,
      tagSource: 'self',
      tagId: b,
    });
    expect(moved.body.data).toMatchObject({ id: added.body.data.id, tagId: b, tagName: 'b' });
    expect(await db('customer_tag').where({ id: added.body.data.id }).first('tag_id')).toEqual({ tag_id: b });

    await seedCustomerTag(db, corp, { externalUserid: customer, tagSource: 'self', tagId: c });
    const clash = await api.post('/admin/customerTag/save', {
      id: added.body.data.id,
      externalUserid: customer,
      tagSource: 'self',
      tagId: c,
    });
    expect(clash.status).toBe(409);
    expectFieldError(
      await api.post('/admin/customerTag/save', {
        id: added.body.data.id,
        externalUserid: other,
        tagSource: 'self',
        tagId: a,
      }),
      'externalUserid',
    );
    expectFieldError(
      await api.post('/admin/customerTag/save', { externalUserid: customer, tagSource: 'self', tagId: '424242' }),
      'tagId',
    );
    expect(
      (
        await api.post('/admin/customerTag/save', {
          id: '999999999',
          externalUserid: customer,
          tagSource: 'self',
          tagId: a,
        })
      ).status,
    ).toBe(404);
    expect(await db('customer_tag').where({ id: added.body.data.id }).first('tag_id')).toEqual({ tag_id: b });
  });
});
