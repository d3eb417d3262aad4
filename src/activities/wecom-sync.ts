import { Context } from '@temporalio/activity';
import type { Db } from '../db/knex';
import { addCounts, noCounts } from '../db/queries/mirror-upsert';
import { upsertCorpTagGroups } from '../domain/wecom-mirror/corp-tags';
import { addCustomerCounts, noCustomerCounts, upsertCustomerPairs } from '../domain/wecom-mirror/customers';
import { upsertGroupChat } from '../domain/wecom-mirror/group-chats';
import { upsertDepartments, upsertEmployees } from '../domain/wecom-mirror/org';
import {
  reconcileCorpTags,
  reconcileCustomers,
  reconcileDepartments,
  reconcileEmployees,
  reconcileGroupChats,
} from '../domain/wecom-mirror/reconcile';
import { beginSyncRun, finishSyncRun } from '../domain/wecom-mirror/sync-runs';
import type { WecomApiFactory } from '../wecom/api';
import { withWecomFailures } from './wecom-failures';

export interface SyncRunRef {
  corpId: string;
  syncRunId: string;
  /** ISO time the run began; rows touched later are not reconciled away. */
  startedAt: string;
}

/** How long one paging activity works before handing its cursor back to the workflow. */
const PAGE_BATCH_MS = 20_000;
const CUSTOMER_PAGE_SIZE = 100;

export function createWecomSyncActivities(deps: { db: Db; wecom: WecomApiFactory; maxRetryDelayMs: number }) {
  const { db, wecom } = deps;
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
        const counts = await upsertEmployees(db, run.corpId, userlist, new Set(follow_user), options(run));
        const deleted = await reconcileEmployees(db, run.corpId, run.syncRunId, new Date(run.startedAt));
        return { ...counts, deleted, wecomCalls: 2 };
      });
    },

    async syncWecomCorpTags(run: SyncRunRef) {
      return failures(async () => {
        const api = await wecom(run.corpId);
        const { tag_group } = await api.call('getCorpTagList', { body: {} });
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
     * where it stopped. Every finished page is heartbeated, so a retry after a worker crash starts
     * at the next unfinished page.
     */
    async syncWecomCustomerPages(input: SyncRunRef & { userids: string[]; cursor: string }) {
      return failures(async () => {
        const context = Context.current();
        const resumed = context.info.heartbeatDetails as { cursor: string; pages: number } | undefined;
        let cursor = resumed?.cursor ?? input.cursor;
        let pages = 0;
        let pairs = 0;
        let counts = noCustomerCounts();
        const api = await wecom(input.corpId);
        const began = Date.now();
        do {
          const page = await api.call('batchGetByUser', {
            body: { userid_list: input.userids, cursor, limit: CUSTOMER_PAGE_SIZE },
          });
          counts = addCustomerCounts(
            counts,
            await upsertCustomerPairs(db, input.corpId, page.external_contact_list, options(input)),
          );
          pairs += page.external_contact_list.length;
          pages++;
          cursor = page.next_cursor ?? '';
          context.heartbeat({ cursor, pages });
        } while (cursor !== '' && Date.now() - began < PAGE_BATCH_MS);
        return { nextCursor: cursor, pages, pairs, counts, resumedFromHeartbeat: resumed !== undefined };
      });
    },

    async reconcileWecomCustomers(run: SyncRunRef) {
      return reconcileCustomers(db, run.corpId, run.syncRunId, new Date(run.startedAt));
    },

    async listWecomGroupChatPage(input: { corpId: string; cursor: string }) {
      return failures(async () => {
        const api = await wecom(input.corpId);
        const page = await api.call('listGroupChats', { body: { cursor: input.cursor, limit: 1000 } });
        return { chats: page.group_chat_list, nextCursor: page.next_cursor ?? '' };
      });
    },

    /** Reads and mirrors each listed group; resumes after the last heartbeated group on retry. */
    async syncWecomGroupChats(input: SyncRunRef & { chats: Array<{ chat_id: string; status: number }> }) {
      return failures(async () => {
        const context = Context.current();
        const start = (context.info.heartbeatDetails as number | undefined) ?? 0;
        const api = await wecom(input.corpId);
        let counts = noCounts();
        for (let i = start; i < input.chats.length; i++) {
          const chat = input.chats[i] as { chat_id: string; status: number };
          const { group_chat } = await api.call('getGroupChat', { body: { chat_id: chat.chat_id, need_name: 1 } });
          counts = addCounts(counts, await upsertGroupChat(db, input.corpId, group_chat, chat.status, options(input)));
          context.heartbeat(i + 1);
        }
        return { ...counts, groups: input.chats.length - start };
      });
    },

    async reconcileWecomGroupChats(run: SyncRunRef) {
      return reconcileGroupChats(db, run.corpId, run.syncRunId, new Date(run.startedAt));
    },
  };
}

export type WecomSyncActivities = ReturnType<typeof createWecomSyncActivities>;
