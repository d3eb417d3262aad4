import { randomInt } from 'node:crypto';
import type { Db } from '../../src/db/knex';
import type { ClueRow } from '../../src/db/queries/clues';
import { createClueByHand } from '../../src/domain/clues/create-clue';
import { UnavailableError } from '../../src/domain/errors';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, createPolicy, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { seedEmployee } from '../helpers/mirror-tags-groups';
import { sleep, waitFor } from '../helpers/wait';

const CREATE = '/admin/clue/create';
const CHINESE = /[\u4e00-\u9fff]/;
const ZH = { 'accept-language': 'zh-CN' };

interface CreatedClue {
  id: string;
  status: string;
  source: number;
  partnerId: string | null;
  businessId: string | null;
  ownerUserid: string | null;
  cuser: string | null;
  duplicateOfClueId: string | null;
}

describe('POST /admin/clue/create', () => {
  let db: Db;
  let corpId: string;
  let admin: Awaited<ReturnType<typeof createAdmin>>;

  beforeAll(async () => {
    db = testDb();
    corpId = uid('corp-');
    admin = await createAdmin(db, sharedApiUrl, { corpId });
  });
  afterAll(async () => db.destroy());

  const mobile = () => `139${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
  /** A policy that only matches manual clues landing on its own page (tests stay isolated by data). */
  const manualPolicy = async (members: string[]) => {
    const landPage = `https://www.example.com/${uid('manual-')}`;
    const policy = await createPolicy(
      sharedApiUrl,
      admin.token,
      '0',
      members.map((employeeUserid) => ({ employeeUserid, weight: 1 })),
      { matchPartnerIds: [], matchSources: [2], matchLandPages: [landPage], priority: 0 },
    );
    return { policy, landPage };
  };
  /** Creates as the test's admin unless another token (null: none) is given; messages asked for in Chinese. */
  const create = (body: Record<string, unknown>, token: string | null = admin.token) =>
    call<CreatedClue>(sharedApiUrl, 'POST', CREATE, { token: token ?? undefined, body, headers: ZH });
  const assignmentsOf = (clueId: string) =>
    db('clue_assignment')
      .where({ clue_id: clueId })
      .orderBy('seq')
      .select('seq', 'kind', 'employee_userid', 'operator');

  it('stores a manual clue with its creator and distributes it by a matching policy, as a partner clue', async () => {
    const member = await seedEmployee(db, corpId);
    const { policy, landPage } = await manualPolicy([member]);
    const name = uid('客户');
    const response = await create({
      linkManName: name,
      linkManTel: '+86 139-0013-9000',
      email: 'li@example.com',
      wechat: 'li_wx',
      remark: '电话咨询报价',
      landPage,
      device: 'pc',
      tag: '电话',
    });
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({
      status: 'pending',
      source: 2,
      partnerId: null,
      businessId: null,
      cuser: admin.username,
    });
    const id = response.body.data.id;
    const assigned = await waitFor(
      'the manual clue to be assigned by its policy',
      async () => {
        const row = await db<ClueRow>('clue').where({ id }).first();
        return row?.status === 'assigned' ? row : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(assigned).toMatchObject({
      link_man_name: name,
      link_man_tel: '+86 139-0013-9000',
      phone_normalized: '13900139000',
      email: 'li@example.com',
      wechat: 'li_wx',
      remark: '电话咨询报价',
      land_page: landPage,
      source: 2,
      partner_id: null,
      business_id: null,
      cuser: admin.username,
      owner_userid: member,
      policy_id: policy.id,
      distribution_state: 'started',
    });
    expect(await assignmentsOf(id)).toEqual([{ seq: 1, kind: 'auto', employee_userid: member, operator: null }]);
  });

  it('assigns directly to the given employee through the clue’s workflow, with the same history as a manual assignment', async () => {
    const member = await seedEmployee(db, corpId);
    const chosen = await seedEmployee(db, corpId);
    // A policy that would take the clue: the direct assignment must win, not follow an automatic one.
    const { landPage } = await manualPolicy([member]);
    const response = await create({
      linkManName: '赵女士',
      linkManTel: mobile(),
      landPage,
      ownerUserid: chosen,
      ownerName: '指定员工',
    });
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ status: 'assigned', ownerUserid: chosen, cuser: admin.username });
    const id = response.body.data.id;
    expect(await assignmentsOf(id)).toEqual([
      { seq: 1, kind: 'manual', employee_userid: chosen, operator: admin.username },
    ]);
    const events = await db('clue_event').where({ clue_id: id, kind: 'assigned' }).select('detail', 'cuser');
    expect(events).toEqual([
      {
        detail: expect.objectContaining({ seq: 1, kind: 'manual', employeeUserid: chosen, employeeName: '指定员工' }),
        cuser: admin.username,
      },
    ]);

    // The clue's distribution workflow holds the assignment and runs its follow-up SLA.
    const detail = await waitFor(
      'the workflow to report the assignment',
      async () => {
        const r = await call<{
          workflow: { workflowId: string; state: { status: string; ownerUserid: string } } | null;
        }>(sharedApiUrl, 'GET', `/admin/clue/detail?clueId=${id}`, { token: admin.token });
        return r.body.data.workflow?.state.status === 'assigned' ? r.body.data.workflow : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(detail).toMatchObject({ workflowId: `clue-distribution-${id}`, state: { ownerUserid: chosen } });
    await sleep(1000);
    expect(await assignmentsOf(id)).toHaveLength(1);
    expect(await db('clue').where({ id }).first()).toMatchObject({
      status: 'assigned',
      owner_userid: chosen,
      owner_name: '指定员工',
      distribution_state: 'started',
    });
  });

  it('links a clue with the phone of an earlier clue to it', async () => {
    const digits = mobile();
    const first = await create({ linkManName: '钱先生', linkManTel: digits });
    const second = await create({
      linkManName: '钱先生',
      linkManTel: `+86 ${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7)}`,
    });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.body.data.duplicateOfClueId).toBeNull();
    expect(second.body.data.duplicateOfClueId).toBe(first.body.data.id);
    expect(await db('clue').where({ id: second.body.data.id }).first()).toMatchObject({
      duplicate_of_clue_id: first.body.data.id,
    });
  });

  it('refuses a bad phone, a missing name, an unknown or foreign employee and partner-only fields in Chinese, storing nothing', async () => {
    const foreign = await seedEmployee(db, uid('corp-'));
    const name = uid('无效');
    const fieldsOf = (r: { body: { data: unknown } }) =>
      ((r.body.data as { errors?: Array<{ field: string }> }).errors ?? []).map((e) => e.field);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ linkManName: name, linkManTel: '12345' }, 'linkManTel'],
      [{ linkManName: name, linkManTel: '13800138000', email: 'not-an-email' }, 'email'],
      [{ linkManTel: '13800138000' }, 'linkManName'],
      [{ linkManName: name, linkManTel: '13800138000', ownerUserid: 'ghost_nobody' }, 'ownerUserid'],
      [{ linkManName: name, linkManTel: '13800138000', ownerUserid: foreign }, 'ownerUserid'],
      [{ linkManName: name, linkManTel: '13800138000', secretKey: 'k' }, 'secretKey'],
    ];
    for (const [body, field] of cases) {
      const response = await create(body);
      expect(response.status).toBe(400);
      expect(response.body.msg).toMatch(CHINESE);
      expect(fieldsOf(response)).toContain(field);
    }
    expect(await db('clue').where({ link_man_name: name })).toEqual([]);
    expect(await db('clue').where({ cuser: admin.username, link_man_tel: '13800138000' })).toEqual([]);
  });

  it('needs no secret key but an admin with clue:create', async () => {
    const name = uid('权限');
    const anonymous = await create({ linkManName: name, linkManTel: mobile() }, null);
    expect(anonymous.status).toBe(401);
    const powerless = await createAdmin(db, sharedApiUrl, { corpId, roleKeys: [] });
    const refused = await create({ linkManName: name, linkManTel: mobile() }, powerless.token);
    expect(refused.status).toBe(403);
    expect(refused.body.msg).toMatch(CHINESE);
    expect(await db('clue').where({ link_man_name: name })).toEqual([]);
  });

  it('leaves a clue whose direct assignment could not be made to the dispatcher, which distributes it by policy', async () => {
    const member = await seedEmployee(db, corpId);
    const chosen = await seedEmployee(db, corpId);
    const { landPage } = await manualPolicy([member]);
    const name = uid('未分配');
    const failing = createClueByHand(
      {
        db,
        assign: () => Promise.reject(new Error('Temporal is unreachable')),
      },
      corpId,
      { linkManName: name, linkManTel: mobile(), landPage, ownerUserid: chosen },
      admin.username,
    );
    await expect(failing).rejects.toBeInstanceOf(UnavailableError);
    await expect(failing).rejects.toMatchObject({ code: 'CLUE_CREATED_NOT_ASSIGNED' });
    const row = await waitFor(
      'the stored clue to be distributed by its policy',
      async () => {
        const r = await db<ClueRow>('clue').where({ link_man_name: name }).first();
        return r?.status === 'assigned' ? r : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(row).toMatchObject({ owner_userid: member, distribution_state: 'started', cuser: admin.username });
    expect(await assignmentsOf(row.id)).toEqual([{ seq: 1, kind: 'auto', employee_userid: member, operator: null }]);
  });
});
