import { Context } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { addCounts, noCounts, type UpsertCounts } from '../db/queries/mirror-upsert';
import { upsertCorpTagGroups } from '../domain/wecom-mirror/corp-tags';
import {
  addCustomerCounts,
  noCustomerCounts,
  upsertCustomerPairs,
  type CustomerCounts,
} from '../domain/wecom-mirror/customers';
import { upsertGroupChat } from '../domain/wecom-mirror/group-chats';
import { upsertDepartments, upsertEmployees } from '../domain/wecom-mirror/org';
import {
  reconcileCorpTags,
  reconcileCustomers,
  reconcileDepartments,
  reconcileEmployees,
  reconcileGroupChats,
} from '../domain/wecom-mirror/reconcile';
import { beginSyncRun, finishSyncRun, readPageCheckpoint, writePageCheckpoint } from '../domain/wecom-mirror/sync-runs';
import { customerPagesKey, type PageProgress } from '../temporal/names';
import type { WecomApiFactory } from '../wecom/api';
import { WecomApiError } from '../wecom/errors';
import { withWecomFailures } from './wecom-failures';

export interface SyncRunRef {
  corpId: string;
  syncRunId: string;
  /** ISO time the run began; rows touched later are not reconciled away. */
  startedAt: string;
}

/** How long one paging activity works before handing its cursor back to the workflow. */
const PAGE_BATCH_MS = 20_000;
/** How often a paging activity reports its pages to the workflow's progress query. */
const PROGRESS_REPORT_MS = 1000;
const CUSTOMER_PAGE_SIZE = 100;

