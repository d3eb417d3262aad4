// Workflow ids and search attributes in one place. Imported by workflow code: keep it free of I/O.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const clueDistributionWorkflowId = (clueId: string): string => `clue-distribution-${clueId}`;

/** Custom search attributes: an operator finds a clue's workflow in the Temporal UI by these. */
export const SEARCH_ATTRIBUTES = {
  clueId: defineSearchAttributeKey('ClueId', SearchAttributeType.KEYWORD),
  businessId: defineSearchAttributeKey('BusinessId', SearchAttributeType.KEYWORD),
  clueStatus: defineSearchAttributeKey('ClueStatus', SearchAttributeType.KEYWORD),
  ownerUserid: defineSearchAttributeKey('OwnerUserid', SearchAttributeType.KEYWORD),
} as const;
