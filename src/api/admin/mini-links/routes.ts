import { Type } from '@sinclair/typebox';
import { pageMiniLinks } from '../../../db/queries/mini-links';
import { deleteMiniLink, getMiniLink, saveMiniLink } from '../../../domain/acquisition/mini-links';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { ChannelTypeField } from '../channels/schemas';
import { corpOf } from '../corp';
import { MiniAppId, MiniLinkView, presentMiniLink, SaveMiniLinkBody } from './schemas';

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
        'coverMaterialId, channelId and remark). channelType is taken from the channel. coverMaterialId is stored ' +
        'as given: materials are not checked yet. No per-visit URL scheme is generated (see launchPath).',
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
