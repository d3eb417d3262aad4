// Workflow ids and search attributes in one place. Imported by workflow code: keep it free of I/O.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const clueDistributionWorkflowId = (clueId: string): string => `clue-distribution-${clueId}`;
/** One workflow per merge row: asking for the same merge again finds the same workflow. */
export const clueMergeWorkflowId = (mergeId: string): string => `clue-merge-${mergeId}`;

/** Custom search attributes: an operator finds a clue's workflow in the Temporal UI by these. */
export const SEARCH_ATTRIBUTES = {
  clueId: defineSearchAttributeKey('ClueId', SearchAttributeType.KEYWORD),
  businessId: defineSearchAttributeKey('BusinessId', SearchAttributeType.KEYWORD),
  clueStatus: defineSearchAttributeKey('ClueStatus', SearchAttributeType.KEYWORD),
  ownerUserid: defineSearchAttributeKey('OwnerUserid', SearchAttributeType.KEYWORD),
  corpId: defineSearchAttributeKey('CorpId', SearchAttributeType.KEYWORD),
  eventType: defineSearchAttributeKey('EventType', SearchAttributeType.KEYWORD),
  externalUserid: defineSearchAttributeKey('ExternalUserid', SearchAttributeType.KEYWORD),
  syncKind: defineSearchAttributeKey('SyncKind', SearchAttributeType.KEYWORD),
} as const;

/** What a WeCom full sync covers; 'all' runs the others in dependency order. */
export const WECOM_SYNC_KINDS = ['departments', 'employees', 'corpTags', 'customers', 'groups', 'all'] as const;
export type WecomSyncKind = (typeof WECOM_SYNC_KINDS)[number];

/** One running sync per (corp, kind): asking again while it runs returns the same workflow. */
export const wecomSyncWorkflowId = (corpId: string, kind: WecomSyncKind): string => `wecom-sync-${kind}-${corpId}`;
export const wecomEventWorkflowId = (eventId: string): string => `wecom-event-${eventId}`;
/** One publishing workflow per acquisition link at a time; saves while it runs signal it. */
export const acqLinkPublishWorkflowId = (linkId: string): string => `acq-link-publish-${linkId}`;
export const ACQ_LINK_CHANGED_SIGNAL = 'linkChanged';
/** Every few hours, per corp: re-upload the media of materials that published links use before they expire. */
export const materialRefreshScheduleId = (corpId: string): string => `material-media-refresh-${corpId}`;
export const materialRefreshWorkflowId = (corpId: string): string => `material-media-refresh-${corpId}`;
export const wecomNightlyScheduleId = (corpId: string): string => `wecom-nightly-sync-${corpId}`;

/** Pages a paging activity still running has mirrored so far (its key names the batch and start cursor). */
export interface PageProgress {
  key: string;
  pages: number;
  items: number;
}

/** Key of one call of syncWecomCustomerPages: its checkpoint's, and the one its progress reports carry. */
export const customerPagesKey = (userids: readonly string[], cursor: string): string =>
  `customers:${userids[0] ?? ''}:${cursor}`;

/** One workflow per in-service transfer (customer_transfer row). */
export const customerTransferWorkflowId = (transferId: string): string => `customer-transfer-${transferId}`;
/** Sent when WeCom says something about a transfer's customer (transfer_fail, a transfer's deletion): poll now. */
export const TRANSFER_NEWS_SIGNAL = 'transferNews';
export const TRANSFER_PROGRESS_QUERY = 'progress';
/** One workflow per clue import (its record id): a second start joins the running one. */
export const clueImportWorkflowId = (importId: string): string => `clue-import-${importId}`;