export function createWecomSyncActivities(deps: {
  db: Db;
  wecom: WecomApiFactory;
  maxRetryDelayMs: number;
  /** Told of every page of WeCom data mirrored (for metrics). */
  observeSyncPage?(kind: 'departments' | 'employees' | 'corp_tags' | 'customers' | 'group_chats'): void;
  /** Tells a sync workflow how far a paging activity got (a signal; losing one is harmless). */
  reportPageProgress?(workflowId: string, report: PageProgress): Promise<void>;
}) {
  const { db, wecom } = deps;
  const pageDone = deps.observeSyncPage ?? (() => undefined);
  const failures = <T>(fn: () => Promise<T>) => withWecomFailures(fn, deps.maxRetryDelayMs);
  const options = (run: SyncRunRef) => ({ syncRunId: run.syncRunId });

  return {
    async beginWecomSyncRun(input: { corpId: string; kind: string; workflowId: string; runId: string }) {
      const run = await beginSyncRun(db, input);
      return { corpId: input.corpId, syncRunId: run.id, startedAt: run.startedAt.toISOString() };
    },

    async finishWecomSyncRun(input: { syncRunId: string; status: 'succeeded' | 'failed'; stats: unknown }) {
      await finishSyncRun(db, input.syncRunId, input);
    },

    async syncWecomDepartments(run: SyncRunRef) {
      return failures(async () => {
        const api = await wecom(run.corpId);
        const { department } = await api.call('listDepartments', { query: {} });
        pageDone('departments');
        const counts = await upsertDepartments(db, run.corpId, department, options(run));
        const deleted = await reconcileDepartments(db, run.corpId, run.syncRunId, new Date(run.startedAt));
        return { ...counts, deleted, wecomCalls: 1 };
      });
    },

    async syncWecomEmployees(run: SyncRunRef) {
      return failures(async () => {
        const api = await wecom(run.corpId);
        const { follow_user } = await api.call('getFollowUserList', { query: {} });
        const { userlist } = await api.call('listUsers', { query: { department_id: '1', fetch_child: '1' } });
        pageDone('employees');
        const counts = await upsertEmployees(db, run.corpId, userlist, new Set(follow_user), options(run));
        const deleted = await reconcileEmployees(db, run.corpId, run.syncRunId, new Date(run.startedAt));
        return { ...counts, deleted, wecomCalls: 2 };
      });
    },

    async syncWecomCorpTags(run: SyncRunRef) {
      return failures(async () => {
        const api = await wecom(run.corpId);
        const { tag_group } = await api.call('getCorpTagList', { body: {} });
        pageDone('corp_tags');
        const counts = await upsertCorpTagGroups(db, run.corpId, tag_group, options(run));
        const deleted = await reconcileCorpTags(db, run.corpId, run.syncRunId, new Date(run.startedAt));
        return { ...counts, deleted, wecomCalls: 1 };
      });
    },

    /** Employees whose customers the customer sync pages through. */
    async listWecomFollowUsers(input: { corpId: string }): Promise<string[]> {
      return failures(async () => {
        const api = await wecom(input.corpId);
        const { follow_user } = await api.call('getFollowUserList', { query: {} });
        return follow_user;
      });
    },

    /**
     * Pages batch/get_by_user for up to 100 employees from `cursor`, for about 20 s, then returns
     * where it stopped. Each page's rows and the cursor after it commit together, so a retry after
     * a worker crash starts exactly at the first page not yet mirrored.
     */
    async syncWecomCustomerPages(input: SyncRunRef & { userids: string[]; cursor: string }) {
      return failures(async () => {
        const context = Context.current();
        const key = customerPagesKey(input.userids, input.cursor);
        let reportedAt = 0;
        const report = (pages: number, items: number) => {
          const workflowId = context.info.workflowExecution?.workflowId;
          if (!deps.reportPageProgress || !workflowId || Date.now() - reportedAt < PROGRESS_REPORT_MS) return;
          reportedAt = Date.now();
          deps.reportPageProgress(workflowId, { key, pages, items }).catch(() => undefined);
        };
        const resumed = await readPageCheckpoint<CustomerCounts>(db, input.syncRunId, key);
        let checkpoint = resumed ?? { cursor: input.cursor, pages: 0, pairs: 0, counts: noCustomerCounts() };
        const api = await wecom(input.corpId);
        const began = Date.now();
        while (Date.now() - began < PAGE_BATCH_MS) {
          const page = await api.call('batchGetByUser', {
            body: { userid_list: input.userids, cursor: checkpoint.cursor, limit: CUSTOMER_PAGE_SIZE },
          });
          const previous = checkpoint;
          checkpoint = await db.transaction(async (trx) => {
            const changed = await upsertCustomerPairs(trx, input.corpId, page.external_contact_list, options(input));
            const next = {
              cursor: page.next_cursor ?? '',
              pages: previous.pages + 1,
              pairs: previous.pairs + page.external_contact_list.length,
              counts: addCustomerCounts(previous.counts, changed),
            };
            await writePageCheckpoint(trx, input.syncRunId, key, next);
            return next;
          });
          pageDone('customers');
          report(checkpoint.pages, checkpoint.pairs);
          context.heartbeat(checkpoint);
          if (checkpoint.cursor === '') break;
        }
        return {
          nextCursor: checkpoint.cursor,
          pages: checkpoint.pages,
          pairs: checkpoint.pairs,
          counts: checkpoint.counts,
          resumedFromCheckpoint: resumed !== undefined,
        };
      });
    },

    async reconcileWecomCustomers(run: SyncRunRef) {
      return reconcileCustomers(db, run.corpId, run.syncRunId, new Date(run.startedAt));
    },

    /**
     * One page of the corp's groups: unfiltered (exact, includes groups of departed owners), or
     * by up to 100 owners when WeCom refuses the unfiltered list (81017: more than 1,000 members).
     */
    async listWecomGroupChatPage(input: { corpId: string; owners: string[] | null; cursor: string }) {
      return failures(async () => {
        const api = await wecom(input.corpId);
        const filter = input.owners ? { owner_filter: { userid_list: input.owners } } : {};
        try {
          const page = await api.call('listGroupChats', { body: { ...filter, cursor: input.cursor, limit: 1000 } });
          pageDone('group_chats');
          return { chats: page.group_chat_list, nextCursor: page.next_cursor ?? '', needsOwnerFilter: false };
        } catch (error) {
          if (!input.owners && error instanceof WecomApiError && error.errcode === 81017) {
            return { chats: [], nextCursor: '', needsOwnerFilter: true };
          }
          throw error;
        }
      });
    },

    /**
     * Reads and mirrors each listed group; resumes after the last heartbeated group on retry, with
     * the counts of the groups before it (a group redone after the heartbeat counts as unchanged).
     */
    async syncWecomGroupChats(input: SyncRunRef & { chats: Array<{ chat_id: string; status: number }> }) {
      return failures(async () => {
        const context = Context.current();
        const resumed = context.info.heartbeatDetails as { next: number; counts: UpsertCounts } | undefined;
        const start = resumed?.next ?? 0;
        const api = await wecom(input.corpId);
        let counts = resumed?.counts ?? noCounts();
        for (let i = start; i < input.chats.length; i++) {
          const chat = input.chats[i] as { chat_id: string; status: number };
          const { group_chat } = await api.call('getGroupChat', { body: { chat_id: chat.chat_id, need_name: 1 } });
          counts = addCounts(counts, await upsertGroupChat(db, input.corpId, group_chat, chat.status, options(input)));
          context.heartbeat({ next: i + 1, counts });
        }
        return { ...counts, groups: input.chats.length };
      });
    },

    async reconcileWecomGroupChats(run: SyncRunRef) {
      return reconcileGroupChats(db, run.corpId, run.syncRunId, new Date(run.startedAt));
    },
  };
}

export type WecomSyncActivities = ReturnType<typeof createWecomSyncActivities>;
