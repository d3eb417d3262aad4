// The one-line summaries operators read in the Temporal UI's workflow list, in Chinese like the
// rest of what the product's users read. Free of I/O: workflow code may import it too.
import type { SearchAttributePair } from '@temporalio/common';
import { SEARCH_ATTRIBUTES, type WecomSyncKind } from './names';

const SYNC_KIND_NAMES: Record<WecomSyncKind, string> = {
  departments: '部门',
  employees: '成员',
  corpTags: '企业标签',
  customers: '客户',
  groups: '客户群',
  all: '全部',
};

export function distributionSummary(clue: { id: string; businessId: string | null }): string {
  return clue.businessId ? `分配线索 #${clue.id}（业务ID ${clue.businessId}）` : `分配线索 #${clue.id}`;
}

export function syncSummary(corpId: string, kind: WecomSyncKind, startedBy: string): string {
  return `全量同步 ${SYNC_KIND_NAMES[kind]} ${corpId}（${startedBy === 'nightly-schedule' ? '每晚定时' : startedBy}）`;
}

export function clueImportSummary(clueImport: { id: string; fileName: string }): string {
  return `导入线索 #${clueImport.id}（${clueImport.fileName}）`;
}

/** The import's figures as the Temporal UI shows them under "current details". */
export function clueImportDetails(p: {
  phase: string;
  rowsDone: number;
  rowsOk: number;
  rowsFailed: number;
  rowsDuplicate: number;
  rowsReleased: number;
}): string {
  const phase = { importing: '导入中', releasing: '分配中', done: '已完成', failed: '失败' }[p.phase] ?? p.phase;
  return `${phase}：已处理 ${p.rowsDone} 行，成功 ${p.rowsOk}，失败 ${p.rowsFailed}，重复 ${p.rowsDuplicate}，已交给分配 ${p.rowsReleased}`;
}

export function acqLinkPublishSummary(link: { id: string; linkName: string }): string {
  return `发布获客链接 #${link.id}（${link.linkName}）到企业微信`;
}

export function wecomEventSummary(event: WecomEventHeadline): string {
  return ['企微事件', event.type || '未知', event.externalUserid ?? '', event.corpId].filter(Boolean).join(' ');
}

const WAITING_REASONS: Record<string, string> = {
  OUTSIDE_WORKING_HOURS: '等待工作时间',
  DAILY_LIMIT_REACHED: '等待销售的每日上限重置',
  NO_MEMBERS: '等待分配策略中有可用的销售',
  NO_MATCHING_POLICY: '等待匹配的分配策略',
};

/** Timer summaries of the distribution workflow. */
export const TIMER_SUMMARIES = {
  waitingForMember: (reason: string | null) => WAITING_REASONS[reason ?? ''] ?? '等待重新检查分配',
  followUpSla: '等待首次跟进 SLA',
} as const;

export function syncSearchAttributes(corpId: string, kind: WecomSyncKind): SearchAttributePair[] {
  return [
    { key: SEARCH_ATTRIBUTES.corpId, value: corpId },
    { key: SEARCH_ATTRIBUTES.syncKind, value: kind },
  ];
}

/** A stored WeCom callback, as far as the Temporal UI lists it. */
export interface WecomEventHeadline {
  id: string;
  corpId: string;
  type: string;
  externalUserid: string | null;
}

export function wecomEventSearchAttributes(event: WecomEventHeadline): SearchAttributePair[] {
  return [
    { key: SEARCH_ATTRIBUTES.corpId, value: event.corpId },
    { key: SEARCH_ATTRIBUTES.eventType, value: event.type || 'unknown' },
    ...(event.externalUserid ? [{ key: SEARCH_ATTRIBUTES.externalUserid, value: event.externalUserid }] : []),
  ];
}

export function customerTransferSummary(transfer: { id: string; takeoverUserid: string; customers: number }): string {
  return `在职继承 #${transfer.id}：${transfer.customers} 位客户转给 ${transfer.takeoverUserid}`;
}
