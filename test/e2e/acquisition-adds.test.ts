import type { Db } from '../../src/db/knex';
import { acquisitionCorp, type AcquisitionCorp } from '../helpers/acquisition';
import { createAdmin, testDb } from '../helpers/factories';
import { randomPng } from '../helpers/images';
import { seedCorpTagGroup } from '../helpers/mirror-tags-groups';
import { sleep, waitFor } from '../helpers/wait';
import { control, postSignedCallback, sentPlaintext } from '../helpers/wecom';
import { sharedApiUrl, TEST_FILES_DIR } from '../helpers/env';
import pino from 'pino';
import { WelcomeFastPath } from '../../src/domain/acquisition/welcome-fast-path';
import { LocalFileStore } from '../../src/domain/files/local-file-store';
import { createWecomApiFactory } from '../../src/wecom/client-factory';
import { simulatorUrl } from '../helpers/wecom';
import { storeCallbackEvent } from '../../src/domain/wecom-events/event-store';
import { parseCallbackEvent } from '../../src/wecom/callback-xml';

interface Scan {
  action: string;
  done: { userid: string; externalUserid: string; state: string | null; welcomeCode: string | null };
  callbacks: Array<{ id: number; outcome: string }>;
}
interface SimWelcome {
  welcomeCode: string;
  userid: string;
  externalUserid: string;
  text?: string;
  attachments: Array<Record<string, unknown>>;
}
interface SimTagGroup {
  group_id: string;
  group_name: string;
  tag: Array<{ id: string; name: string }>;
}
interface SimCustomer {
  external_contact: { external_userid: string };
  follow_user: Array<{ userid: string; tags?: Array<{ tag_id: string }> }>;
}
interface LinkView {
  id: string;
  addFriendCount: number;
  allocationRules: Array<{ id: string; userId: string; state: string; configLinkId: string | null }>;
}

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(async () => db.destroy());

const simState = <T>(corpId: string, sections: string[]) =>
  control<T>('GET', `/corps/${corpId}/state?sections=${sections.join(',')}`);
const welcomesOf = async (corpId: string) =>
  (await simState<{ welcomes: SimWelcome[] }>(corpId, ['welcomes'])).welcomes;
const welcomeCalls = async (corpId: string) =>
  (await control<{ apiCalls: { byPath: Record<string, number> } }>('GET', `/corps/${corpId}/stats`)).apiCalls.byPath[
    'externalcontact/send_welcome_msg'
  ] ?? 0;
const attributionsOf = (corpId: string, externalUserid: string) =>
  db('acq_attribution').where({ corp_id: corpId, external_userid: externalUserid });
const welcomeSendOf = async (corpId: string, externalUserid: string) =>
  (await db('acq_welcome_send as w')
    .join('wecom_callback_event as e', 'e.id', 'w.event_id')
    .where('e.corp_id', corpId)
    .andWhereRaw("e.payload->>'ExternalUserID' = ?", [externalUserid])
    .select('w.status', 'w.sender', 'w.errcode')) as Array<{ status: string; sender: string; errcode: number | null }>;

/**
 * Stores an add the way the receiver does, but without the receiver's send on receipt — as if the
 * API died right after committing it: the outbox sweep starts its workflow, which must send.
 */
async function storedBehindTheApi(corpId: string, plaintext: string): Promise<string> {
  const stored = await storeCallbackEvent(db, corpId, plaintext, parseCallbackEvent(plaintext).fields);
  expect(stored.duplicate).toBe(false);
  return stored.id;
}

/** A WeCom tag that exists in the simulator and in our mirror. */
async function sharedTag(ctx: AcquisitionCorp): Promise<string> {
  const { tagGroups } = await simState<{ tagGroups: SimTagGroup[] }>(ctx.corp.corpId, ['tagGroups']);
  const group = tagGroups.find((g) => g.tag.length > 0);
  if (!group) throw new Error('the simulated corp has no corp tag');
  const tag = group.tag[0]!;
  await seedCorpTagGroup(db, ctx.corp.corpId, {
    groupId: group.group_id,
    name: group.group_name,
    tags: [{ tagId: tag.id, name: tag.name }],
  });
  return tag.id;
}

