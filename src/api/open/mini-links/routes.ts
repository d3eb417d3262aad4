import { Type } from '@sinclair/typebox';
import { generateMiniLinkScheme, SCHEME_LIFETIME_SECONDS } from '../../../domain/acquisition/mini-schemes';
import { MINI_LINK_STATE_PARAM } from '../../../domain/acquisition/mini-links';
import type { AppDeps } from '../../app';
import { defineRoute, type RouteDefinition } from '../../route';
import { IdValue, idText } from '../../validation';

export function openMiniLinkRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api-scrm/openapi/miniLink/scheme',
      operationId: 'miniLinkScheme',
      errors: [401, 404, 409, 429],
      summary: 'A fresh WeChat URL scheme (openlink) for one landing-page visit of a mini-program link',
      description:
        'Called by the partner’s landing-page server on every view, with the partner secret key (as allocationHit). ' +
        'WeChat binds a URL scheme to the first user who opens it, so every call has WeChat generate a new one ' +
        '(wxa/generatescheme) for the link’s page, with the link’s query plus ' +
        `${MINI_LINK_STATE_PARAM}=<state>, release version, expiring ${SCHEME_LIFETIME_SECONDS / 60} minutes ` +
        'later: show it to this visitor only, never cache or share it. 404 for an unknown or deleted link; 409 ' +
        'MINI_PROGRAM_NOT_CONFIGURED when the corp stored no AppSecret for the app (miniLink/app/save), ' +
        'MINI_PROGRAM_CREDENTIALS_INVALID when WeChat refuses the stored one, MINI_SCHEME_PAGE_INVALID for a page ' +
        'or query WeChat refuses (40165/40212), MINI_PROGRAM_NOT_RELEASED (85079) and WECHAT_REJECTED for other ' +
        'refusals; 429 with Retry-After for WeChat’s quotas (44990 per second, 45009/85400 until midnight in ' +
        'China) and when WeChat is busy or unreachable. WeChat’s trouble never answers a 5xx.',
      tag: 'open-api',
      auth: 'public',
      unknownFields: 'ignore',
      body: Type.Object({
        secretKey: Type.String({ minLength: 1, maxLength: 128, description: 'the partner secret key' }),
        linkId: IdValue,
      }),
      response: Type.Object({
        linkId: Type.String(),
        appId: Type.String(),
        openlink: Type.String({ description: 'weixin://dl/business/?t=…, for this visitor only' }),
        expiresAt: Type.String({ description: 'when WeChat stops opening it' }),
        path: Type.String({ description: 'the page it opens' }),
        query: Type.String({ description: `the query the page receives, ${MINI_LINK_STATE_PARAM} included` }),
        state: Type.String({ description: 'the link’s channel parameter' }),
      }),
      handle: async ({ body }, ctx) => {
        await deps.partnerAuth.authenticate(body.secretKey, ctx.ip);
        // A scheme opens for its first user only: no proxy or browser may hand it to a second visitor.
        ctx.koa.set('Cache-Control', 'no-store');
        const scheme = await generateMiniLinkScheme(
          { db: deps.db, miniPrograms: deps.miniPrograms },
          idText(body.linkId),
        );
        return {
          linkId: scheme.link.id,
          appId: scheme.link.app_id,
          openlink: scheme.openlink,
          expiresAt: scheme.expiresAt.toISOString(),
          path: scheme.link.page_path,
          query: scheme.query,
          state: scheme.link.state,
        };
      },
    }),
  ];
}
