import { Type } from '@sinclair/typebox';
import { getChatGroup, pageChatGroupRecords, saveChatGroup } from '../../../domain/groups/chat-groups';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { corpViewerOf } from '../viewer';
import { WecomId } from '../groups/schemas';
import { ChatGroupView, presentChatGroup } from './schemas';

const TAG = 'chat groups';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';
const clearable = (maxLength: number) => Type.Optional(Type.Union([Type.String({ maxLength }), Type.Null()]));

export function chatGroupRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/chatGroup/page',
      seedOp: 'chatGroup.page',
      operationId: 'pageChatGroups',
      summary: "Page through the SCRM's own records about customer groups, joined with the mirrored group",
      tag: TAG,
      auth: 'admin',
      permission: 'chatGroup:page',
      body: PageRequest(
        {
          chatId: Type.Optional(WecomId),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'part of the group name' })),
          category: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          channelId: Type.Optional(IdString),
          owner: Type.Optional(WecomId),
        },
        ['id', 'ctime', 'mtime'],
      ),
      response: PageOf(ChatGroupView),
      handle: async ({ body }, ctx) => {
        const page = await pageChatGroupRecords(deps.db, corpViewerOf(ctx, deps), body);
        return {
          list: page.list.map(presentChatGroup),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/chatGroup/save',
      seedOp: 'chatGroup.save',
      operationId: 'saveChatGroup',
      errors: [404, 409],
      summary: 'Add or modify the record of a customer group: remark, category, channel',
      description:
        'chatId must be a live group of the mirror (404 otherwise). Without id the group’s record is created, ' +
        'or updated when it has one already; with id that record is updated. Absent fields stay, null clears.',
      tag: TAG,
      auth: 'admin',
      permission: 'chatGroup:save',
      body: Type.Object(
        {
          id: Type.Optional(IdString),
          chatId: WecomId,
          remark: clearable(512),
          category: clearable(64),
          channelId: Type.Optional(Type.Union([IdString, Type.Null()])),
        },
        { additionalProperties: false },
      ),
      response: ChatGroupView,
      handle: async ({ body }, ctx) =>
        presentChatGroup(await saveChatGroup(deps.db, corpViewerOf(ctx, deps), body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/chatGroup/{id}',
      seedOp: 'chatGroup.get',
      operationId: 'getChatGroup',
      errors: [404],
      summary: 'One customer group record by id, with the mirrored group',
      tag: TAG,
      auth: 'admin',
      permission: 'chatGroup:get',
      params: Type.Object({ id: IdString }),
      response: ChatGroupView,
      handle: async ({ params }, ctx) =>
        presentChatGroup(await getChatGroup(deps.db, corpViewerOf(ctx, deps), params.id)),
    }),
  ];
}
