import type { Db } from '../db/knex';
import type { DistributionDefaults } from '../domain/distribution/assign-clue';
import { createDistributionActivities } from './distribution';

export interface ActivityDeps {
  db: Db;
  distributionDefaults: DistributionDefaults;
}

/** Every activity the worker registers, built from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createDistributionActivities({ db: deps.db, defaults: deps.distributionDefaults }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
