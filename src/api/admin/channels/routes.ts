import { Type } from '@sinclair/typebox';
import { listChannels, pageChannels } from '../../../db/queries/acq-channels';
import { getChannel, saveChannel } from '../../../domain/acquisition/channels';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString, RequiredText, StringEnum } from '../../validation';
import { corpOf } from '../corp';
import { WecomId } from '../groups/schemas';
import { ChannelStatus, ChannelTypeField, ChannelView, presentChannel } from './schemas';

const TAG = 'acquisition channels';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';

export function channelRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/admin/channel/listAll',
      seedOp: 'channel.listAll',
      operationId: 'listChannels',
      summary: 'Every acquisition channel of the corp (enabled first, by name), optionally of one status',
      tag: TAG,
      auth: 'admin',
      permission: 'channel:listAll',
      query: Type.Object({ status: Type.Optional(StringEnum(['0', '1'], '1 enabled only, 0 disabled only')) }),
      response: Type.Array(ChannelView),
      handle: async ({ query }, ctx) =>
        (
          await listChannels(deps.db, corpOf(ctx, deps), query.status === undefined ? undefined : Number(query.status))
        ).map(presentChannel),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/channel/page',
      seedOp: 'channel.page',
      operationId: 'pageChannels',
      summary: 'Page through acquisition channels by name, type, status and owner',
      tag: TAG,
      auth: 'admin',
      permission: 'channel:page',
      body: PageRequest(
        {
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'part of the name' })),
          type: Type.Optional(ChannelTypeField),
          status: Type.Optional(ChannelStatus),
          owner: Type.Optional(WecomId),
        },
        ['id', 'name', 'ctime', 'mtime'],
      ),
      response: PageOf(ChannelView),
      handle: async ({ body }, ctx) => {
        const page = await pageChannels(deps.db, corpOf(ctx, deps), body);
        return {
          list: page.list.map(presentChannel),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/channel/save',
      seedOp: 'channel.save',
      operationId: 'saveChannel',
      errors: [404, 409],
      summary: 'Add or modify an acquisition channel',
      description:
        'Without id a channel is created (name and type required, status 1 unless given); with id the given ' +
        'fields change and absent ones stay; null clears owner and remark. Names are unique per corp ' +
        '(case-insensitive, 409). The owner must be a live employee of the corp. A disabled channel keeps its ' +
        'links and codes and their attributions; it only stops being offered for new ones.',
      tag: TAG,
      auth: 'admin',
      permission: 'channel:save',
      body: Type.Object(
        {
          id: Type.Optional(IdString),
          name: Type.Optional(RequiredText(64)),
          type: Type.Optional(ChannelTypeField),
          status: Type.Optional(ChannelStatus),
          owner: Type.Optional(Type.Union([WecomId, Type.Null()])),
          remark: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()])),
        },
        { additionalProperties: false },
      ),
      response: ChannelView,
      handle: async ({ body }, ctx) =>
        presentChannel(await saveChannel(deps.db, corpOf(ctx, deps), body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/channel/{id}',
      seedOp: 'channel.get',
      operationId: 'getChannel',
      errors: [404],
      summary: 'One acquisition channel by id',
      tag: TAG,
      auth: 'admin',
      permission: 'channel:get',
      params: Type.Object({ id: IdString }),
      response: ChannelView,
      handle: async ({ params }, ctx) => presentChannel(await getChannel(deps.db, corpOf(ctx, deps), params.id)),
    }),
  ];
}
