import { Type } from '@sinclair/typebox';
import { collectPartnerClue } from '../../../domain/clues/collect-clue';
import type { AppDeps } from '../../app';
import { defineRoute, type RouteDefinition } from '../../route';
import { CollectClueBody } from './collect-schema';

export function openClueRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api-scrm/openapi/clue/collect',
      operationId: 'collectClue',
      errors: [401, 429, 503],
      seedOp: 'openapi.clueCollect',
      summary: 'Collect a clue from a partner (the partner clue API)',
      description:
        'Stores the clue before answering and starts its distribution. The same businessId sent again updates the one ' +
        'clue and never starts a second distribution. `data` is the businessId. 503 with Retry-After ' +
        '(DATABASE_UNAVAILABLE, INTAKE_BUSY) means the clue may not be stored: send it again (the same businessId ' +
        'updates the one clue). Failed keys are counted per client address: past PARTNER_KEY_MAX_FAILS_PER_IP in ' +
        "a window, that address's failures answer 429 TOO_MANY_FAILURES with Retry-After; valid keys always pass.",
      tag: 'open-api',
      auth: 'public',
      // Partners' systems send fields of their own; they are ignored, never stored (see the schema).
      unknownFields: 'ignore',
      body: CollectClueBody,
      response: Type.String({ description: 'businessId' }),
      bodyLimit: '1mb',
      handle: async ({ body }, ctx) => {
        const partner = await deps.partnerAuth.authenticate(body.secretKey, ctx.ip);
        const { inserted } = await collectPartnerClue(deps.clueIntake, partner, body);
        if (inserted) deps.dispatcher.notify();
        return body.businessId;
      },
    }),
  ];
}
