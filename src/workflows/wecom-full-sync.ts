import {
  ApplicationFailure,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { WecomSyncActivities } from '../activities/wecom-sync';
import { customerPagesKey, type PageProgress, type WecomSyncKind } from '../temporal/names';

export interface WecomFullSyncInput {
  corpId: string;
  kind: WecomSyncKind;
  startedBy: string;
}

export interface PhaseProgress {
  kind: Exclude<WecomSyncKind, 'all'>;
  status: 'waiting' | 'running' | 'succeeded' | 'failed';
  /** For paged phases: employee batches or group pages done so far, out of the known total. */
  batchesDone: number;
  batchesTotal: number;
  pages: number;
  items: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  wecomCalls: number;
  error?: string;
}

export interface WecomSyncProgress {
  corpId: string;
  kind: WecomSyncKind;
  startedBy: string;
  phases: PhaseProgress[];
}

export const wecomSyncProgressQuery = defineQuery<WecomSyncProgress>('progress');

/**
 * Sent by a long paging activity every second or so, so the progress query moves page by page
 * rather than when the activity returns. Only a running activity's latest figures are kept.
 */
export const pageProgressSignal = defineSignal<[PageProgress]>('pageProgress');

const ORDER: Array<Exclude<WecomSyncKind, 'all'>> = ['departments', 'employees', 'corpTags', 'customers', 'groups'];
const EMPLOYEES_PER_BATCH = 100;
/**
 * Employee batches (and chunks of groups) paged at the same time. WeCom answers each call in
 * tens to hundreds of milliseconds, so one lane at a time leaves the worker and the database
 * mostly waiting; batches are independent (disjoint employees, their own cursors).
 */
export const SYNC_LANES = 4;
const GROUPS_PER_CHUNK = 25;

const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 30,
} as const;

const quick = proxyActivities<WecomSyncActivities>({ startToCloseTimeout: '2 minutes', retry });
const paging = proxyActivities<WecomSyncActivities>({
  startToCloseTimeout: '10 minutes',
  // A crashed worker's paging is picked up elsewhere after this much silence.
  heartbeatTimeout: '15 seconds',
  retry,
});

/**
 * A full sync of one corp from WeCom into the mirror: each phase pages through WeCom, upserts
 * what it sees and then marks what it did not see as deleted. Progress is a query ("progress")
 * visible in the Temporal UI; finished pages survive a worker crash (activities resume from their
 * heartbeat, the workflow from its history).
 */
export async function wecomFullSync(input: WecomFullSyncInput): Promise<WecomSyncProgress> {
  const kinds = input.kind === 'all' ? ORDER : [input.kind];
  const progress: WecomSyncProgress = {
    corpId: input.corpId,
    kind: input.kind,
    startedBy: input.startedBy,
    phases: kinds.map((kind) => ({
      kind,
      status: 'waiting',
      batchesDone: 0,
      batchesTotal: 0,
      pages: 0,
      items: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      wecomCalls: 0,
    })),
  };
  const inFlight = new PagesInFlight();
  setHandler(pageProgressSignal, (report) => inFlight.report(report));
  setHandler(wecomSyncProgressQuery, () => inFlight.addedTo(progress));
  const { workflowId, runId } = workflowInfo();

  for (const phase of progress.phases) {
    phase.status = 'running';
    const run = await quick.beginWecomSyncRun({ corpId: input.corpId, kind: phase.kind, workflowId, runId });
    try {
      await runPhase(phase, run, inFlight);
      phase.status = 'succeeded';
      await quick.finishWecomSyncRun({ syncRunId: run.syncRunId, status: 'succeeded', stats: phase });
    } catch (error) {
      phase.status = 'failed';
      phase.error = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
      await quick.finishWecomSyncRun({ syncRunId: run.syncRunId, status: 'failed', stats: phase });
      throw ApplicationFailure.nonRetryable(`${phase.kind} sync failed: ${phase.error}`, 'WECOM_SYNC_FAILED');
    }
  }
  return progress;
}

type Run = Awaited<ReturnType<WecomSyncActivities['beginWecomSyncRun']>>;

/** What running paging activities reported, until they return and their result is counted. */
class PagesInFlight {
  private readonly reports = new Map<string, PageProgress | undefined>();

  begin(key: string): void {
    this.reports.set(key, undefined);
  }

  end(key: string): void {
    this.reports.delete(key);
  }

  /** A report of an activity that already returned (a late signal) is dropped. */
  report(report: PageProgress): void {
    if (this.reports.has(report.key)) this.reports.set(report.key, report);
  }

