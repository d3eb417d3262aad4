import { SimulatorClient, type CorpCredentialsAnswer } from '../../src/wecom/simulator/control-client';
import { createSimulator, type Simulator } from '../../src/wecom/simulator/server';

interface Snapshot {
  customers: Array<{ external_contact: { external_userid: string }; follow_user: Array<{ userid: string }> }>;
}

let sim: Simulator;
let client: SimulatorClient;

beforeAll(async () => {
  sim = createSimulator({ logLevel: 'silent' });
  client = new SimulatorClient((await sim.listen(0)).url);
});
afterAll(() => sim.close());

async function setup(seed: number): Promise<{ corp: CorpCredentialsAnswer; token: string }> {
  const corp = await client.createCorp({ seed, customers: 50 });
  return { corp, token: await client.token(corp.corpId, corp.secret) };
}

describe('corp tags', () => {
  it('lists every live group and tag when no filter is given, without deleted flags', async () => {
    const { token } = await setup(31);
    const list = await client.call('getCorpTagList', { accessToken: token, body: {} });
    expect(list.errcode).toBe(0);
    expect(list.tag_group).toHaveLength(6);
    for (const group of list.tag_group!) {
      expect(group.deleted).toBeUndefined();
      for (const tag of group.tag) expect(tag.deleted).toBeUndefined();
    }
  });

  it('adds tags to a new group, reuses a group by name, and refuses duplicate names', async () => {
    const { token } = await setup(32);
    const created = await client.call('addCorpTag', {
      accessToken: token,
      body: { group_name: '活动', order: 5, tag: [{ name: '双十一' }, { name: '618', order: 2 }] },
    });
    expect(created.errcode).toBe(0);
    const group = created.tag_group!;
    expect(group.group_id).toMatch(/^et/);
    expect(group.tag.map((t) => t.name)).toEqual(['双十一', '618']);
    const reused = await client.call('addCorpTag', {
      accessToken: token,
      body: { group_name: '活动', tag: [{ name: '年货节' }] },
    });
    expect(reused.tag_group?.group_id).toBe(group.group_id);
    const byId = await client.call('getCorpTagList', { accessToken: token, body: { group_id: [group.group_id] } });
    expect(byId.tag_group?.[0]?.tag.map((t) => t.name)).toEqual(['双十一', '618', '年货节']);
    const duplicate = await client.call('addCorpTag', {
      accessToken: token,
      body: { group_id: group.group_id, tag: [{ name: '618' }] },
    });
    expect(duplicate.errcode).toBe(40071);
    const unknownGroup = await client.call('addCorpTag', {
      accessToken: token,
      body: { group_id: 'etNOPE', tag: [{ name: 'x' }] },
    });
    expect(unknownGroup.errcode).toBe(40068);
    const tooLong = await client.call('addCorpTag', {
      accessToken: token,
      body: { group_name: 'x', tag: [{ name: 'n'.repeat(31) }] },
    });
    expect(tooLong.errcode).toBe(40058);
  });

  it('refuses to go past 3000 tags with 40126', async () => {
    const { token } = await setup(33);
    const existing = (await client.call('getCorpTagList', { accessToken: token, body: {} })).tag_group!.flatMap(
      (g) => g.tag,
    ).length;
    let remaining = 3000 - existing;
    let n = 0;
    while (remaining > 0) {
      const batch = Math.min(remaining, 500);
      const tags = Array.from({ length: batch }, () => ({ name: `t${n++}` }));
      const answer = await client.call('addCorpTag', { accessToken: token, body: { group_name: `g${n}`, tag: tags } });
      expect(answer.errcode).toBe(0);
      remaining -= batch;
    }
    const over = await client.call('addCorpTag', {
      accessToken: token,
      body: { group_name: 'last', tag: [{ name: 'x' }] },
    });
    expect(over.errcode).toBe(40126);
  });

  it('edits tags and groups, with 40068 for unknown ids and 40071 for a taken name', async () => {
    const { token } = await setup(34);
    const groups = (await client.call('getCorpTagList', { accessToken: token, body: {} })).tag_group!;
    const [first, second] = groups as [(typeof groups)[number], (typeof groups)[number]];
    const tag = first.tag[0]!;
    expect(
      (await client.call('editCorpTag', { accessToken: token, body: { id: tag.id, name: '改名', order: 9 } })).errcode,
    ).toBe(0);
    expect(
      (await client.call('editCorpTag', { accessToken: token, body: { id: first.group_id, name: '新组名' } })).errcode,
    ).toBe(0);
    const after = await client.call('getCorpTagList', { accessToken: token, body: { tag_id: [tag.id] } });
    expect(after.tag_group).toHaveLength(1);
    expect(after.tag_group?.[0]).toMatchObject({ group_name: '新组名', deleted: false });
    expect(after.tag_group?.[0]?.tag).toEqual([
      expect.objectContaining({ id: tag.id, name: '改名', order: 9, deleted: false }),
    ]);
    expect(
      (await client.call('editCorpTag', { accessToken: token, body: { id: 'etMISSING', name: 'x' } })).errcode,
    ).toBe(40068);
    expect(
      (await client.call('editCorpTag', { accessToken: token, body: { id: second.group_id, name: '新组名' } })).errcode,
    ).toBe(40071);
    const sibling = first.tag[1]!;
    expect(
      (await client.call('editCorpTag', { accessToken: token, body: { id: sibling.id, name: '改名' } })).errcode,
    ).toBe(40071);
  });

  it('deletes tags, removes a group with its last tag, and reports deleted ids only when filtering', async () => {
    const { token } = await setup(35);
    const created = (
      await client.call('addCorpTag', {
        accessToken: token,
        body: { group_name: '临时', tag: [{ name: 'a' }, { name: 'b' }] },
      })
    ).tag_group!;
    const a = created.tag[0]!;
    const b = created.tag[1]!;
    expect((await client.call('delCorpTag', { accessToken: token, body: { tag_id: [a.id] } })).errcode).toBe(0);
    let all = (await client.call('getCorpTagList', { accessToken: token, body: {} })).tag_group!;
    expect(all.find((g) => g.group_id === created.group_id)?.tag.map((t) => t.id)).toEqual([b.id]);
    expect((await client.call('delCorpTag', { accessToken: token, body: { tag_id: [b.id] } })).errcode).toBe(0);
    all = (await client.call('getCorpTagList', { accessToken: token, body: {} })).tag_group!;
    expect(all.find((g) => g.group_id === created.group_id)).toBeUndefined();
    const filtered = await client.call('getCorpTagList', {
      accessToken: token,
      body: { group_id: [created.group_id] },
    });
    expect(filtered.tag_group?.[0]).toMatchObject({ group_id: created.group_id, deleted: true });
    expect(filtered.tag_group?.[0]?.tag.every((t) => t.deleted === true)).toBe(true);
    expect((await client.call('delCorpTag', { accessToken: token, body: { tag_id: [a.id] } })).errcode).toBe(40068);
    expect((await client.call('delCorpTag', { accessToken: token, body: {} })).errcode).toBe(40068);
  });

  it('prefers group_id over tag_id when both filters are given', async () => {
    const { token } = await setup(36);
    const groups = (await client.call('getCorpTagList', { accessToken: token, body: {} })).tag_group!;
    const answer = await client.call('getCorpTagList', {
      accessToken: token,
      body: { group_id: [groups[0]!.group_id], tag_id: [groups[1]!.tag[0]!.id] },
    });
    expect(answer.tag_group?.map((g) => g.group_id)).toEqual([groups[0]!.group_id]);
  });

  it('marks and unmarks tags on a relation, visible in externalcontact/get and batch/get_by_user', async () => {
    const { corp, token } = await setup(37);
    const state = await client.state<Snapshot>(corp.corpId, ['customers']);
    const customer = state.customers[0]!;
    const id = customer.external_contact.external_userid;
    const userid = customer.follow_user[0]!.userid;
    const groups = (await client.call('getCorpTagList', { accessToken: token, body: {} })).tag_group!;
    const tag = groups[2]!.tag[0]!;
    await client.call('markTag', { accessToken: token, body: { userid, external_userid: id, remove_tag: [tag.id] } });
    expect(
      (await client.call('markTag', { accessToken: token, body: { userid, external_userid: id, add_tag: [tag.id] } }))
        .errcode,
    ).toBe(0);
    const got = await client.call('getExternalContact', { accessToken: token, query: { external_userid: id } });
    const follow = got.follow_user!.find((f) => f.userid === userid)!;
    expect(follow.tags).toContainEqual({
      group_name: groups[2]!.group_name,
      tag_name: tag.name,
      tag_id: tag.id,
      type: 1,
    });
    const batch = await client.call('batchGetByUser', {
      accessToken: token,
      body: { userid_list: [userid], limit: 100 },
    });
    const item = batch.external_contact_list!.find((i) => i.external_contact.external_userid === id)!;
    expect(item.follow_info.tag_id).toContain(tag.id);
    await client.call('markTag', { accessToken: token, body: { userid, external_userid: id, remove_tag: [tag.id] } });
    const removed = await client.call('getExternalContact', { accessToken: token, query: { external_userid: id } });
    expect(removed.follow_user!.find((f) => f.userid === userid)!.tags!.map((t) => t.tag_id)).not.toContain(tag.id);
    expect(
      (await client.call('markTag', { accessToken: token, body: { userid, external_userid: id, add_tag: ['etNOPE'] } }))
        .errcode,
    ).toBe(40068);
    const other = (await client.call('getFollowUserList', { accessToken: token })).follow_user!.find(
      (u) => !customer.follow_user.some((f) => f.userid === u),
    )!;
    expect(
      (
        await client.call('markTag', {
          accessToken: token,
          body: { userid: other, external_userid: id, add_tag: [tag.id] },
        })
      ).errcode,
    ).toBe(84061);
  });

  it('drops a deleted tag from the relations that carried it', async () => {
    const { corp, token } = await setup(38);
    const state = await client.state<Snapshot>(corp.corpId, ['customers']);
    const id = state.customers[0]!.external_contact.external_userid;
    const userid = state.customers[0]!.follow_user[0]!.userid;
    const created = (
      await client.call('addCorpTag', {
        accessToken: token,
        body: { group_name: '短期', tag: [{ name: 'x' }, { name: 'y' }] },
      })
    ).tag_group!;
    const tagId = created.tag[0]!.id;
    await client.call('markTag', { accessToken: token, body: { userid, external_userid: id, add_tag: [tagId] } });
    await client.call('delCorpTag', { accessToken: token, body: { group_id: [created.group_id] } });
    const got = await client.call('getExternalContact', { accessToken: token, query: { external_userid: id } });
    expect(got.follow_user!.find((f) => f.userid === userid)!.tags!.map((t) => t.tag_id)).not.toContain(tagId);
  });
});
