import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from '../helpers/env';
import { clueBody, createAdmin, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { sleep, waitFor } from '../helpers/wait';
import { control, createSimulatedCorp } from '../helpers/wecom';

const ZH = { 'accept-language': 'zh-CN' };
const COLLECT = '/api-scrm/openapi/clue/collect';
/** Small pages, so reading the story exercises paging. */
const PAGE_SIZE = 4;

interface Entry {
  id: string;
  kind: string;
  time: string;
  actorType: string;
  actor: string | null;
  actorName: string;
  text: string;
  clueId: string | null;
  externalUserid: string | null;
}
interface Page<T> {
  list: T[];
  total: number;
}
interface Employee {
  userid: string;
  name: string;
  status: number;
  hasContactFeature: boolean;
}

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(async () => db.destroy());

/**
 * WeCom stamps adds and transfers in whole seconds: a step that WeCom stamps starts a second after
 * the product's last entry, so "after" cannot collapse into the same truncated second.
 */
const nextWecomSecond = () => sleep(1100);

describe('a clue’s whole story on one timeline (clueDetail.timeline)', () => {
  it('tells intake, distribution, follow-up, the WeCom add, tags, a transfer and a merge in order, with actors, in Chinese', async () => {
    const sim = await createSimulatedCorp(db, { seed: 1301, customers: 2, employees: 5 });
    const corpId = sim.corpId;
    const admin = await createAdmin(db, sharedApiUrl, { corpId });
    const get = <T>(path: string) => call<T>(sharedApiUrl, 'GET', path, { token: admin.token, headers: ZH });
    const post = <T>(path: string, body: unknown = {}) =>
      call<T>(sharedApiUrl, 'POST', path, { token: admin.token, body, headers: ZH });
    const act = <T>(name: string, body: Record<string, unknown>) =>
      control<T>('POST', `/corps/${corpId}/actions/${name}`, body);
    const clueWith = (businessId: unknown, status: string) =>
      waitFor(`clue ${String(businessId)} to be ${status}`, async () => {
        const page = await post<{ list: Array<{ id: string; status: string }> }>('/admin/clue/page', {
          pageNum: 1,
          pageSize: 10,
          businessId,
        });
        const clue = page.body.data.list[0];
        return clue?.status === status ? clue.id : undefined;
      });

    const adminName = '运营王芳';
    expect((await post('/admin/user/save', { id: admin.id, realName: adminName })).status).toBe(200);
    expect((await post('/admin/wecom/employee/sync')).status).toBe(200);
    await waitFor('the employee sync', async () => {
      const sync = await get<{ status: string }>('/admin/sync/employees');
      return sync.body.data?.status === 'COMPLETED' ? sync : undefined;
    });
    const staff = (
      await post<{ list: Employee[] }>('/admin/wecom/employee/page', { pageNum: 1, pageSize: 50 })
    ).body.data.list.filter((e) => e.status === 1 && e.hasContactFeature);
    const [sales, successor] = staff as [Employee, Employee];
    expect(successor).toBeDefined();

    const partner = await post<{ partnerId: string; secretKey: string; name: string }>('/admin/partner/save', {
      name: uid('合作方'),
    });
    expect(partner.status).toBe(200);
    const { partnerId, secretKey, name: partnerName } = partner.body.data;
    const policy = await post('/admin/distribution/policy/save', {
      name: uid('policy-'),
      followUpSlaSeconds: 86400,
      matchPartnerIds: [partnerId],
      members: [{ employeeUserid: sales.userid, employeeName: sales.name, weight: 1 }],
    });
    expect(policy.status).toBe(200);

    // 1-2. Partner intake, distributed to the sales; then the partner sends the same clue again.
    const phone = `137${String(Date.now()).slice(-8)}`;
    const first = clueBody(secretKey, { linkManTel: phone, linkManName: '钱女士' });
    expect((await call(sharedApiUrl, 'POST', COLLECT, { body: first })).status).toBe(200);
    const clueId = await clueWith(first['businessId'], 'assigned');
    expect((await call(sharedApiUrl, 'POST', COLLECT, { body: { ...first, remark: '再次咨询' } })).status).toBe(200);

    // 3. A follow-up.
    const followUp = await post('/admin/clue/update', {
      id: clueId,
      followUp: { content: '电话沟通，约了下周演示', method: '电话' },
    });
    expect(followUp.status).toBe(200);

    // 4. The customer scans the sales' code of a published link with a welcome and a corp tag.
    const corpGroup = await post<{ tags: Array<{ tagId: string }> }>('/admin/corpTag/saveGroup', {
      groupName: uid('意向').slice(0, 30),
      tags: [{ name: '高意向' }, { name: '抖音来的' }],
    });
    expect(corpGroup.status).toBe(200);
    const [hot, fromAd] = corpGroup.body.data.tags.map((t) => t.tagId) as [string, string];
    const channelName = uid('渠道');
    const channel = await post<{ id: string }>('/admin/channel/save', { name: channelName, type: 'ad' });
    const draft = await post<{ id: string }>('/admin/cust/get/link/save', {
      linkName: '春季投放',
      channelId: Number(channel.body.data.id),
      allocationRules: [{ userId: sales.userid, weight: 1, getType: 'qr' }],
      userList: [sales.userid],
      isSendWelcome: 1,
      welcomeContent: '您好，我是您的专属顾问',
      cstTags: [fromAd],
      skipVerify: 'false',
      status: 0,
    });
    expect(draft.status).toBe(200);
    const published = await post<{ allocationRules: Array<{ configLinkId: string }> }>('/admin/cust/get/link/save', {
      id: draft.body.data.id,
      status: 1,
    });
    expect(published.status).toBe(200);
    await nextWecomSecond();
    const scan = await act<{ done: { externalUserid: string; welcomeCode: string | null } }>('customer-scans', {
      configId: published.body.data.allocationRules[0]!.configLinkId,
    });
    expect(scan.done.welcomeCode).toEqual(expect.any(String));
    const externalUserid = scan.done.externalUserid;
    const customer = await waitFor('the add to be attributed with its welcome and tag', async () => {
      const detail = await get<{ id: string; name: string; acquisitions: Array<{ welcomeStatus: string | null }> }>(
        `/admin/customer/byExternalUserid?externalUserid=${externalUserid}`,
      );
      const tagged = await db('customer_event').where({ corp_id: corpId, external_userid: externalUserid }).first();
      return detail.body.data?.acquisitions?.[0]?.welcomeStatus === 'sent' && tagged ? detail.body.data : undefined;
    });
    expect((await post('/admin/clue/linkWecomCustomer', { clueId, externalUserid })).status).toBe(200);

    // 5. Corp tags on the sales' relation (set to exactly one), system tags on the clue.
    const corpTags = await post('/admin/clue/updateCorpTags', { externalUserid, userid: sales.userid, tagIds: [hot] });
    expect(corpTags.status).toBe(200);
    const selfGroup = await post<{ tags: Array<{ id: string }> }>('/admin/selfTag/saveGroup', {
      groupName: uid('阶段').slice(0, 20),
      tags: [{ name: '已演示' }],
    });
    expect(selfGroup.status).toBe(200);
    const systemTags = await post('/admin/clue/updateSystemTags', {
      clueId,
      tagIds: selfGroup.body.data.tags.map((t) => t.id),
    });
    expect(systemTags.status).toBe(200);

    // 6. In-service transfer to a colleague; the customer accepts in WeCom.
    const transfer = await post<{ id: string }>('/admin/clue/transferOwner', {
      clueIds: [clueId],
      takeoverUserid: successor.userid,
      transferMsg: '您好，后续由我的同事为您服务',
    });
    expect(transfer.status).toBe(200);
    const transferView = (path: string) => get<{ status: string; items: Array<{ state: string }> }>(path);
    await waitFor('the transfer to wait for the customer', async () => {
      const view = await transferView(`/admin/clue/transfer?id=${transfer.body.data.id}`);
      return view.body.data.items.every((i) => i.state === 'waiting') ? view : undefined;
    });
    await nextWecomSecond();
    await act('transfer-decided', { externalUserid, outcome: 'accept' });
    const transferred = await waitFor('the transfer to finish', async () => {
      const view = await transferView(`/admin/clue/transfer?id=${transfer.body.data.id}`);
      return view.body.data.status === 'done' ? view.body.data : undefined;
    });
    expect(transferred.items.map((i) => i.state)).toEqual(['succeeded']);

    // 7. A second clue of the same phone, merged into the first; then the partner repeats the merged one.
    const second = clueBody(secretKey, { linkManTel: phone, linkManName: '钱女士' });
    expect((await call(sharedApiUrl, 'POST', COLLECT, { body: second })).status).toBe(200);
    const secondId = await clueWith(second['businessId'], 'assigned');
    const merge = await post<{ mergeId: string }>('/admin/clue/merge', { survivorId: clueId, mergedIds: [secondId] });
    expect(merge.status).toBe(200);
    await waitFor('the merge to finish', async () => {
      const result = await get<{ status: string }>(`/admin/clue/mergeResult?mergeId=${merge.body.data.mergeId}`);
      return result.body.data.status === 'done' ? result : undefined;
    });
    expect((await call(sharedApiUrl, 'POST', COLLECT, { body: { ...second, remark: '又问了一次' } })).status).toBe(200);
    await waitFor('the repeat to be stored', async () =>
      (await db('clue').where({ id: secondId }).first('remark'))?.remark === '又问了一次' ? true : undefined,
    );

    // What was stored: the clue follows the customer to the successor; the merged clue points at the survivor.
    expect(await db('clue').where({ id: clueId }).first()).toMatchObject({ owner_userid: successor.userid });
    expect(await db('clue').where({ id: secondId }).first()).toMatchObject({ merged_into_clue_id: clueId });
    expect(
      await db('wecom_customer').where({ corp_id: corpId, external_userid: externalUserid }).first(),
    ).toMatchObject({ clue_id: clueId });

    const readAll = async (subject: string): Promise<Entry[]> => {
      const entries: Entry[] = [];
      let total = -1;
      for (let pageNum = 1; total < 0 || (pageNum - 1) * PAGE_SIZE < total; pageNum++) {
        const page = await get<Page<Entry>>(
          `/admin/clue/timeline?${subject}&order=asc&pageSize=${PAGE_SIZE}&pageNum=${pageNum}`,
        );
        expect(page.status).toBe(200);
        if (total >= 0) expect(page.body.data.total).toBe(total);
        total = page.body.data.total;
        entries.push(...page.body.data.list);
      }
      expect(entries).toHaveLength(total);
      return entries;
    };
    const story = await readAll(`clueId=${clueId}`);

    const P = `合作方「${partnerName}」`;
    const partnerActor = { actorType: 'partner', actor: `partner:${partnerId}`, actorName: partnerName };
    const adminActor = { actorType: 'admin', actor: admin.username, actorName: adminName };
    const systemActor = { actorType: 'system', actor: null, actorName: '系统' };
    const customerActor = { actorType: 'customer', actor: externalUserid, actorName: customer.name };
    const onClue = (id: string) => ({ clueId: id, externalUserid: null });
    const onCustomer = { clueId: null, externalUserid };
    const [s, t] = [sales.name, successor.name];
    const fromMerged = `原线索 #${secondId}：`;
    expect(
      story.map(({ kind, actorType, actor, actorName, text, clueId: c, externalUserid: e }) => ({
        kind,
        actorType,
        actor,
        actorName,
        text,
        clueId: c,
        externalUserid: e,
      })),
    ).toEqual([
      {
        kind: 'intake',
        ...partnerActor,
        ...onClue(clueId),
        text: `${P}推送了线索（业务编号 ${String(first['businessId'])}）`,
      },
      { kind: 'assigned', ...systemActor, ...onClue(clueId), text: `按分配策略自动分配给 ${s}` },
      {
        kind: 'intake_update',
        ...partnerActor,
        ...onClue(clueId),
        text: `${P}再次推送了线索（业务编号 ${String(first['businessId'])}），资料已更新`,
      },
      { kind: 'follow_up', ...adminActor, ...onClue(clueId), text: `${s} 跟进（电话）：电话沟通，约了下周演示` },
      { kind: 'wecom_added', ...customerActor, ...onCustomer, text: `客户添加了 ${s} 为好友（扫描二维码）` },
      {
        kind: 'acquired',
        ...customerActor,
        ...onCustomer,
        text: `通过获客链接「春季投放」（渠道：${channelName}）添加 ${s}，欢迎语已发送`,
      },
      {
        kind: 'corp_tags_changed',
        ...systemActor,
        ...onCustomer,
        text: `获客链接「春季投放」为客户在 ${s} 名下打上企业标签：抖音来的`,
      },
      {
        kind: 'wecom_customer_linked',
        ...adminActor,
        ...onClue(clueId),
        text: `${adminName} 将线索关联到企微客户「${customer.name}」`,
      },
      {
        kind: 'corp_tags_changed',
        ...adminActor,
        ...onCustomer,
        text: `${adminName} 修改了客户在 ${s} 名下的企业标签：添加 高意向；移除 抖音来的`,
      },
      { kind: 'system_tags_added', ...adminActor, ...onClue(clueId), text: `${adminName} 为线索添加系统标签：已演示` },
      {
        kind: 'transfer_requested',
        ...adminActor,
        ...onCustomer,
        text: `${adminName} 发起在职转接：客户由 ${s} 转给 ${t}`,
      },
      { kind: 'wecom_added', ...systemActor, ...onCustomer, text: `${t} 成为客户的跟进人（管理员或负责人分配）` },
      { kind: 'wecom_ended', ...systemActor, ...onCustomer, text: `客户已从 ${s} 处转接走` },
      { kind: 'transfer_succeeded', ...systemActor, ...onCustomer, text: `在职转接完成：${t} 已接替 ${s}` },
      { kind: 'owner_transferred', ...adminActor, ...onClue(clueId), text: `线索负责人由 ${s} 转为 ${t}（在职转接）` },
      {
        kind: 'intake',
        ...partnerActor,
        ...onClue(secondId),
        text: `${fromMerged}${P}推送了线索（业务编号 ${String(second['businessId'])}）`,
      },
      {
        kind: 'duplicate_detected',
        ...systemActor,
        ...onClue(secondId),
        text: `${fromMerged}与线索 #${clueId} 手机号相同，标记为疑似重复`,
      },
      { kind: 'assigned', ...systemActor, ...onClue(secondId), text: `${fromMerged}按分配策略自动分配给 ${s}` },
      { kind: 'merged_from', ...adminActor, ...onClue(clueId), text: `${adminName} 将线索 #${secondId} 合并到本线索` },
      {
        kind: 'intake_update',
        ...partnerActor,
        ...onClue(secondId),
        text: `${fromMerged}${P}再次推送了线索（业务编号 ${String(second['businessId'])}），资料已更新`,
      },
    ]);
    const times = story.map((e) => Date.parse(e.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(story.map((e) => e.id)).size).toBe(story.length);

    // The customer's timeline is the same story; newest first is the same, reversed.
    expect((await readAll(`customerId=${customer.id}`)).map((e) => e.id)).toEqual(story.map((e) => e.id));
    const desc = await get<Page<Entry>>(`/admin/clue/timeline?clueId=${clueId}&pageSize=100`);
    expect(desc.body.data.list.map((e) => e.id)).toEqual(story.map((e) => e.id).reverse());

    // The merged clue, read on its own, tells its own history, its merge included.
    const merged = await readAll(`clueId=${secondId}`);
    expect(merged.map((e) => [e.kind, e.text])).toEqual([
      ['intake', `${P}推送了线索（业务编号 ${String(second['businessId'])}）`],
      ['duplicate_detected', `与线索 #${clueId} 手机号相同，标记为疑似重复`],
      ['assigned', `按分配策略自动分配给 ${s}`],
      ['merged_into', `${adminName} 将本线索合并到线索 #${clueId}`],
      ['intake_update', `${P}再次推送了线索（业务编号 ${String(second['businessId'])}），资料已更新`],
    ]);
  });
});