  /** The progress with the running activities' pages and items added to the running phase. */
  addedTo(progress: WecomSyncProgress): WecomSyncProgress {
    let pages = 0;
    let items = 0;
    for (const report of this.reports.values()) {
      pages += report?.pages ?? 0;
      items += report?.items ?? 0;
    }
    if (pages === 0 && items === 0) return progress;
    return {
      ...progress,
      phases: progress.phases.map((phase) =>
        phase.status === 'running' ? { ...phase, pages: phase.pages + pages, items: phase.items + items } : phase,
      ),
    };
  }
}

async function runPhase(phase: PhaseProgress, run: Run, inFlight: PagesInFlight): Promise<void> {
  switch (phase.kind) {
    case 'departments':
      record(phase, await quick.syncWecomDepartments(run));
      return;
    case 'employees':
      record(phase, await quick.syncWecomEmployees(run));
      return;
    case 'corpTags':
      record(phase, await quick.syncWecomCorpTags(run));
      return;
    case 'customers':
      return syncCustomers(phase, run, inFlight);
    case 'groups':
      return syncGroups(phase, run);
  }
}

function record(
  phase: PhaseProgress,
  result: { created: number; updated: number; unchanged: number; deleted: number; wecomCalls: number },
) {
  phase.created += result.created;
  phase.updated += result.updated;
  phase.unchanged += result.unchanged;
  phase.deleted += result.deleted;
  phase.wecomCalls += result.wecomCalls;
  phase.items += result.created + result.updated + result.unchanged;
}

async function syncCustomers(phase: PhaseProgress, run: Run, inFlight: PagesInFlight): Promise<void> {
  const userids = await quick.listWecomFollowUsers({ corpId: run.corpId });
  phase.wecomCalls++;
  const batches = inBatches(userids, EMPLOYEES_PER_BATCH);
  phase.batchesTotal = batches.length;
  await inLanes(batches, SYNC_LANES, async (batch) => {
    let cursor = '';
    do {
      const key = customerPagesKey(batch, cursor);
      inFlight.begin(key);
      const result = await paging
        .syncWecomCustomerPages({ ...run, userids: batch, cursor })
        .finally(() => inFlight.end(key));
      cursor = result.nextCursor;
      phase.pages += result.pages;
      phase.wecomCalls += result.pages;
      phase.items += result.pairs;
      // Relations are what a customer sync mirrors: count their changes.
      phase.created += result.counts.relations.created;
      phase.updated += result.counts.relations.updated;
      phase.unchanged += result.counts.relations.unchanged;
    } while (cursor !== '');
    phase.batchesDone++;
  });
  const gone = await quick.reconcileWecomCustomers(run);
  phase.deleted += gone.relations;
}

async function syncGroups(phase: PhaseProgress, run: Run): Promise<void> {
  const first = await quick.listWecomGroupChatPage({ corpId: run.corpId, owners: null, cursor: '' });
  phase.wecomCalls++;
  let batches: Array<string[] | null> = [null];
  if (first.needsOwnerFilter) {
    const owners = await quick.listWecomFollowUsers({ corpId: run.corpId });
    phase.wecomCalls++;
    batches = inBatches(owners, EMPLOYEES_PER_BATCH);
  }
  phase.batchesTotal = batches.length;
  await inLanes(batches, SYNC_LANES, async (owners) => {
    let page = owners === null ? first : undefined;
    let cursor = '';
    do {
      if (!page) {
        page = await quick.listWecomGroupChatPage({ corpId: run.corpId, owners, cursor });
        phase.wecomCalls++;
      }
      // A page holds up to 1,000 groups, each read on its own: its chunks go through the lanes too.
      await inLanes(inBatches(page.chats, GROUPS_PER_CHUNK), SYNC_LANES, async (chats) => {
        const result = await paging.syncWecomGroupChats({ ...run, chats });
        phase.wecomCalls += result.groups;
        phase.items += chats.length;
        phase.created += result.created;
        phase.updated += result.updated;
        phase.unchanged += result.unchanged;
      });
      phase.pages++;
      cursor = page.nextCursor;
      page = undefined;
    } while (cursor !== '');
    phase.batchesDone++;
  });
  phase.deleted += await quick.reconcileWecomGroupChats(run);
}

/** Runs `work` on every item, at most `lanes` at a time, in item order (deterministic workflow code). */
async function inLanes<T>(items: readonly T[], lanes: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}

function inBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
