import { Type } from '@sinclair/typebox';
import { pageMiniLinks } from '../../../db/queries/mini-links';
import { deleteMiniLink, getMiniLink, saveMiniLink } from '../../../domain/acquisition/mini-links';
import { listMiniPrograms, saveMiniProgramApp } from '../../../domain/acquisition/mini-schemes';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { ChannelTypeField } from '../channels/schemas';
import { corpOf } from '../corp';
import {
  MiniAppId,
  MiniLinkView,
  MiniProgramAppView,
  presentMiniLink,
  presentMiniProgramApp,
  SaveMiniLinkBody,
  SaveMiniProgramAppBody,
} from './schemas';

const TAG = 'mini-program links';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';

export function miniLinkRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/miniLink/page',
      seedOp: 'miniLink.page',
      operationId: 'pageMiniLinks',
      summary: 'Page through mini-program promotion links by channel type and channel id (and name, app)',
      tag: TAG,
      auth: 'admin',
      permission: 'miniLink:page',
      body: PageRequest(
        {
          channelType: Type.Optional(ChannelTypeField),
          channelId: Type.Optional(IdString),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'part of the name' })),
          appId: Type.Optional(MiniAppId),
        },
        ['id', 'name', 'ctime', 'mtime'],
      ),
      response: PageOf(MiniLinkView),
      handle: async ({ body }, ctx) => {
        const page = await pageMiniLinks(deps.db, corpOf(ctx, deps), body);
        return {
          list: page.list.map(presentMiniLink),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/miniLink/save',
      seedOp: 'miniLink.save',
      operationId: 'saveMiniLink',
      errors: [404],
      summary: 'Add or modify a mini-program promotion link',
      description:
        'Without id a link is created (name, appId and pagePath required) with a generated state, its channel ' +
        'parameter; with id the given fields change and absent ones stay (null clears query, title, ' +
        'coverMaterialId, channelId and remark). channelType is taken from the channel. coverMaterialId must be a ' +
        'live image material of the corp (400 otherwise); while a live link uses it, material.delete refuses it ' +
        '(409). The landing page gets a URL scheme per visit from openapi/miniLink/scheme.',
      tag: TAG,
      auth: 'admin',
      permission: 'miniLink:save',
      body: SaveMiniLinkBody,
      response: MiniLinkView,
      handle: async ({ body }, ctx) =>
        presentMiniLink(await saveMiniLink(deps.db, corpOf(ctx, deps), body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/miniLink/delete',
      seedOp: 'miniLink.delete',
      operationId: 'deleteMiniLink',
      errors: [404],
      summary: 'Delete a mini-program promotion link (soft)',
      tag: TAG,
      auth: 'admin',
      permission: 'miniLink:delete',
      body: Type.Object({ id: IdString }, { additionalProperties: false }),
      response: MiniLinkView,
      handle: async ({ body }, ctx) =>
        presentMiniLink(await deleteMiniLink(deps.db, corpOf(ctx, deps), body.id, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/miniLink/app/save',
      operationId: 'saveMiniProgramApp',
      errors: [409, 429],
      summary: "Store a mini-program's AppSecret for the corp (needed to generate URL schemes)",
      description:
        'The AppID and AppSecret are first tried on WeChat (cgi-bin/token): a pair WeChat refuses is a 400 on ' +
        'appSecret and nothing is stored. Saving again replaces the secret (after a reset in the WeChat console). ' +
        'The secret is never answered again, only its last four characters.',
      tag: TAG,
      auth: 'admin',
      permission: 'miniLink:saveApp',
      body: SaveMiniProgramAppBody,
      response: MiniProgramAppView,
      handle: async ({ body }, ctx) =>
        presentMiniProgramApp(
          await saveMiniProgramApp(
            { db: deps.db, miniPrograms: deps.miniPrograms },
            corpOf(ctx, deps),
            body,
            actorOf(ctx),
          ),
        ),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/miniLink/app/list',
      operationId: 'listMiniProgramApps',
      summary: 'The mini-programs whose AppSecret the corp stored',
      tag: TAG,
      auth: 'admin',
      permission: 'miniLink:listApps',
      response: Type.Array(MiniProgramAppView),
      handle: async (_input, ctx) => (await listMiniPrograms(deps.db, corpOf(ctx, deps))).map(presentMiniProgramApp),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/miniLink/{id}',
      seedOp: 'miniLink.get',
      operationId: 'getMiniLink',
      errors: [404],
      summary: 'One mini-program promotion link by id',
      tag: TAG,
      auth: 'admin',
      permission: 'miniLink:get',
      params: Type.Object({ id: IdString }),
      response: MiniLinkView,
      handle: async ({ params }, ctx) => presentMiniLink(await getMiniLink(deps.db, corpOf(ctx, deps), params.id)),
    }),
  ];
}
