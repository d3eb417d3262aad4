import { Type } from '@sinclair/typebox';
import { pageJoinQrs } from '../../../db/queries/group-join-qrs';
import { deleteJoinQr, getJoinQrDetail, saveJoinQr } from '../../../domain/acquisition/group-join-qrs';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { ChannelTypeField } from '../channels/schemas';
import { corpOf } from '../corp';
import { WecomId } from '../groups/schemas';
import {
  JoinQrDetailView,
  JoinQrStatus,
  JoinQrView,
  presentJoinQr,
  presentJoinQrDetail,
  SaveJoinQrBody,
} from './schemas';

const TAG = 'group-join QR codes';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';

export function groupJoinQrRoutes(deps: AppDeps): RouteDefinition[] {
  const joinQrDeps = { db: deps.db, wecom: deps.wecom, logger: deps.logger };
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/groupJoinQr/page',
      seedOp: 'groupJoinQr.page',
      operationId: 'pageGroupJoinQrs',
      summary: 'Page through group-join QR codes by name, channel, status and group',
      tag: TAG,
      auth: 'admin',
      permission: 'groupJoinQr:page',
      body: PageRequest(
        {
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'part of the name' })),
          channelId: Type.Optional(IdString),
          channelType: Type.Optional(ChannelTypeField),
          status: Type.Optional(JoinQrStatus),
          chatId: Type.Optional(WecomId),
        },
        ['id', 'name', 'ctime', 'mtime'],
      ),
      response: PageOf(JoinQrView),
      handle: async ({ body }, ctx) => {
        const page = await pageJoinQrs(deps.db, corpOf(ctx, deps), body);
        return {
          list: page.list.map(presentJoinQr),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/groupJoinQr/save',
      seedOp: 'groupJoinQr.save',
      operationId: 'saveGroupJoinQr',
      errors: [404, 409, 429, 503],
      summary: 'Add or modify a group-join QR code (a WeCom join way)',
      description:
        'Without id a code is created (name and chatIdList required): the join way is added in WeCom with a ' +
        'generated state, and the code is stored only once WeCom has it. With id the given fields change and absent ' +
        'ones stay (null clears channelId, roomBaseName, roomBaseId, remark); WeCom is updated first and the code ' +
        'changes only when WeCom took the new version. A WeCom refusal answers 409 (400 for a group WeCom does not ' +
        'know) and leaves the code as it was; a join way deleted in WeCom meanwhile marks the code status 2 and ' +
        'answers 409. Every member who joins through the code carries its state and is attributed to the code and ' +
        'its channel (joinCount, memberCount, groupMember channel stats).',
      tag: TAG,
      auth: 'admin',
      permission: 'groupJoinQr:save',
      body: SaveJoinQrBody,
      response: JoinQrDetailView,
      handle: async ({ body }, ctx) =>
        presentJoinQrDetail(await saveJoinQr(joinQrDeps, corpOf(ctx, deps), body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/groupJoinQr/delete',
      seedOp: 'groupJoinQr.delete',
      operationId: 'deleteGroupJoinQr',
      errors: [404, 409, 429, 503],
      summary: 'Delete a group-join QR code: its WeCom join way first, then the code (soft)',
      description:
        'A join way WeCom no longer knows counts as deleted. When WeCom refuses, nothing changes (409). The ' +
        'members who joined through the code stay attributed to it.',
      tag: TAG,
      auth: 'admin',
      permission: 'groupJoinQr:delete',
      body: Type.Object({ id: IdString }, { additionalProperties: false }),
      response: JoinQrView,
      handle: async ({ body }, ctx) =>
        presentJoinQr(await deleteJoinQr(joinQrDeps, corpOf(ctx, deps), body.id, actorOf(ctx))),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/groupJoinQr/{id}',
      seedOp: 'groupJoinQr.get',
      operationId: 'getGroupJoinQr',
      errors: [404],
      summary: 'One group-join QR code with its groups and join figures',
      tag: TAG,
      auth: 'admin',
      permission: 'groupJoinQr:get',
      params: Type.Object({ id: IdString }),
      response: JoinQrDetailView,
      handle: async ({ params }, ctx) =>
        presentJoinQrDetail(await getJoinQrDetail(deps.db, corpOf(ctx, deps), params.id)),
    }),
  ];
}
