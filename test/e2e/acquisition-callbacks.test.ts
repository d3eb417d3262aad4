import { randomInt } from 'node:crypto';
import type { Db } from '../../src/db/knex';
import { acquisitionCorp, type AcquisitionCorp } from '../helpers/acquisition';
import { sharedApiUrl } from '../helpers/env';
import { createPartner, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { seedCustomer, seedEmployee } from '../helpers/mirror-tags-groups';
import { sleep, waitFor } from '../helpers/wait';
import { control, postSignedCallback, sentPlaintext } from '../helpers/wecom';

interface RuleView {
  id: string;
  userId: string;
  state: string;
  getType: string;
  configLinkId: string | null;
}
interface LinkView {
  id: string;
  status: number;
  statusReason: string | null;
  openProfileCount: number;
  addFriendCount: number;
  linkId: string | null;
  allocationRules: RuleView[];
}
interface ActionAnswer<D = Record<string, unknown>> {
  done: D;
  callbacks: Array<{ id: number; outcome: string; attempts: number }>;
}
interface Notice {
  changeType: string;
  text: string;
  occurredAt: string;
  expireTime: string | null;
  expireQuotaNum: number | null;
}
interface TimelineEntry {
  kind: string;
  text: string;
  actorType: string;
  detail: Record<string, unknown> | null;
}

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(async () => db.destroy());

const act = <D = Record<string, unknown>>(corpId: string, action: string, body: Record<string, unknown>) =>
  control<ActionAnswer<D>>('POST', `/corps/${corpId}/actions/${action}`, body);

/** A phone no other test uses: clues are matched by phone across the whole database. */
const freshPhone = () => `139${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

/** A published link: one rule with its own WeCom acquisition link for the first employee, and the link-level one. */
async function publishedLink(ctx: AcquisitionCorp): Promise<{ link: LinkView; rule: RuleView }> {
  const [a] = ctx.users;
  const saved = await ctx.api.post<LinkView>('/admin/cust/get/link/save', {
    linkName: uid('投放'),
    channelId: Number(ctx.channelId),
    allocationRules: [{ userId: a, weight: 1, getType: 'link' }],
    userList: [a],
    status: 1,
  });
  expect(saved.status).toBe(200);
  const link = saved.body.data;
  expect(link.linkId).toBeTruthy();
  const rule = link.allocationRules[0]!;
  expect(rule.configLinkId).toBeTruthy();
  return { link, rule };
}

const getLink = async (ctx: AcquisitionCorp, id: string) =>
  (await ctx.api.get<LinkView>(`/admin/cust/get/link/${id}`)).body.data;

/** The stored callbacks of the corp of one change type: WeCom's copies bump receive_count of one row. */
const storedEvents = (corpId: string, changeType: string) =>
  db('wecom_callback_event')
    .where({ corp_id: corpId, event: 'customer_acquisition', change_type: changeType })
    .select('id', 'receive_count', 'status');

const waitProcessed = (corpId: string, changeType: string, count = 1) =>
  waitFor(`${count} ${changeType} event(s) processed`, async () => {
    const rows = (await storedEvents(corpId, changeType)) as Array<{ id: string; status: string }>;
    return rows.length === count && rows.every((r) => r.status === 'done') ? rows : undefined;
  });

async function insertClue(spec: {
  phone: string;
  owner?: string | null;
  status?: string;
  ctime: Date;
  partnerId?: string;
  businessId?: string;
}): Promise<string> {
  const [row] = (await db('clue')
    .insert({
      partner_id: spec.partnerId ?? null,
      business_id: spec.businessId ?? null,
      link_man_name: '张女士',
      link_man_tel: spec.phone,
      phone_normalized: spec.phone,
      status: spec.status ?? (spec.owner ? 'assigned' : 'pool'),
      distribution_state: 'started',
      owner_userid: spec.owner ?? null,
      ctime: spec.ctime,
      cuser: 'test',
    })
    .returning('id')) as Array<{ id: string }>;
  return String(row!.id);
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

const clueOfCustomer = async (corpId: string, externalUserid: string) =>
  (
    (await db('wecom_customer').where({ corp_id: corpId, external_userid: externalUserid }).first('clue_id')) as
      { clue_id: string | null } | undefined
  )?.clue_id ?? null;

async function timelineOf(ctx: AcquisitionCorp, query: string): Promise<TimelineEntry[]> {
  const answer = await ctx.api.get<{ list: TimelineEntry[] }>(`/admin/clue/timeline?${query}&pageSize=50`);
  expect(answer.status).toBe(200);
  return answer.body.data.list;
}

describe('customer_acquisition callbacks', () => {
  it('counts a profile visit once however often WeCom delivers it, for the link and for a rule’s own link', async () => {
    const ctx = await acquisitionCorp(db);
    const corpId = ctx.corp.corpId;
    const { link, rule } = await publishedLink(ctx);

    const opened = await act(corpId, 'customer-opens-link', { linkId: link.linkId, deliveries: 3 });
    expect(opened.callbacks.map((c) => c.outcome)).toEqual(['delivered']);
    const [stored] = await waitProcessed(corpId, 'friend_request');
    expect(await storedEvents(corpId, 'friend_request')).toEqual([expect.objectContaining({ receive_count: 3 })]);
    expect((await getLink(ctx, link.id)).openProfileCount).toBe(1);
    // A copy that arrives after processing is absorbed too.
    const plaintext = await sentPlaintext(corpId, opened.callbacks[0]!.id);
    expect((await postSignedCallback(ctx.corp, plaintext)).status).toBe(200);
    await sleep(1000);
    expect(await storedEvents(corpId, 'friend_request')).toEqual([expect.objectContaining({ receive_count: 4 })]);
    expect((await getLink(ctx, link.id)).openProfileCount).toBe(1);
    expect(await db('acq_event').where({ corp_id: corpId, link_id: link.id })).toEqual([
      expect.objectContaining({ change_type: 'friend_request', event_id: stored!.id }),
    ]);

    // The name some categories' callbacks use, naming the rule's own link: the same link counts.
    await act(corpId, 'customer-opens-link', {
      linkId: rule.configLinkId,
      changeType: 'open_profile',
      customerChannel: rule.state,
    });
    await waitProcessed(corpId, 'open_profile');
    const after = await getLink(ctx, link.id);
    expect(after.openProfileCount).toBe(2);
    const page = await ctx.api.post<{ list: LinkView[] }>('/admin/cust/get/link/page', {
      pageNum: 1,
      pageSize: 10,
      linkName: (await db('acq_link').where({ id: link.id }).first('link_name')).link_name,
    });
    expect(page.body.data.list.map((l) => l.openProfileCount)).toEqual([2]);
  });

  it('marks a link abnormal with a Chinese reason when WeCom says it is unavailable or deleted; republishing restores it', async () => {
    const ctx = await acquisitionCorp(db);
    const corpId = ctx.corp.corpId;
    const { link, rule } = await publishedLink(ctx);

    await act(corpId, 'acquisition-link-unavailable', { linkId: link.linkId, deliveries: 2 });
    await waitProcessed(corpId, 'link_unavailable');
    const unavailable = await getLink(ctx, link.id);
    expect(unavailable.status).toBe(2);
    expect(unavailable.statusReason).toBe('企业微信通知该获客链接已不可用，请检查获客助手额度和成员状态后重新发布');
    const abnormal = await ctx.api.post<{ list: LinkView[]; total: number }>('/admin/cust/get/link/page', {
      pageNum: 1,
      pageSize: 10,
      status: 2,
    });
    expect(abnormal.body.data.list.find((l) => l.id === link.id)?.statusReason).toBe(unavailable.statusReason);
    // An abnormal link hands out no code.
    const { secretKey } = await createPartner(db);
    const hit = await call(sharedApiUrl, 'POST', '/api-scrm/openapi/link/allocationHit', {
      body: { secretKey, linkId: link.id },
    });
    expect(hit.status).toBe(409);

    const republished = await ctx.api.post<LinkView>('/admin/cust/get/link/save', { id: link.id, status: 1 });
    expect(republished.body.data).toMatchObject({ status: 1, statusReason: null });

    // The rule's own link deleted in WeCom's console: the reason names its employee, and it comes back new.
    await act(corpId, 'acquisition-link-deleted', { linkId: rule.configLinkId });
    await waitProcessed(corpId, 'delete_link');
    const deleted = await getLink(ctx, link.id);
    expect(deleted.status).toBe(2);
    expect(deleted.statusReason).toBe(
      `成员 ${rule.userId} 的获客链接：该获客链接已在企业微信中被删除，重新发布将重新创建`,
    );
    const again = await ctx.api.post<LinkView>('/admin/cust/get/link/save', { id: link.id, status: 1 });
    expect(again.body.data.status).toBe(1);
    const newRuleLink = again.body.data.allocationRules[0]!.configLinkId;
    expect(newRuleLink).toBeTruthy();
    expect(newRuleLink).not.toBe(rule.configLinkId);
    const { acquisitionLinks } = await control<{ acquisitionLinks: Array<{ linkId: string }> }>(
      'GET',
      `/corps/${corpId}/state?sections=acquisitionLinks`,
    );
    expect(acquisitionLinks.map((l) => l.linkId)).toContain(newRuleLink);
    expect(acquisitionLinks.map((l) => l.linkId)).not.toContain(rule.configLinkId);
  });

  it('keeps quota notices per corp, each once, with the warning standing now', async () => {
    const ctx = await acquisitionCorp(db);
    const other = await acquisitionCorp(db);
    const corpId = ctx.corp.corpId;
    const notices = async (c: AcquisitionCorp) => {
      const answer = await c.api.get<{
        warning: Notice | null;
        list: Notice[];
        quota: { total: number; balance: number; expiring: Array<{ expireDate: string; balance: number }> } | null;
        quotaError: string | null;
      }>('/admin/cust/get/link/quota/notices');
      expect(answer.status).toBe(200);
      return answer.body.data;
    };
    expect(await notices(ctx)).toEqual({
      warning: null,
      list: [],
      quota: { total: 0, balance: 10_000, expiring: [] },
      quotaError: null,
    });

    await act(corpId, 'acquisition-quota', { changeType: 'balance_low', balance: 19 });
    await waitProcessed(corpId, 'balance_low');
    // The simulated clock moves on, so the next notice is the later one.
    await control('POST', `/corps/${corpId}/clock`, { advanceSeconds: 60, silent: true });
    const expireTime = Math.floor(Date.UTC(2027, 0, 15, 16, 0, 0) / 1000);
    await act(corpId, 'acquisition-quota', {
      changeType: 'quota_expire_soon',
      expireTime,
      expireQuotaNum: 300,
      deliveries: 3,
    });
    await waitProcessed(corpId, 'quota_expire_soon');

    const seen = await notices(ctx);
    expect(seen.list.map((n) => n.changeType)).toEqual(['quota_expire_soon', 'balance_low']);
    expect(seen.warning).toEqual({
      changeType: 'quota_expire_soon',
      text: '获客助手有 300 个额度即将过期（2027/1/16）',
      occurredAt: expect.any(String),
      expireTime: new Date(expireTime * 1000).toISOString(),
      expireQuotaNum: 300,
    });
    expect(seen.list[1]).toMatchObject({ text: '获客助手额度即将用完，请及时购买', expireTime: null });
    expect(await db('acq_event').where({ corp_id: corpId })).toHaveLength(2);
    expect(seen.quota).toEqual({
      total: 0,
      balance: 19,
      expiring: [{ expireDate: new Date(expireTime * 1000).toISOString(), balance: 300 }],
    });
    expect(await notices(other)).toMatchObject({ warning: null, list: [] });

    await control('POST', `/corps/${corpId}/clock`, { advanceSeconds: 60, silent: true });
    await act(corpId, 'acquisition-quota', { changeType: 'balance_exhausted' });
    await waitProcessed(corpId, 'balance_exhausted');
    expect((await notices(ctx)).warning).toMatchObject({
      changeType: 'balance_exhausted',
      text: '获客助手额度已用完，获客链接暂时无法再添加客户',
    });
    await control('POST', `/corps/${corpId}/clock`, { advanceSeconds: 60, silent: true });
    await act(corpId, 'acquisition-quota', { changeType: 'balance_increased', balance: 20 });
    await waitProcessed(corpId, 'balance_increased');
    const cleared = await notices(ctx);
    expect(cleared.warning).toBeNull();
    expect(cleared.list).toHaveLength(4);

    // Each customer a link brings uses one; going below 20 WeCom says so by itself.
    await control('POST', `/corps/${corpId}/clock`, { advanceSeconds: 60, silent: true });
    const { rule } = await publishedLink(ctx);
    const scanned = await act(corpId, 'customer-scans', { linkId: rule.configLinkId, customerChannel: rule.state });
    expect(scanned.callbacks.map((c) => c.outcome)).toEqual(['delivered', 'delivered']);
    await waitProcessed(corpId, 'balance_low', 2);
    const low = await notices(ctx);
    expect(low.warning).toMatchObject({ changeType: 'balance_low' });
    expect(low.quota).toMatchObject({ total: 1, balance: 19 });
  });

  it('puts a customer’s first chat after an add through a link on their timeline, once', async () => {
    const ctx = await acquisitionCorp(db);
    const corpId = ctx.corp.corpId;
    const { rule } = await publishedLink(ctx);
    const scanned = await act<{ userid: string; externalUserid: string }>(corpId, 'customer-scans', {
      linkId: rule.configLinkId,
      customerChannel: rule.state,
    });
    const customer = scanned.done.externalUserid;
    await waitFor(
      'the add attributed',
      async () =>
        (await db('acq_attribution').where({ corp_id: corpId, external_userid: customer }).first()) ?? undefined,
    );

    await act(corpId, 'customer-starts-chat', { userid: scanned.done.userid, externalUserid: customer, deliveries: 3 });
    await waitProcessed(corpId, 'customer_start_chat');
    const row = (await db('wecom_customer').where({ corp_id: corpId, external_userid: customer }).first('id')) as {
      id: string;
    };
    const chats = (await timelineOf(ctx, `customerId=${row.id}`)).filter((e) => e.kind === 'acq_chat_started');
    const name = (
      (await db('wecom_employee').where({ corp_id: corpId, userid: scanned.done.userid }).first('name')) as {
        name: string;
      }
    ).name;
    expect(chats).toEqual([
      expect.objectContaining({ text: `客户通过获客链接添加后，首次向 ${name} 发送了消息`, actorType: 'customer' }),
    ]);
    expect(await db('customer_event').where({ corp_id: corpId, external_userid: customer })).toHaveLength(1);
  });
});

describe('a customer added through a link is linked to the clue it already is', () => {
  it('by a remark mobile: the most recent open clue of the corp, never a closed one or another corp’s', async () => {
    const ctx = await acquisitionCorp(db);
    const other = await acquisitionCorp(db);
    const corpId = ctx.corp.corpId;
    const { rule } = await publishedLink(ctx);
    const phone = freshPhone();
    const owner = ctx.users[1]!;
    const older = await insertClue({ phone, owner, ctime: minutesAgo(50) });
    const chosen = await insertClue({ phone, owner, ctime: minutesAgo(40) });
    await insertClue({ phone, owner, status: 'closed', ctime: minutesAgo(30) });
    // Owned by an employee only the other corp has.
    const outsider = uid('u');
    await seedEmployee(db, other.corp.corpId, { userid: outsider });
    await insertClue({ phone, owner: outsider, ctime: minutesAgo(20) });
    // Already the clue of the other corp's customer.
    const theirs = await insertClue({ phone, owner, ctime: minutesAgo(10) });
    const theirCustomer = await seedCustomer(db, other.corp.corpId);
    await db('wecom_customer')
      .where({ corp_id: other.corp.corpId, external_userid: theirCustomer })
      .update({ clue_id: theirs });
    // Unowned and unlinked: no corp of its own while the installation serves several.
    await insertClue({ phone, owner: null, ctime: minutesAgo(5) });

    const scanned = await act<{ userid: string; externalUserid: string }>(corpId, 'customer-scans', {
      linkId: rule.configLinkId,
      customerChannel: rule.state,
      remarkMobiles: [`+86 ${phone.slice(0, 3)}-${phone.slice(3, 7)}-${phone.slice(7)}`],
      deliveries: 3,
    });
    const customer = scanned.done.externalUserid;
    const linked = await waitFor(
      'the customer linked to a clue',
      async () => (await clueOfCustomer(corpId, customer)) ?? undefined,
    );
    expect(String(linked)).toBe(chosen);
    const events = await db('clue_event').where({ clue_id: chosen, kind: 'wecom_customer_linked' });
    expect(events).toEqual([
      expect.objectContaining({
        cuser: null,
        detail: expect.objectContaining({ externalUserid: customer, matchedBy: 'phone', userid: scanned.done.userid }),
      }),
    ]);
    expect(await db('clue_event').where({ clue_id: older, kind: 'wecom_customer_linked' })).toEqual([]);
    const linkedEntries = (await timelineOf(ctx, `clueId=${chosen}`)).filter((e) => e.kind === 'wecom_customer_linked');
    expect(linkedEntries).toEqual([
      expect.objectContaining({
        actorType: 'system',
        text: expect.stringMatching(/^客户通过获客链接添加 .+ 后，按备注手机号自动将线索关联到企微客户「.+」$/),
      }),
    ]);
  });

  it('leaves a customer unlinked when only another corp’s clue or a closed one has the phone, and keeps an admin’s link', async () => {
    const ctx = await acquisitionCorp(db);
    const other = await acquisitionCorp(db);
    const corpId = ctx.corp.corpId;
    const { link, rule } = await publishedLink(ctx);
    const phone = freshPhone();
    const outsider = uid('u');
    await seedEmployee(db, other.corp.corpId, { userid: outsider });
    await insertClue({ phone, owner: outsider, ctime: minutesAgo(20) });
    await insertClue({ phone, owner: ctx.users[0], status: 'closed', ctime: minutesAgo(10) });

    const scanned = await act<{ externalUserid: string }>(corpId, 'customer-scans', {
      linkId: rule.configLinkId,
      customerChannel: rule.state,
      remarkMobiles: [phone],
    });
    await waitFor('the add counted', async () =>
      (await getLink(ctx, link.id)).addFriendCount === 1 ? true : undefined,
    );
    await sleep(500);
    const customer = scanned.done.externalUserid;
    expect(await clueOfCustomer(corpId, customer)).toBeNull();

    // An admin links the customer; a later add with another clue's phone leaves that link alone.
    const adminsClue = await insertClue({ phone: freshPhone(), owner: ctx.users[0], ctime: minutesAgo(8) });
    const linkedByAdmin = await ctx.api.post('/admin/clue/linkWecomCustomer', {
      clueId: adminsClue,
      externalUserid: customer,
    });
    expect(linkedByAdmin.status).toBe(200);
    const otherPhone = freshPhone();
    await insertClue({ phone: otherPhone, owner: ctx.users[0], ctime: minutesAgo(1) });
    await act(corpId, 'customer-adds-employee', {
      userid: ctx.users[1],
      externalUserid: customer,
      linkId: rule.configLinkId,
      customerChannel: rule.state,
      remarkMobiles: [otherPhone],
    });
    await waitFor('the second add counted', async () =>
      (await getLink(ctx, link.id)).addFriendCount === 2 ? true : undefined,
    );
    await sleep(500);
    expect(String(await clueOfCustomer(corpId, customer))).toBe(adminsClue);
  });

  it('when the employee writes the phone into the remark after the add', async () => {
    const ctx = await acquisitionCorp(db);
    const corpId = ctx.corp.corpId;
    const { link, rule } = await publishedLink(ctx);
    const phone = freshPhone();
    const clueId = await insertClue({ phone, owner: ctx.users[0], ctime: minutesAgo(2) });
    const scanned = await act<{ userid: string; externalUserid: string }>(corpId, 'customer-scans', {
      linkId: rule.configLinkId,
      customerChannel: rule.state,
    });
    await waitFor('the add counted', async () =>
      (await getLink(ctx, link.id)).addFriendCount === 1 ? true : undefined,
    );
    expect(await clueOfCustomer(corpId, scanned.done.externalUserid)).toBeNull();

    await act(corpId, 'employee-edits-contact', { ...scanned.done, remarkMobiles: [phone], deliveries: 2 });
    const linked = await waitFor(
      'the customer linked after the edit',
      async () => (await clueOfCustomer(corpId, scanned.done.externalUserid)) ?? undefined,
    );
    expect(String(linked)).toBe(clueId);
    expect(await db('clue_event').where({ clue_id: clueId, kind: 'wecom_customer_linked' })).toHaveLength(1);

    // A customer who came some other way is not linked by the system.
    const direct = await act<{ userid: string; externalUserid: string }>(corpId, 'customer-adds-employee', {
      userid: ctx.users[0],
    });
    await waitFor(
      'the direct add mirrored',
      async () =>
        (await db('wecom_customer').where({ corp_id: corpId, external_userid: direct.done.externalUserid }).first()) ??
        undefined,
    );
    const otherClue = await insertClue({ phone: freshPhone(), owner: ctx.users[0], ctime: minutesAgo(1) });
    const otherPhone = (
      (await db('clue').where({ id: otherClue }).first('phone_normalized')) as { phone_normalized: string }
    ).phone_normalized;
    await act(corpId, 'employee-edits-contact', { ...direct.done, remarkMobiles: [otherPhone] });
    await waitFor('the edit applied', async () => {
      const row = (await db('wecom_relation')
        .where({ corp_id: corpId, external_userid: direct.done.externalUserid })
        .first('remark_mobiles')) as { remark_mobiles: string[] } | undefined;
      return row?.remark_mobiles.includes(otherPhone) ? true : undefined;
    });
    await sleep(300);
    expect(await clueOfCustomer(corpId, direct.done.externalUserid)).toBeNull();
  });

  it('by the unionid a landing page named with its clue in allocationHit', async () => {
    const ctx = await acquisitionCorp(db);
    const corpId = ctx.corp.corpId;
    const { link, rule } = await publishedLink(ctx);
    const partner = await createPartner(db);
    const businessId = uid('biz-');
    // A partner's clue waiting in the pool, with a phone the customer never gives.
    const clueId = await insertClue({
      phone: freshPhone(),
      owner: null,
      ctime: minutesAgo(3),
      partnerId: String(partner.partnerId),
      businessId,
    });
    const unionid = uid('o');
    const hit = await call<{ hit: boolean; userId: string }>(
      sharedApiUrl,
      'POST',
      '/api-scrm/openapi/link/allocationHit',
      { body: { secretKey: partner.secretKey, linkId: link.id, unionid, businessId } },
    );
    expect(hit.status).toBe(200);
    expect(hit.body.data).toMatchObject({ hit: true, userId: rule.userId });
    expect(await db('acq_visitor_clue').where({ corp_id: corpId, unionid })).toEqual([
      expect.objectContaining({ clue_id: clueId, link_id: link.id }),
    ]);

    const scanned = await act<{ userid: string; externalUserid: string }>(corpId, 'customer-scans', {
      linkId: rule.configLinkId,
      customerChannel: rule.state,
      customer: { unionid },
    });
    const linked = await waitFor(
      'the customer linked by unionid',
      async () => (await clueOfCustomer(corpId, scanned.done.externalUserid)) ?? undefined,
    );
    expect(String(linked)).toBe(clueId);
    expect(await db('clue_event').where({ clue_id: clueId, kind: 'wecom_customer_linked' })).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ matchedBy: 'unionid' }) }),
    ]);

    // Another visitor that no landing page named stays unlinked.
    const stranger = await act<{ externalUserid: string }>(corpId, 'customer-scans', {
      linkId: rule.configLinkId,
      customerChannel: rule.state,
      customer: { unionid: uid('o') },
    });
    await waitFor('the second add counted', async () =>
      (await getLink(ctx, link.id)).addFriendCount === 2 ? true : undefined,
    );
    expect(await clueOfCustomer(corpId, stranger.done.externalUserid)).toBeNull();
  });
});
