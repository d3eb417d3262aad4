import type { Db } from '../db/knex';
import { publishAcqLink } from '../domain/acquisition/publish-acq-link';
import { recomputeQrMembers } from '../domain/acquisition/publish-acq-qr';
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
    /**
     * After an add through a multi-person channel QR code's state (the add-event path, once the
     * relation with its state is mirrored): takes a member who reached the daily limit off the code.
     */
    async recomputeQrMembers(input: { corpId: string; codeId: string }) {
      return withWecomFailures(
        async () => recomputeQrMembers(db, await wecom(input.corpId), input.codeId),
        deps.maxRetryDelayMs,
      );
    },
  };
}

export type AcquisitionActivities = ReturnType<typeof createAcquisitionActivities>;