/** A published link with one QR rule for the first employee, a welcome of text, an image and a link, and a corp tag. */
async function publishedLink(ctx: AcquisitionCorp) {
  const tagId = await sharedTag(ctx);
  const text = await ctx.api.post<{ id: string }>('/admin/material/save', {
    type: 'text',
    scope: 1,
    content: '回复 1 领取资料',
  });
  const form = new FormData();
  form.append('file', new Blob([randomPng(4, 3)], { type: 'image/png' }), '海报.png');
  const imageAnswer = await fetch(`${sharedApiUrl}/admin/material/upload?type=image&scope=1`, {
    method: 'POST',
    headers: { token: (await createAdmin(db, sharedApiUrl, { corpId: ctx.corp.corpId })).token },
    body: form,
  });
  const image = (await imageAnswer.json()) as { data: { id: string; mediaId: string } };
  const link = await ctx.api.post<{ id: string }>('/admin/material/save', {
    type: 'link',
    scope: 1,
    title: '春季活动',
    url: 'https://example.com/spring',
  });
  const [a] = ctx.users;
  const draft = await ctx.api.post<LinkView>('/admin/cust/get/link/save', {
    linkName: '抖音投放',
    channelId: Number(ctx.channelId),
    allocationRules: [{ userId: a, weight: 1, getType: 'qr' }],
    userList: [a],
    isSendWelcome: 1,
    welcomeContent: '您好，欢迎咨询！',
    mediaIds: [text.body.data.id, image.data.id, link.body.data.id],
    cstTags: [tagId],
    skipVerify: 'false',
    status: 0,
  });
  expect(draft.status).toBe(200);
  const published = await ctx.api.post<LinkView>('/admin/cust/get/link/save', { id: draft.body.data.id, status: 1 });
  expect(published.status).toBe(200);
  const rule = published.body.data.allocationRules[0]!;
  expect(rule.configLinkId).toBeTruthy();
  return { link: published.body.data, rule, tagId, imageMediaId: image.data.mediaId };
}

const scan = (corpId: string, body: Record<string, unknown>) =>
  control<Scan>('POST', `/corps/${corpId}/actions/customer-scans`, body);

function addEventXml(corpId: string, done: Scan['done'], createTime: number): string {
  return (
    `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType>` +
    `<UserID><![CDATA[${done.userid}]]></UserID><ExternalUserID><![CDATA[${done.externalUserid}]]></ExternalUserID>` +
    `<State><![CDATA[${done.state ?? ''}]]></State><WelcomeCode><![CDATA[${done.welcomeCode ?? ''}]]></WelcomeCode></xml>`
  );
}

