import { randomInt } from 'node:crypto';
import type { Db } from '../../src/db/knex';
import { bumpGrantVersion } from '../../src/db/queries/access';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, createPartner, testDb, uid } from '../helpers/factories';
import { call, type ApiResponse } from '../helpers/http';

const CHINESE = /[\u4e00-\u9fff]/;

interface Contact {
  id: string | null;
  type: string;
  value: string;
  primary: boolean;
  remark: string | null;
}
interface Contacts {
  clueId: string;
  contacts: Contact[];
}

let db: Db;
let partnerId: string;
let token: string;
let username: string;
beforeAll(async () => {
  db = testDb();
  partnerId = String((await createPartner(db)).partnerId);
  const admin = await createAdmin(db, sharedApiUrl, { corpId: uid('corp-') });
  token = admin.token;
  username = admin.username;
});
afterAll(async () => db.destroy());

const mobile = () => `139${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;

async function insertClue(fields: Record<string, unknown> = {}): Promise<{ id: string; phone: string }> {
  const phone = mobile();
  const [row] = (await db('clue')
    .insert({
      partner_id: partnerId,
      business_id: uid('biz-'),
      link_man_name: '赵六',
      link_man_tel: phone,
      phone_normalized: phone,
      status: 'pool',
      distribution_state: 'started',
      cuser: 'test',
      ...fields,
    })
    .returning('id')) as Array<{ id: string }>;
  return { id: row!.id, phone };
}

const ZH = { 'accept-language': 'zh-CN' };
const post = <T>(path: string, body: unknown, as = token) =>
  call<T>(sharedApiUrl, 'POST', path, { token: as, body, headers: ZH });
const contacts = (body: Record<string, unknown>, as = token) => post<Contacts>('/admin/clue/contacts', body, as);
const rowsOf = async (clueId: string) =>
  (await db('clue_contact').where({ clue_id: clueId }).orderBy('id')) as Array<{
    id: string;
    type: string;
    value: string;
    value_key: string;
    is_primary: boolean;
  }>;
const eventsOf = async (clueId: string) =>
  (
    (await db('clue_event').where({ clue_id: clueId }).whereLike('kind', 'contact_%').orderBy('id')) as Array<{
      kind: string;
      detail: unknown;
      cuser: string;
    }>
  ).map((e) => [e.kind, e.detail, e.cuser]);
const clueRow = async (id: string) =>
  (await db('clue').where({ id }).first()) as {
    link_man_tel: string;
    phone_normalized: string;
    wechat: string | null;
    email: string | null;
  };

describe('clue contact methods', () => {
  it('adds, edits, makes primary and removes contacts, keeps the clue’s fields on the primaries and records each change', async () => {
    const clue = await insertClue({ wechat: 'wx_old' });
    // Before any change the detail shows the clue's own fields as its primaries.
    const before = await call<{ contacts: Contact[] }>(sharedApiUrl, 'GET', `/admin/clue/detail?clueId=${clue.id}`, {
      token,
    });
    expect(before.status).toBe(200);
    expect(before.body.data.contacts).toEqual([
      { id: null, type: 'phone', value: clue.phone, primary: true, remark: null },
      { id: null, type: 'wechat', value: 'wx_old', primary: true, remark: null },
    ]);

    const second = mobile();
    const added = await contacts({ clueId: clue.id, action: 'add', type: 'phone', value: `+86 ${second}` });
    expect(added.status).toBe(200);
    expect(added.body.data.contacts.map((c) => [c.type, c.value, c.primary])).toEqual([
      ['phone', clue.phone, true],
      ['phone', `+86 ${second}`, false],
      ['wechat', 'wx_old', true],
    ]);
    const qq = await contacts({ clueId: clue.id, action: 'add', type: 'qq', value: '123456789', remark: '工作' });
    expect(qq.status).toBe(200);
    const email = await contacts({ clueId: clue.id, action: 'add', type: 'email', value: 'Zhao@Example.com' });
    expect(email.body.data.contacts.find((c) => c.type === 'email')).toMatchObject({ primary: true });
    expect(await clueRow(clue.id)).toMatchObject({ email: 'Zhao@Example.com', link_man_tel: clue.phone });

    const secondId = added.body.data.contacts.find((c) => c.value === `+86 ${second}`)!.id!;
    const firstId = added.body.data.contacts.find((c) => c.value === clue.phone)!.id!;
    const made = await contacts({ clueId: clue.id, action: 'makePrimary', contactId: secondId });
    expect(made.status).toBe(200);
    expect(await clueRow(clue.id)).toMatchObject({ link_man_tel: `+86 ${second}`, phone_normalized: second });

    const third = mobile();
    const edited = await contacts({ clueId: clue.id, action: 'update', contactId: secondId, value: third });
    expect(edited.status).toBe(200);
    expect(await clueRow(clue.id)).toMatchObject({ link_man_tel: third, phone_normalized: third });

    const removed = await contacts({ clueId: clue.id, action: 'remove', contactId: firstId });
    expect(removed.status).toBe(200);
    const wechatId = removed.body.data.contacts.find((c) => c.type === 'wechat')!.id!;
    const noWechat = await contacts({ clueId: clue.id, action: 'remove', contactId: wechatId });
    expect(noWechat.status).toBe(200);
    expect(await clueRow(clue.id)).toMatchObject({ wechat: null, link_man_tel: third });

    expect((await rowsOf(clue.id)).map((r) => [r.type, r.value_key, r.is_primary])).toEqual([
      ['phone', third, true],
      ['qq', '123456789', true],
      ['email', 'zhao@example.com', true],
    ]);
    expect(await eventsOf(clue.id)).toEqual([
      ['contact_added', { type: 'phone', value: `+86 ${second}` }, username],
      ['contact_added', { type: 'qq', value: '123456789' }, username],
      ['contact_added', { type: 'email', value: 'Zhao@Example.com' }, username],
      ['contact_primary', { type: 'phone', value: `+86 ${second}` }, username],
      ['contact_updated', { type: 'phone', value: third }, username],
      ['contact_removed', { type: 'phone', value: clue.phone }, username],
      ['contact_removed', { type: 'wechat', value: 'wx_old' }, username],
    ]);
    const detail = await call<{ contacts: Contact[] }>(sharedApiUrl, 'GET', `/admin/clue/detail?clueId=${clue.id}`, {
      token,
    });
    expect(detail.body.data.contacts.map((c) => [c.type, c.value, c.primary, c.remark])).toEqual([
      ['phone', third, true, null],
      ['email', 'Zhao@Example.com', true, null],
      ['qq', '123456789', true, '工作'],
    ]);
  });

  it('refuses bad values, duplicates, removing the last phone or a primary without a successor, in Chinese, changing nothing', async () => {
    const clue = await insertClue();
    const other = mobile();
    expect((await contacts({ clueId: clue.id, action: 'add', type: 'phone', value: other })).status).toBe(200);
    const rows = await rowsOf(clue.id);
    const primary = rows.find((r) => r.is_primary)!;
    const secondary = rows.find((r) => !r.is_primary)!;
    const stored = await clueRow(clue.id);
    const events = await eventsOf(clue.id);

    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ action: 'add', type: 'phone', value: '12345' }, 400, 'value'],
      [{ action: 'add', type: 'email', value: 'not-an-email' }, 400, 'value'],
      [{ action: 'add', type: 'qq', value: '12ab' }, 400, 'value'],
      [{ action: 'add', type: 'wechat', value: 'w'.repeat(65) }, 400, 'value'],
      [{ action: 'add', type: 'phone' }, 400, 'value'],
      [{ action: 'add', type: 'fax', value: '1' }, 400, 'type'],
      [{ action: 'update', contactId: secondary.id, value: 'abc' }, 400, 'value'],
      [{ action: 'update', contactId: secondary.id, type: 'email', value: 'a@b.cn' }, 400, 'type'],
      [{ action: 'remove', contactId: primary.id }, 400, 'newPrimaryId'],
      [{ action: 'remove', contactId: primary.id, newPrimaryId: primary.id }, 400, 'newPrimaryId'],
      [{ action: 'add', type: 'phone', value: `+86-${other}` }, 409, ''],
      [{ action: 'update', contactId: secondary.id, value: clue.phone }, 409, ''],
      [{ action: 'makePrimary', contactId: '999999999' }, 404, ''],
    ];
    for (const [body, status, field] of cases) {
      const res: ApiResponse<{ errors?: Array<{ field: string }> }> = await post('/admin/clue/contacts', {
        clueId: clue.id,
        ...body,
      });
      expect([body, res.status]).toEqual([body, status]);
      expect(res.body.msg).toMatch(CHINESE);
      if (field) expect((res.body.data.errors ?? []).map((e) => e.field)).toContain(field);
    }
    expect(await rowsOf(clue.id)).toEqual(rows);
    expect(await clueRow(clue.id)).toEqual(stored);
    expect(await eventsOf(clue.id)).toEqual(events);

    // Removing the primary with a successor named works; then the last phone cannot go.
    const moved = await contacts({
      clueId: clue.id,
      action: 'remove',
      contactId: primary.id,
      newPrimaryId: secondary.id,
    });
    expect(moved.status).toBe(200);
    expect(await clueRow(clue.id)).toMatchObject({ link_man_tel: other, phone_normalized: other });
    const last = await contacts({ clueId: clue.id, action: 'remove', contactId: secondary.id });
    expect(last.status).toBe(400);
    expect(last.body.msg).toMatch(/至少要保留一个电话/);
    expect((await rowsOf(clue.id)).map((r) => r.id)).toEqual([secondary.id]);
  });

  it('the primary phone is what the list filters by and what a new clue’s duplicate matching finds', async () => {
    const clue = await insertClue();
    const next = mobile();
    const added = await contacts({ clueId: clue.id, action: 'add', type: 'phone', value: next, primary: true });
    expect(added.status).toBe(200);
    const byNew = await post<{ list: Array<{ id: string; linkManTel: string }>; total: number }>('/admin/clue/page', {
      pageNum: 1,
      pageSize: 10,
      phone: next,
    });
    expect(byNew.body.data.list.map((c) => [c.id, c.linkManTel])).toEqual([[clue.id, next]]);
    const byOld = await post<{ total: number }>('/admin/clue/page', { pageNum: 1, pageSize: 10, phone: clue.phone });
    expect(byOld.body.data.total).toBe(0);

    const dup = await post<{ id: string; duplicateOfClueId: string | null }>('/admin/clue/create', {
      linkManName: '赵六',
      linkManTel: next,
    });
    expect(dup.status).toBe(200);
    expect(dup.body.data.duplicateOfClueId).toBe(clue.id);
    // A secondary phone is not matched.
    const old = await post<{ duplicateOfClueId: string | null }>('/admin/clue/create', {
      linkManName: '赵六',
      linkManTel: clue.phone,
    });
    expect(old.body.data.duplicateOfClueId).toBeNull();
  });

  it('keeps to the data scope: a clue outside it is 404 and unchanged', async () => {
    const corpId = uid('corp-');
    const mine = uid('emp-mine-');
    const key = uid('contacts_role_');
    const [role] = (await db('sys_role')
      .insert({ name: key, role_key: key, data_scope: 5, cuser: 'test' })
      .returning('id')) as Array<{ id: string }>;
    const menus = (await db('sys_menu')
      .whereIn('permission', ['clue:contacts'])
      .where({ is_del: 0 })
      .select('id')) as Array<{ id: string }>;
    expect(menus).toHaveLength(1);
    await db('sys_role_menu').insert(menus.map((m) => ({ role_id: role!.id, menu_id: m.id })));
    const scoped = await createAdmin(db, sharedApiUrl, { corpId, roleKeys: [key] });
    const [dept] = (await db('sys_dept')
      .insert({ name: uid('部门'), cuser: 'test' })
      .returning('id')) as Array<{ id: string }>;
    await db('sys_user').where({ id: scoped.id }).update({ dept_id: dept!.id, wecom_userid: mine });
    await bumpGrantVersion(db);

    const myClue = await insertClue({ owner_userid: mine, status: 'assigned' });
    const theirClue = await insertClue({ owner_userid: uid('emp-theirs-'), status: 'assigned' });
    const poolClue = await insertClue();
    for (const id of [theirClue.id, poolClue.id]) {
      const res = await contacts({ clueId: id, action: 'add', type: 'wechat', value: 'wx_x' }, scoped.token);
      expect(res.status).toBe(404);
      expect(await rowsOf(id)).toEqual([]);
    }
    const ok = await contacts({ clueId: myClue.id, action: 'add', type: 'wechat', value: 'wx_x' }, scoped.token);
    expect(ok.status).toBe(200);
    expect((await rowsOf(myClue.id)).map((r) => r.type)).toEqual(['phone', 'wechat']);
  });
});
