import type { Db } from '../db/knex';
import type { FileStore } from '../domain/files/file-store';
import type { DistributionDefaults } from '../domain/distribution/assign-clue';
import type { PageProgress } from '../temporal/names';
import type { WecomApiFactory } from '../wecom/api';
import { validateImportRow } from '../api/admin/clue-imports/row-schema';
import { createAcquisitionActivities } from './acquisition';
import { createClueImportActivities } from './clue-imports';
import { createClueMergeActivities } from './clue-merge';
import { createDistributionActivities } from './distribution';
import { createMaterialActivities } from './materials';
import { createTransferActivities } from './transfers';
import { createWecomEventActivities } from './wecom-events';
import { createWecomSyncActivities } from './wecom-sync';

export interface ActivityDeps {
  db: Db;
  distributionDefaults: DistributionDefaults;
  wecom: WecomApiFactory;
  /** Material originals, re-uploaded when a welcome needs a fresh media_id. */
  files: FileStore;
  /** Cap on the wait WeCom's frequency limit asks for before a retry. */
  maxRetryDelayMs: number;
  /** Told of every page of WeCom data a full sync mirrors (for metrics). */
  observeSyncPage?(kind: string): void;
  /** Tells a sync workflow how far a paging activity got (see wecom-full-sync's pageProgress signal). */
  reportPageProgress?(workflowId: string, report: PageProgress): Promise<void>;
}

/** Every activity the worker registers, built from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createDistributionActivities({ db: deps.db, defaults: deps.distributionDefaults }),
    ...createWecomSyncActivities(deps),
    ...createWecomEventActivities(deps),
    ...createAcquisitionActivities(deps),
    ...createMaterialActivities(deps),
    ...createTransferActivities(deps),
    ...createClueImportActivities({ db: deps.db, files: deps.files, validateRow: validateImportRow }),
    ...createClueMergeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
