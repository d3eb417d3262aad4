import { Type } from '@sinclair/typebox';
import { listPartnerKeys } from '../../../db/queries/partners';
import { createPartnerWithKey, issuePartnerKey, revokeKey } from '../../../domain/partners/manage-partners';
import type { AppDeps } from '../../app';
import { defineRoute, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';

const IssuedKey = Type.Object({
  partnerId: Type.String(),
  keyId: Type.String(),
  secretKey: Type.String({ description: 'the full key; shown only in this response' }),
});

const actorOf = (ctx: { user?: { username: string } | undefined }) => ctx.user?.username ?? 'system';

export function partnerRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/partner/save',
      operationId: 'createPartner',
      errors: [404, 409],
      summary: 'Create a partner with its first secret key (the key is shown once)',
      tag: 'partners',
      auth: 'admin',
      permission: 'partner:save',
      body: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' }),
          rateLimitPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
          remark: Type.Optional(Type.String({ maxLength: 512 })),
        },
        { additionalProperties: false },
      ),
      response: Type.Intersect([IssuedKey, Type.Object({ name: Type.String() })]),
      handle: ({ body }, ctx) => createPartnerWithKey(deps.db, body, actorOf(ctx)),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/partner/key/create',
      operationId: 'createPartnerKey',
      errors: [404, 409],
      summary: 'Issue another secret key for a partner (for rotation)',
      tag: 'partners',
      auth: 'admin',
      permission: 'partner:createKey',
      body: Type.Object({ partnerId: IdString }, { additionalProperties: false }),
      response: IssuedKey,
      handle: ({ body }, ctx) => issuePartnerKey(deps.db, body.partnerId, actorOf(ctx)),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/partner/key/revoke',
      operationId: 'revokePartnerKey',
      errors: [404, 409],
      summary: 'Revoke a partner key; requests with it are refused from then on (within seconds on every API process)',
      tag: 'partners',
      auth: 'admin',
      permission: 'partner:revokeKey',
      body: Type.Object({ keyId: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
      response: Type.Null(),
      handle: async ({ body }) => {
        await revokeKey(deps.db, body.keyId);
        deps.partnerAuth.forget(body.keyId);
        return null;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/partner/{id}/keys',
      operationId: 'listPartnerKeys',
      summary: "A partner's keys (ids and state only; secrets are never shown again)",
      tag: 'partners',
      auth: 'admin',
      permission: 'partner:keys',
      params: Type.Object({ id: IdString }),
      response: Type.Array(
        Type.Object({ keyId: Type.String(), revoked: Type.Boolean(), ctime: Type.String({ format: 'date-time' }) }),
      ),
      handle: async ({ params }) =>
        (await listPartnerKeys(deps.db, params.id)).map((k) => ({
          keyId: k.key_id,
          revoked: k.revoked_at !== null,
          ctime: new Date(k.ctime).toISOString(),
        })),
    }),
  ];
}
