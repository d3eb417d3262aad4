import type { Db } from '../db/knex';
import { finishMerge, mergeClueIntoSurvivor } from '../domain/clues/merge-step';
import { domainCall } from './distribution';

export function createClueMergeActivities(deps: { db: Db }) {
  const { db } = deps;
  return {
    /** One merged clue moved into the survivor in one transaction; a retry after it committed is a no-op. */
    async mergeClueIntoSurvivor(input: { mergeId: string; clueId: string }) {
      return domainCall(() => mergeClueIntoSurvivor(db, input));
    },
    async finishClueMerge(input: { mergeId: string; error?: string }) {
      return domainCall(() => finishMerge(db, input));
    },
  };
}

export type ClueMergeActivities = ReturnType<typeof createClueMergeActivities>;
