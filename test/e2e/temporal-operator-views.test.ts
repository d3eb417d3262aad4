import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import { SEARCH_ATTRIBUTES, clueDistributionWorkflowId, wecomEventWorkflowId } from '../../src/temporal/names';
import { wecomSyncProgressQuery, type WecomSyncProgress } from '../../src/workflows/wecom-full-sync';
import { sharedApiUrl, sharedTemporalAddress } from '../helpers/env';
import { clueBody, createAdmin, createPartner, createPolicy, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { waitFor } from '../helpers/wait';
import { control, createSimulatedCorp, syncWholeCorp } from '../helpers/wecom';

/** Summaries of the timers a workflow started, decoded from their user metadata. */
async function timerSummaries(temporal: Client, workflowId: string): Promise<string[]> {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter((event) => event.timerStartedEventAttributes)
    .map((event) => event.userMetadata?.summary?.data)
    .filter((data): data is Uint8Array => !!data)
    .map((data) => JSON.parse(Buffer.from(data).toString('utf8')) as string);
}

describe('what operators see in the Temporal UI', () => {
  let db: Db;
  let temporal: Client;
  let admin: Awaited<ReturnType<typeof createAdmin>>;

  beforeAll(async () => {
    db = testDb();
    temporal = new Client({ connection: await Connection.connect({ address: sharedTemporalAddress }) });
    admin = await createAdmin(db, sharedApiUrl);
  });
  afterAll(async () => {
    await temporal.connection.close();
    await db.destroy();
  });

  it('a distribution reads "分配线索 #id（业务ID …）" and its follow-up timer names the SLA', async () => {
    const partner = await createPartner(db);
    await createPolicy(sharedApiUrl, admin.token, partner.partnerId, [{ employeeUserid: uid('ui'), weight: 1 }]);
    const body = clueBody(partner.secretKey);
    const sent = await call<{ clueId: string }>(sharedApiUrl, 'POST', '/api-scrm/openapi/clue/collect', { body });
    expect(sent.status).toBe(200);
    const clue = (await db('clue').where({ partner_id: partner.partnerId }).first('id')) as { id: string };
    const workflowId = clueDistributionWorkflowId(clue.id);
    await waitFor('the follow-up timer', async () =>
      (await timerSummaries(temporal, workflowId).catch((): string[] => [])).includes('等待首次跟进 SLA'),
    );
    const description = await temporal.workflow.getHandle(workflowId).describe();
    expect(await description.staticSummary()).toBe(`分配线索 #${clue.id}（业务ID ${String(body['businessId'])}）`);
  });

  it('a waiting clue’s timer says what it waits for', async () => {
    const partner = await createPartner(db);
    // The policy's only member is paused (weight 0): the clue waits for someone to distribute to.
    await createPolicy(sharedApiUrl, admin.token, partner.partnerId, [{ employeeUserid: uid('paused'), weight: 0 }]);
    await call(sharedApiUrl, 'POST', '/api-scrm/openapi/clue/collect', { body: clueBody(partner.secretKey) });
    const clue = (await waitFor('the clue', () => db('clue').where({ partner_id: partner.partnerId }).first('id'))) as {
      id: string;
    };
    const summaries = await waitFor('a waiting timer', async () => {
      const found = await timerSummaries(temporal, clueDistributionWorkflowId(clue.id)).catch((): string[] => []);
      return found.length > 0 ? found : undefined;
    });
    expect(summaries[0]).toBe('等待分配策略中有可用的销售');
  });

  it('a full sync reads "全量同步 客户 <corp>" and is found by CorpId and SyncKind', async () => {
    const corp = await createSimulatedCorp(db, { customers: 5, employees: 3 });
    const corpAdmin = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });
    const started = await call<{ workflowId: string }>(sharedApiUrl, 'POST', '/admin/customer/sync', {
      token: corpAdmin.token,
      body: {},
    });
    expect(started.status).toBe(200);
    const handle = temporal.workflow.getHandle(started.body.data.workflowId);
    await handle.result();
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(`全量同步 客户 ${corp.corpId}（${corpAdmin.username}）`);
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.corpId)).toBe(corp.corpId);
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.syncKind)).toBe('customers');
    const listed = await waitFor('the sync in a visibility query', async () => {
      const ids: string[] = [];
      for await (const wf of temporal.workflow.list({ query: `CorpId = '${corp.corpId}' AND SyncKind = 'customers'` }))
        ids.push(wf.workflowId);
      return ids.length > 0 ? ids : undefined;
    });
    expect(listed).toEqual([started.body.data.workflowId]);
  });

  it('a WeCom event reads "企微事件 add_external_contact <customer>" and is found by EventType and ExternalUserid', async () => {
    const corp = await createSimulatedCorp(db, { customers: 3, employees: 3 });
    await syncWholeCorp(temporal, corp.corpId);
    const employee = (await db('wecom_employee')
      .where({ corp_id: corp.corpId, is_del: 0, has_contact_feature: true })
      .first('userid')) as { userid: string };
    await control('POST', `/corps/${corp.corpId}/actions/customer-adds-employee`, {
      userid: employee.userid,
      customer: { name: '看板客户' },
    });
    const event = (await waitFor('the stored event', () =>
      db('wecom_callback_event')
        .where({ corp_id: corp.corpId, change_type: 'add_external_contact' })
        .first('id', db.raw("payload->>'ExternalUserID' AS external_userid")),
    )) as { id: string; external_userid: string };
    const handle = temporal.workflow.getHandle(wecomEventWorkflowId(event.id));
    await waitFor('the event workflow', () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    );
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(
      `企微事件 add_external_contact ${event.external_userid} ${corp.corpId}`,
    );
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.eventType)).toBe('add_external_contact');
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.externalUserid)).toBe(event.external_userid);
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.corpId)).toBe(corp.corpId);
  });

  it('a sync’s progress query moves page by page while a paging activity runs', async () => {
    const corp = await createSimulatedCorp(db, { customers: 1500, employees: 3 });
    const corpAdmin = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });
    // Slow pages: one activity pages the whole batch of employees for several seconds.
    await control('POST', `/corps/${corp.corpId}/faults`, {
      path: 'externalcontact/batch/get_by_user',
      latencyMs: 250,
    });
    try {
      const started = await call<{ workflowId: string }>(sharedApiUrl, 'POST', '/admin/customer/sync', {
        token: corpAdmin.token,
        body: {},
      });
      const handle = temporal.workflow.getHandle(started.body.data.workflowId);
      const midway = await waitFor(
        'pages counted before the batch is done',
        async () => {
          const progress = await handle.query(wecomSyncProgressQuery).catch(() => undefined);
          const phase = progress?.phases.find((p) => p.kind === 'customers');
          return phase && phase.pages > 0 && phase.batchesDone === 0 ? phase : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      expect(midway.items).toBeGreaterThan(0);
      const result = (await handle.result()) as WecomSyncProgress;
      const done = result.phases.find((p) => p.kind === 'customers')!;
      expect(done.pages).toBeGreaterThan(midway.pages);
      expect(done.items).toBeGreaterThanOrEqual(1500);
    } finally {
      await control('DELETE', `/corps/${corp.corpId}/faults`);
    }
  });
});
