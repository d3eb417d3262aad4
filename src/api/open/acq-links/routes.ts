import { Type } from '@sinclair/typebox';
import { allocationHit, type MissReason } from '../../../domain/acquisition/allocation-hit';
import { rememberVisitorClue } from '../../../db/queries/clue-matches';
import type { AppDeps } from '../../app';
import { defineRoute, type RouteDefinition } from '../../route';
import { IdValue, idText } from '../../validation';

/** What a landing page may show a visitor when nobody can take them now. */
const MISS_REASONS_ZH: Record<MissReason, string> = {
  NO_MEMBERS: '暂无可分配的成员',
  OUTSIDE_WORKING_HOURS: '当前不在成员的工作时间',
  DAILY_LIMIT_REACHED: '成员今日可添加的客户数已满',
  LINK_DAILY_LIMIT_REACHED: '该获客链接今日可添加的客户数已满',
};

const NStr = Type.Union([Type.String(), Type.Null()]);

export function openAcqLinkRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api-scrm/openapi/link/allocationHit',
      operationId: 'allocationHit',
      errors: [401, 404, 409, 429],
      seedOp: 'openapi.allocationHit',
      summary: 'The QR code or link a landing-page visitor is shown, chosen by the link’s allocation rules',
      description:
        'Called by the partner’s landing-page server on every view, with the partner secret key (as the clue ' +
        'API). Among the published rules of the link it picks one by weight, skipping rules outside their working ' +
        'hours (Asia/Shanghai) or at their daily or round limit, and the link once its daily total is reached; a ' +
        'visitor named by externalUserid or unionid goes first to an employee already their friend when the ' +
        'link’s priorityType asks for it. The hand-out is counted at once (views arriving together share one ' +
        'transaction), so limits hold under any concurrency. ' +
        'When nobody is eligible the answer is still 200: `hit` false, `reason` and `reasonText` say why, and ' +
        '`fallbackUrl` is the link’s own WeCom acquisition link (WeCom picks among its range) when it has one. ' +
        'A visitor named by unionid and businessId (the partner’s clue) is remembered for the link’s corp: the ' +
        'customer with that unionid who then adds an employee through the link is linked to that clue. ' +
        '404 for an unknown link, 409 ACQ_LINK_NOT_PUBLISHED for a draft or abnormal one.',
      tag: 'open-api',
      auth: 'public',
      unknownFields: 'ignore',
      body: Type.Object({
        secretKey: Type.String({ minLength: 1, maxLength: 128, description: 'the partner secret key' }),
        linkId: IdValue,
        externalUserid: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        unionid: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        businessId: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 64,
            description:
              'the partner’s clue id (as sent to the clue API) this visitor is; with unionid, the customer who ' +
              'then adds an employee with that unionid is linked to that clue',
          }),
        ),
      }),
      response: Type.Object({
        hit: Type.Boolean(),
        ruleId: NStr,
        userId: NStr,
        getType: Type.Union([Type.String({ description: 'qr or link' }), Type.Null()]),
        state: NStr,
        qrCode: NStr,
        linkUrl: NStr,
        friend: Type.Boolean({ description: 'chosen because the visitor already is this employee’s friend' }),
        reason: Type.Union([Type.String({ description: 'why nobody was chosen' }), Type.Null()]),
        reasonText: NStr,
        fallbackUrl: NStr,
      }),
      handle: async ({ body }, ctx) => {
        const partner = await deps.partnerAuth.authenticate(body.secretKey, ctx.ip);
        if (body.unionid && body.businessId) {
          await rememberVisitorClue(deps.db, {
            linkId: idText(body.linkId),
            unionid: body.unionid,
            partnerId: partner.partnerId,
            businessId: body.businessId,
          });
        }
        const result = await allocationHit(deps.allocation, {
          linkId: idText(body.linkId),
          visitor: {
            ...(body.externalUserid ? { externalUserid: body.externalUserid } : {}),
            ...(body.unionid ? { unionid: body.unionid } : {}),
          },
        });
        if (result.hit) {
          const { hit, ruleId, userId, getType, state, qrCode, linkUrl, friend } = result;
          return {
            hit,
            ruleId,
            userId,
            getType,
            state,
            qrCode,
            linkUrl,
            friend,
            reason: null,
            reasonText: null,
            fallbackUrl: null,
          };
        }
        return {
          hit: false,
          ruleId: null,
          userId: null,
          getType: null,
          state: null,
          qrCode: null,
          linkUrl: null,
          friend: false,
          reason: result.reason,
          reasonText: MISS_REASONS_ZH[result.reason],
          fallbackUrl: result.fallbackUrl,
        };
      },
    }),
  ];
}
