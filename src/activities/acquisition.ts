import type { Db } from '../db/knex';
import { publishAcqLink } from '../domain/acquisition/publish-acq-link';
import type { WecomApiFactory } from '../wecom/api';
import { withWecomFailures } from './wecom-failures';

export function createAcquisitionActivities(deps: { db: Db; wecom: WecomApiFactory; maxRetryDelayMs: number }) {
  const { db, wecom } = deps;
  return {
    /** Brings WeCom to the link's current row; a permanent refusal is recorded on the link (status 2), not thrown. */
    async publishAcqLink(input: { corpId: string; linkId: string }) {
      return withWecomFailures(
        async () => publishAcqLink(db, await wecom(input.corpId), input.linkId),
        deps.maxRetryDelayMs,
      );
    },
  };
}

export type AcquisitionActivities = ReturnType<typeof createAcquisitionActivities>;