describe('a customer added through an acquisition link', () => {
  it('gets the welcome, the tags and the attribution, counted once however often the callback comes', async () => {
    const ctx = await acquisitionCorp(db);
    const { link, rule, tagId, imageMediaId } = await publishedLink(ctx);
    const corpId = ctx.corp.corpId;

    const scanned = await scan(corpId, { configId: rule.configLinkId });
    expect(scanned.done).toMatchObject({ userid: rule.userId, state: rule.state, welcomeCode: expect.any(String) });
    expect(scanned.callbacks.map((c) => c.outcome)).toEqual(['delivered']);
    const customer = scanned.done.externalUserid;

    const [attribution] = await waitFor('the add to be attributed', async () => {
      const rows = await attributionsOf(corpId, customer);
      return rows.length > 0 ? rows : undefined;
    });
    expect(attribution).toMatchObject({
      userid: rule.userId,
      link_id: link.id,
      rule_id: rule.id,
      channel_id: ctx.channelId,
      state: rule.state,
      welcome_status: 'sent',
      welcome_errcode: null,
    });

    const welcomes = (await welcomesOf(corpId)).filter((w) => w.externalUserid === customer);
    expect(welcomes).toEqual([
      expect.objectContaining({
        welcomeCode: scanned.done.welcomeCode,
        userid: rule.userId,
        text: '您好，欢迎咨询！\n回复 1 领取资料',
        attachments: [
          { msgtype: 'image', image: { media_id: imageMediaId } },
          { msgtype: 'link', link: { title: '春季活动', url: 'https://example.com/spring' } },
        ],
      }),
    ]);

    await waitFor(
      'the tag in the mirror',
      async () =>
        (await db('customer_tag')
          .where({ corp_id: corpId, external_userid: customer, userid: rule.userId, tag_id: tagId })
          .first()) ?? undefined,
    );
    const { customers } = await simState<{ customers: SimCustomer[] }>(corpId, ['customers']);
    const inSim = customers.find((c) => c.external_contact.external_userid === customer);
    expect(inSim?.follow_user.find((f) => f.userid === rule.userId)?.tags?.map((t) => t.tag_id)).toEqual([tagId]);

    const counted = await ctx.api.get<LinkView>(`/admin/cust/get/link/${link.id}`);
    expect(counted.body.data.addFriendCount).toBe(1);
    // Sent by the API on receipt; the workflow found it sent and called WeCom no second time.
    expect(await welcomeSendOf(corpId, customer)).toEqual([{ status: 'sent', sender: 'api', errcode: null }]);
    expect(await welcomeCalls(corpId)).toBe(1);

    // WeCom's redeliveries: the identical plaintext twice more.
    const plaintext = await sentPlaintext(corpId, scanned.callbacks[0]!.id);
    for (let i = 0; i < 2; i++) expect((await postSignedCallback(ctx.corp, plaintext)).status).toBe(200);
    await sleep(1500);
    expect(await attributionsOf(corpId, customer)).toHaveLength(1);
    expect((await ctx.api.get<LinkView>(`/admin/cust/get/link/${link.id}`)).body.data.addFriendCount).toBe(1);
    expect((await welcomesOf(corpId)).filter((w) => w.externalUserid === customer)).toHaveLength(1);
    // The link's tag is on the customer's timeline once, put there by the system in the link's name.
    const tagged = (await db('customer_event')
      .where({ corp_id: corpId, external_userid: customer, kind: 'corp_tags_changed' })
      .select('cuser', 'detail')) as Array<{ cuser: string | null; detail: Record<string, unknown> }>;
    expect(tagged).toEqual([
      {
        cuser: null,
        detail: expect.objectContaining({
          via: 'acquisition',
          linkId: link.id,
          linkName: '抖音投放',
          userid: rule.userId,
          added: [expect.objectContaining({ id: tagId })],
          removed: [],
        }),
      },
    ]);

    const detail = await ctx.api.get<{ acquisitions: Array<Record<string, unknown>> }>(
      `/admin/customer/byExternalUserid?externalUserid=${customer}`,
    );
    expect(detail.status).toBe(200);
    expect(detail.body.data.acquisitions).toEqual([
      {
        linkId: link.id,
        ruleId: rule.id,
        channelId: ctx.channelId,
        userid: rule.userId,
        state: rule.state,
        addTime: expect.any(String),
        welcomeStatus: 'sent',
        welcomeErrcode: null,
      },
    ]);
  });

  it('records a welcome code older than 20 seconds as expired and stops there', async () => {
    const ctx = await acquisitionCorp(db);
    const { link, rule } = await publishedLink(ctx);
    const corpId = ctx.corp.corpId;

    // Held back by WeCom past the code's life: the simulator refuses the code.
    const held = await scan(corpId, { configId: rule.configLinkId, silent: true });
    const scannedAt = Math.floor(Date.now() / 1000);
    await control('POST', `/corps/${corpId}/clock`, { advanceSeconds: 25, silent: true });
    const callsBefore = await welcomeCalls(corpId);
    expect((await postSignedCallback(ctx.corp, addEventXml(corpId, held.done, scannedAt))).status).toBe(200);
    const [late] = await waitFor('the late add to be attributed', async () => {
      const rows = await attributionsOf(corpId, held.done.externalUserid);
      return rows.length > 0 ? rows : undefined;
    });
    expect(late).toMatchObject({ link_id: link.id, welcome_status: 'expired', welcome_errcode: 41049 });
    await sleep(1000);
    expect((await welcomeCalls(corpId)) - callsBefore).toBe(1);

    // An event whose time is already 30 s past: not even tried.
    const old = await scan(corpId, { configId: rule.configLinkId, silent: true });
    const before = await welcomeCalls(corpId);
    const oldTime = Math.floor(Date.now() / 1000) - 30;
    expect((await postSignedCallback(ctx.corp, addEventXml(corpId, old.done, oldTime))).status).toBe(200);
    const [stale] = await waitFor('the stale add to be attributed', async () => {
      const rows = await attributionsOf(corpId, old.done.externalUserid);
      return rows.length > 0 ? rows : undefined;
    });
    expect(stale).toMatchObject({ welcome_status: 'expired', welcome_errcode: null });
    expect(await welcomeCalls(corpId)).toBe(before);
    expect((await welcomesOf(corpId)).filter((w) => w.externalUserid !== held.done.externalUserid)).toEqual([]);
    expect((await ctx.api.get<LinkView>(`/admin/cust/get/link/${link.id}`)).body.data.addFriendCount).toBe(2);
  });

  it("is welcomed by the event's workflow when the API stored the add but did not send", async () => {
    const ctx = await acquisitionCorp(db);
    const { rule } = await publishedLink(ctx);
    const corpId = ctx.corp.corpId;
    const held = await scan(corpId, { configId: rule.configLinkId, silent: true });
    await storedBehindTheApi(corpId, addEventXml(corpId, held.done, Math.floor(Date.now() / 1000)));
    const [attribution] = await waitFor('the add to be attributed', async () => {
      const rows = await attributionsOf(corpId, held.done.externalUserid);
      return rows.length > 0 ? rows : undefined;
    });
    expect(attribution).toMatchObject({ welcome_status: 'sent' });
    expect(await welcomeSendOf(corpId, held.done.externalUserid)).toEqual([
      { status: 'sent', sender: 'worker', errcode: null },
    ]);
    expect((await welcomesOf(corpId)).map((w) => w.welcomeCode)).toEqual([held.done.welcomeCode]);
  });

  it('takes over the welcome from an API that claimed it and died, before the code expires', async () => {
    const ctx = await acquisitionCorp(db);
    const { rule } = await publishedLink(ctx);
    const corpId = ctx.corp.corpId;
    const held = await scan(corpId, { configId: rule.configLinkId, silent: true });
    const eventId = await storedBehindTheApi(corpId, addEventXml(corpId, held.done, Math.floor(Date.now() / 1000)));
    // The dead API's claim, taken just now: the workflow waits for its lease to pass, then sends.
    await db('acq_welcome_send').insert({
      event_id: eventId,
      status: 'sending',
      sender: 'api',
      claimed_at: new Date(),
    });
    const [attribution] = await waitFor('the add to be attributed', async () => {
      const rows = await attributionsOf(corpId, held.done.externalUserid);
      return rows.length > 0 ? rows : undefined;
    });
    expect(attribution).toMatchObject({ welcome_status: 'sent' });
    expect(await welcomeSendOf(corpId, held.done.externalUserid)).toEqual([
      { status: 'sent', sender: 'worker', errcode: null },
    ]);
    expect(await welcomeCalls(corpId)).toBe(1);
  });

  it('is welcomed on receipt even when its workflow has already started', async () => {
    const ctx = await acquisitionCorp(db);
    const { rule } = await publishedLink(ctx);
    const corpId = ctx.corp.corpId;
    const held = await scan(corpId, { configId: rule.configLinkId, silent: true });
    const eventId = await storedBehindTheApi(corpId, addEventXml(corpId, held.done, Math.floor(Date.now() / 1000)));
    // What the outbox does the moment it starts the workflow: the API's send must not skip the event for it.
    await db('wecom_callback_event').where({ id: eventId }).update({ status: 'started' });
    const wecom = createWecomApiFactory(db, { baseUrl: `${simulatorUrl}/cgi-bin/`, logger: pino({ level: 'silent' }) });
    const fastPath = new WelcomeFastPath(
      { db, wecom, files: new LocalFileStore(TEST_FILES_DIR) },
      pino({ level: 'silent' }),
    );
    fastPath.offer({ corpId, eventId, changeType: 'add_external_contact' });
    await fastPath.drained();
    expect(await welcomeSendOf(corpId, held.done.externalUserid)).toEqual([
      { status: 'sent', sender: 'api', errcode: null },
    ]);
    expect((await welcomesOf(corpId)).map((w) => w.welcomeCode)).toEqual([held.done.welcomeCode]);
  });
});
