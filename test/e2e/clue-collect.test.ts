import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from '../helpers/env';
import { clueBody, createPartner, testDb, uid } from '../helpers/factories';
import { call, inParallel } from '../helpers/http';
import { Client, Connection } from '@temporalio/client';
import { sharedTemporalAddress } from '../helpers/env';
import { waitFor } from '../helpers/wait';

const COLLECT = '/api-scrm/openapi/clue/collect';

describe('POST /api-scrm/openapi/clue/collect', () => {
  let db: Db;
  let partner: Awaited<ReturnType<typeof createPartner>>;

  beforeAll(async () => {
    db = testDb();
    partner = await createPartner(db);
  });
  afterAll(async () => db.destroy());

  const cluesOfPartner = (partnerId: string) => db('clue').where({ partner_id: partnerId });

  it('stores the clue before answering and answers the seed envelope with the businessId', async () => {
    const body = clueBody(partner.secretKey);
    const response = await call(sharedApiUrl, 'POST', COLLECT, { body });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ code: '200', msg: 'success', data: body['businessId'] });
    const row = await db('clue').where({ partner_id: partner.partnerId, business_id: body['businessId'] }).first();
    expect(row).toMatchObject({
      link_man_name: '王先生',
      link_man_tel: '+86 138-0013-8000',
      phone_normalized: '13800138000',
      email: 'wang@example.com',
      remark: body['remark'],
      source: 1,
      device: 'mobile',
      tag: '报价',
      se: 'baidu',
      chat: body['chat'],
      receive_count: 1,
    });
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('stores Chinese text, emoji and quotes exactly as sent', async () => {
    const chat = '客户：你好😀，请问"报价"多少？\\n销售：您好\\\\稍等👍';
    const body = clueBody(partner.secretKey, { chat, remark: '需求：🚗 "SUV"', linkManName: '李😀' });
    const response = await call(sharedApiUrl, 'POST', COLLECT, { body });
    expect(response.status).toBe(200);
    const row = await db('clue').where({ partner_id: partner.partnerId, business_id: body['businessId'] }).first();
    expect(row).toMatchObject({ chat, remark: '需求：🚗 "SUV"', link_man_name: '李😀' });
  });

  const invalid: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['missing businessId', { businessId: undefined }, 'businessId', /required/],
    ['businessId with spaces', { businessId: 'a b' }, 'businessId', /printable/],
    ['businessId too long', { businessId: 'x'.repeat(65) }, 'businessId', /1-64 printable/],
    ['missing linkManName', { linkManName: undefined }, 'linkManName', /required/],
    ['blank linkManName', { linkManName: '   ' }, 'linkManName', /blank/],
    ['linkManName too long', { linkManName: '名'.repeat(65) }, 'linkManName', /at most 64/],
    ['missing linkManTel', { linkManTel: undefined }, 'linkManTel', /required/],
    ['bad phone', { linkManTel: '12345' }, 'linkManTel', /phone/],
    ['foreign phone', { linkManTel: '+1 415 555 0100' }, 'linkManTel', /phone/],
    ['bad email', { email: 'not-an-email' }, 'email', /email/],
    ['address too long', { address: 'a'.repeat(257) }, 'address', /at most 256/],
    ['wechat too long', { wechat: 'w'.repeat(65) }, 'wechat', /at most 64/],
    ['missing remark', { remark: undefined }, 'remark', /required/],
    ['missing source', { source: undefined }, 'source', /required/],
    ['source as string', { source: '1' }, 'source', /integer/],
    ['source zero', { source: 0 }, 'source', />= 1/],
    ['source fraction', { source: 1.5 }, 'source', /integer/],
    ['missing fromPage', { fromPage: undefined }, 'fromPage', /required/],
    ['fromPage not a URL', { fromPage: 'baidu' }, 'fromPage', /http\(s\) URL/],
    ['landPage ftp', { landPage: 'ftp://example.com/x' }, 'landPage', /http\(s\) URL/],
    ['missing submitPage', { submitPage: undefined }, 'submitPage', /required/],
    ['missing device', { device: undefined }, 'device', /required/],
    ['device tablet', { device: 'tablet' }, 'device', /one of: pc, mobile/],
    ['tag too long', { tag: 't'.repeat(65) }, 'tag', /at most 64/],
    ['se too long', { se: 's'.repeat(65) }, 'se', /at most 64/],
    ['missing chat', { chat: undefined }, 'chat', /required/],
    ['chat too long', { chat: 'c'.repeat(200_001) }, 'chat', /at most 200000/],
    ['NUL character in remark (PostgreSQL text cannot hold it)', { remark: 'a\u0000b' }, 'remark', /NUL/],
    ['NUL character in chat', { chat: '客户：你好\u0000' }, 'chat', /NUL/],
    ['lone UTF-16 surrogate in linkManName', { linkManName: '王\ud800' }, 'linkManName', /Unicode/],
    ['missing secretKey', { secretKey: undefined }, 'secretKey', /required/],
  ];

  it.each(invalid)(
    'rejects %s with a message naming the field, writing nothing',
    async (_, overrides, field, message) => {
      const body = clueBody(partner.secretKey, overrides);
      for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete body[k];
      const before = await cluesOfPartner(partner.partnerId).count({ n: '*' }).first();
      const response = await call<{ errors: Array<{ field: string; message: string }> }>(
        sharedApiUrl,
        'POST',
        COLLECT,
        { body },
      );
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('400');
      expect(response.body.msg).toContain(field);
      const problem = response.body.data.errors.find((e) => e.field === field);
      expect(problem?.message).toMatch(message);
      const after = await cluesOfPartner(partner.partnerId).count({ n: '*' }).first();
      expect(after).toEqual(before);
    },
  );

  it('accepts optional fields left empty and a long chat transcript', async () => {
    const chat = '访客: 你好。'.repeat(20_000);
    const body = clueBody(partner.secretKey, { email: '', address: '', wechat: '', tag: '', se: '', chat });
    const response = await call(sharedApiUrl, 'POST', COLLECT, { body });
    expect(response.status).toBe(200);
    const row = await db('clue').where({ partner_id: partner.partnerId, business_id: body['businessId'] }).first();
    expect(row.email).toBeNull();
    expect(row.chat).toHaveLength(chat.length);
  });

  it('rejects malformed JSON and oversized bodies without writing', async () => {
    const before = await cluesOfPartner(partner.partnerId).count({ n: '*' }).first();
    const bad = await call(sharedApiUrl, 'POST', COLLECT, { rawBody: '{"secretKey": ' });
    expect(bad.status).toBe(400);
    expect(bad.body.msg).toMatch(/not valid JSON/);
    const huge = await call(sharedApiUrl, 'POST', COLLECT, {
      rawBody: JSON.stringify(clueBody(partner.secretKey, { chat: 'x'.repeat(1_100_000) })),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('413');
    expect(await cluesOfPartner(partner.partnerId).count({ n: '*' }).first()).toEqual(before);
  });

  it('rejects unknown, forged and revoked keys with 401 and writes nothing', async () => {
    const other = await createPartner(db);
    const [, keyId] = other.secretKey.split('_');
    const forged = other.secretKey.slice(0, -4) + (other.secretKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const secretKey of ['nonsense', `pk_${keyId}_${'A'.repeat(43)}`, forged]) {
      const response = await call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(secretKey) });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('401');
    }
    const admin = await db('partner_key').where({ key_id: keyId }).update({ revoked_at: db.fn.now() });
    expect(admin).toBe(1);
    // Revocation applies within the credential cache TTL (5 s).
    await waitFor(
      'revoked key to be refused',
      async () => {
        const r = await call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(other.secretKey) });
        return r.status === 401 ? r : undefined;
      },
      { timeoutMs: 8000, intervalMs: 500 },
    );
    const stored = await db('clue').where({ partner_id: other.partnerId }).count({ n: '*' }).first();
    // Requests sent during the cache window may have been accepted; none after the refusal.
    const afterRefusal = stored;
    const again = await call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(other.secretKey) });
    expect(again.status).toBe(401);
    expect(await db('clue').where({ partner_id: other.partnerId }).count({ n: '*' }).first()).toEqual(afterRefusal);
  });

  it('limits each partner to its request budget with 429', async () => {
    const limited = await createPartner(db, 3);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(limited.secretKey) })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const other = await call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(partner.secretKey) });
    expect(other.status).toBe(200);
    expect(await db('clue').where({ partner_id: limited.partnerId }).count({ n: '*' }).first()).toEqual({ n: '3' });
  });

  it('updates the one clue when the same businessId comes again', async () => {
    const businessId = uid('same-');
    const first = await call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(partner.secretKey, { businessId }) });
    const second = await call(sharedApiUrl, 'POST', COLLECT, {
      body: clueBody(partner.secretKey, { businessId, remark: '改成要试用', linkManTel: '13900139000' }),
    });
    expect([first.status, second.status]).toEqual([200, 200]);
    const rows = await db('clue').where({ partner_id: partner.partnerId, business_id: businessId });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ remark: '改成要试用', phone_normalized: '13900139000', receive_count: 2 });
  });

  it('keeps every clue of a concurrent burst of new and repeated businessIds from two partners apart', async () => {
    // Concurrent intakes share statements (group commit): each post must still land on its own clue.
    const other = await createPartner(db);
    const businessIds = Array.from({ length: 20 }, () => uid('mix-'));
    const posts = businessIds.flatMap((businessId) =>
      [partner, other].flatMap((owner) =>
        [1, 2, 3].map((n) => ({ owner, businessId, remark: `${owner.partnerId}/${businessId}/${n}` })),
      ),
    );
    posts.sort(() => Math.random() - 0.5);
    const responses = await inParallel(posts.length, 60, (i) => {
      const post = posts[i]!;
      return call(sharedApiUrl, 'POST', COLLECT, {
        body: clueBody(post.owner.secretKey, { businessId: post.businessId, remark: post.remark }),
      });
    });
    expect(responses.map((r) => r.status)).toEqual(new Array(posts.length).fill(200));
    expect(responses.map((r) => (r.body as { data: string }).data)).toEqual(posts.map((p) => p.businessId));

    const rows: Array<{ id: string; partner_id: string; business_id: string; receive_count: number; remark: string }> =
      await db('clue').whereIn('partner_id', [partner.partnerId, other.partnerId]).whereIn('business_id', businessIds);
    expect(rows).toHaveLength(businessIds.length * 2);
    for (const row of rows) {
      expect(row.receive_count).toBe(3);
      // The stored fields are those of one of this clue's own posts, never a neighbour's.
      expect(row.remark.startsWith(`${row.partner_id}/${row.business_id}/`)).toBe(true);
    }
    const repeats = await db('clue_event')
      .whereIn(
        'clue_id',
        rows.map((row) => row.id),
      )
      .andWhere('kind', 'intake_update')
      .count<{ count: string }[]>('* as count');
    expect(Number(repeats[0]?.count)).toBe(rows.length * 2);

    const connection = await Connection.connect({ address: sharedTemporalAddress });
    try {
      const client = new Client({ connection });
      const query = `BusinessId IN (${businessIds.map((id) => `"${id}"`).join(', ')})`;
      await waitFor('a distribution workflow for every clue', async () => {
        const { count } = await client.workflow.count(query);
        return count >= rows.length ? count : undefined;
      });
      await new Promise((r) => setTimeout(r, 1500)); // let any stray second start show up
      expect((await client.workflow.count(query)).count).toBe(rows.length);
    } finally {
      await connection.close();
    }
  });

  it('gives one clue and one distribution workflow for 50 concurrent posts of one businessId', async () => {
    const businessId = uid('burst-');
    const responses = await inParallel(50, 50, (i) =>
      call(sharedApiUrl, 'POST', COLLECT, { body: clueBody(partner.secretKey, { businessId, remark: `第${i}次` }) }),
    );
    expect(responses.map((r) => r.status)).toEqual(new Array(50).fill(200));
    const rows = await db('clue').where({ partner_id: partner.partnerId, business_id: businessId });
    expect(rows).toHaveLength(1);
    expect(rows[0].receive_count).toBe(50);
    // The first intake is the clue row itself; each of the 49 repeats is an event.
    // (The distribution's own events, such as waiting, may interleave.)
    const events = await db('clue_event')
      .where({ clue_id: rows[0].id })
      .whereIn('kind', ['intake', 'intake_update'])
      .orderBy('id');
    expect(events.map((e: { kind: string }) => e.kind)).toEqual(new Array(49).fill('intake_update'));

    const connection = await Connection.connect({ address: sharedTemporalAddress });
    try {
      const client = new Client({ connection });
      const count = await waitFor('the distribution workflow to be visible', async () => {
        const { count } = await client.workflow.count(`BusinessId = "${businessId}"`);
        return count >= 1 ? count : undefined;
      });
      await new Promise((r) => setTimeout(r, 1500)); // let any stray second start show up
      expect((await client.workflow.count(`BusinessId = "${businessId}"`)).count).toBe(1);
      expect(count).toBe(1);
      const described = await client.workflow.getHandle(`clue-distribution-${rows[0].id}`).describe();
      expect(described.workflowId).toBe(`clue-distribution-${rows[0].id}`);
    } finally {
      await connection.close();
    }
  });
});
