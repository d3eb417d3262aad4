import type { Executor } from '../../db/knex';
import { markCorpTagsDeleted } from './corp-tags';
import { markCustomersWithoutRelationsDeleted, RelationStatus } from './customers';
import { markGroupChatDismissed } from './group-chats';

/**
 * Rows a finished sync run did not see are gone from WeCom. Rows touched after the run started
 * (by a callback) are left alone: the run's pages may predate them.
 */
function unseen(db: Executor, table: string, corpId: string, syncRunId: string, startedAt: Date) {
  return db(table)
    .where({ corp_id: corpId, is_del: 0 })
    .andWhere((q) => q.whereNull('seen_sync_run').orWhereNot('seen_sync_run', syncRunId))
    .andWhere('mtime', '<', startedAt);
}

export async function reconcileDepartments(db: Executor, corpId: string, syncRunId: string, startedAt: Date) {
  return unseen(db, 'wecom_dept', corpId, syncRunId, startedAt).update({
    is_del: 1,
    del_time: db.fn.now(),
    mtime: db.fn.now(),
    muser: 'wecom-sync',
  });
}

export async function reconcileEmployees(db: Executor, corpId: string, syncRunId: string, startedAt: Date) {
  return unseen(db, 'wecom_employee', corpId, syncRunId, startedAt).update({
    is_del: 1,
    del_time: db.fn.now(),
    mtime: db.fn.now(),
    muser: 'wecom-sync',
  });
}

export async function reconcileCorpTags(db: Executor, corpId: string, syncRunId: string, startedAt: Date) {
  const now = new Date();
  const tagIds = await unseen(db, 'wecom_corp_tag', corpId, syncRunId, startedAt).pluck<string[]>('tag_id');
  await markCorpTagsDeleted(db, corpId, tagIds, now);
  const groups = await unseen(db, 'wecom_corp_tag_group', corpId, syncRunId, startedAt).update({
    is_del: 1,
    del_time: now,
    mtime: db.fn.now(),
  });
  return tagIds.length + groups;
}

export async function reconcileCustomers(db: Executor, corpId: string, syncRunId: string, startedAt: Date) {
  const now = new Date();
  const ended = await db('wecom_relation')
    .where({ corp_id: corpId, status: RelationStatus.valid })
    .andWhere((q) => q.whereNull('seen_sync_run').orWhereNot('seen_sync_run', syncRunId))
    .andWhere('mtime', '<', startedAt)
    .update({ status: RelationStatus.goneFromWecom, del_time: now, del_source: 'full-sync', mtime: db.fn.now() })
    .returning<Array<{ external_userid: string }>>('external_userid');
  const tags = await unseen(db, 'customer_tag', corpId, syncRunId, startedAt)
    .andWhere('tag_source', 'corp')
    .update({ is_del: 1, del_time: now, mtime: db.fn.now() });
  const customers = await markCustomersWithoutRelationsDeleted(
    db,
    corpId,
    [...new Set(ended.map((r) => r.external_userid))],
    now,
  );
  return { relations: ended.length, customers, tags };
}

export async function reconcileGroupChats(db: Executor, corpId: string, syncRunId: string, startedAt: Date) {
  const now = new Date();
  const chatIds = await unseen(db, 'wecom_group_chat', corpId, syncRunId, startedAt).pluck<string[]>('chat_id');
  for (const chatId of chatIds) await markGroupChatDismissed(db, corpId, chatId, now);
  return chatIds.length;
}
