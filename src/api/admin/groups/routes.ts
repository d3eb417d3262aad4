import { Type } from '@sinclair/typebox';
import { DateTime } from 'luxon';
import { groupMemberDetail, listLiveGroups, pageGroups } from '../../../domain/groups/group-chats';
import {
  channelStats,
  CORP_TIME_ZONE,
  corpStats,
  getMember,
  memberStatsOfGroup,
  pageMembers,
} from '../../../domain/groups/group-members';
import { openGroupMemberExport } from '../../../domain/groups/member-export';
import { XLSX_CONTENT_TYPE } from '../../../domain/spreadsheet-export';
import { startWecomSync } from '../../../domain/wecom-org/sync';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { sendSpreadsheet } from '../../spreadsheet-download';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { corpOf } from '../corp';
import { corpViewerOf } from '../viewer';
import { SyncStartedView } from '../syncs/schemas';
import {
  GroupMemberView,
  GroupView,
  MemberFilters,
  presentGroup,
  presentGroupMember,
  TodayStatsFields,
  WecomId,
} from './schemas';

const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';

export function groupRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/admin/group/listAll',
      seedOp: 'group.listAll',
      operationId: 'listGroups',
      summary: 'Every live customer group (WeCom customer group chat) of the corp, newest first',
      tag: 'customer groups',
      auth: 'admin',
      permission: 'group:listAll',
      response: Type.Array(GroupView),
      handle: async (_input, ctx) => (await listLiveGroups(deps.db, corpViewerOf(ctx, deps))).map(presentGroup),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/group/memberDetail',
      seedOp: 'group.memberDetail',
      operationId: 'getGroupMembers',
      errors: [404],
      summary: 'A customer group with the members it has now, named from the customer and employee mirror',
      tag: 'customer groups',
      auth: 'admin',
      permission: 'group:memberDetail',
      query: Type.Object({ chatId: WecomId }),
      response: Type.Object({ group: GroupView, members: Type.Array(GroupMemberView) }),
      handle: async ({ query }, ctx) => {
        const detail = await groupMemberDetail(deps.db, corpViewerOf(ctx, deps), query.chatId);
        return { group: presentGroup(detail.group), members: detail.members.map(presentGroupMember) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/group/page',
      seedOp: 'group.page',
      operationId: 'pageGroups',
      summary: 'Page through customer groups by name, owner and WeCom status',
      description: 'Dismissed groups are left out unless includeDismissed is true.',
      tag: 'customer groups',
      auth: 'admin',
      permission: 'group:page',
      body: PageRequest(
        {
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'part of the group name' })),
          owner: Type.Optional(WecomId),
          status: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
          includeDismissed: Type.Optional(Type.Boolean()),
        },
        ['id', 'name', 'createTime', 'memberCount'],
      ),
      response: PageOf(GroupView),
      handle: async ({ body }, ctx) => {
        const page = await pageGroups(deps.db, corpViewerOf(ctx, deps), body);
        return { list: page.list.map(presentGroup), total: page.total, pageNum: body.pageNum, pageSize: body.pageSize };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/group/sync',
      seedOp: 'group.sync',
      operationId: 'syncGroups',
      errors: [409, 503],
      summary: 'Start a full sync of the customer groups and their members from WeCom (a workflow)',
      description: 'A second request while a sync runs joins the running one.',
      tag: 'customer groups',
      auth: 'admin',
      permission: 'group:sync',
      response: SyncStartedView,
      handle: async (_input, ctx) => startWecomSync(deps.wecomSync, corpOf(ctx, deps), 'groups', actorOf(ctx)),
    }),

    defineRoute({
      method: 'POST',
      path: '/admin/groupMember/page',
      seedOp: 'groupMember.page',
      operationId: 'pageGroupMembers',
      summary: 'Page through group members by channel (state) or group, member type, in/quit and join time',
      tag: 'customer groups',
      auth: 'admin',
      permission: 'groupMember:page',
      body: PageRequest(MemberFilters, ['id', 'joinTime', 'quitTime']),
      response: PageOf(GroupMemberView),
      handle: async ({ body }, ctx) => {
        const page = await pageMembers(deps.db, corpViewerOf(ctx, deps), body);
        return {
          list: page.list.map(presentGroupMember),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/groupMember/groupStats',
      seedOp: 'groupMember.groupStats',
      operationId: 'getGroupMemberStats',
      errors: [404],
      summary: 'One group: members now, joined today and left today (days in Asia/Shanghai)',
      tag: 'customer groups',
      auth: 'admin',
      permission: 'groupMember:groupStats',
      query: Type.Object({ chatId: WecomId }),
      response: Type.Object({ chatId: Type.String(), size: Type.Integer(), ...TodayStatsFields }),
      handle: async ({ query }, ctx) => {
        const stats = await memberStatsOfGroup(deps.db, corpViewerOf(ctx, deps), query.chatId);
        return {
          chatId: query.chatId,
          size: stats.size,
          joinedToday: stats.joined_today,
          quitToday: stats.quit_today,
          timeZone: CORP_TIME_ZONE,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/groupMember/export',
      seedOp: 'groupMember.export',
      operationId: 'exportGroupMembers',
      summary: 'Export the group members matching the filters as an .xlsx spreadsheet (streamed)',
      description: 'Same filters as groupMember/page. Rows are read in chunks and streamed, so any size works.',
      tag: 'customer groups',
      auth: 'admin',
      permission: 'groupMember:export',
      body: Type.Object(MemberFilters, { additionalProperties: false }),
      response: Type.Null(),
      rawResponse: { contentType: XLSX_CONTENT_TYPE, description: 'the group members as an Excel workbook' },
      handle: async ({ body }, ctx) => {
        const viewer = corpViewerOf(ctx, deps);
        const exporter = await openGroupMemberExport(deps.db, viewer, body);
        const stamp = DateTime.now().setZone(CORP_TIME_ZONE).toFormat('yyyyLLdd-HHmmss');
        sendSpreadsheet(ctx, deps.logger, `group-members-${stamp}.xlsx`, exporter, { corpId: viewer.corpId });
        return null;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/groupMember/corpStats',
      seedOp: 'groupMember.corpStats',
      operationId: 'getCorpGroupStats',
      errors: [404],
      summary: 'Corp-wide figures of the group list: groups, members, customers in groups, joined and left today',
      tag: 'customer groups',
      auth: 'admin',
      permission: 'groupMember:corpStats',
      response: Type.Object({
        groupCount: Type.Integer(),
        memberCount: Type.Integer({ description: 'members in live groups now' }),
        customerCount: Type.Integer({ description: 'distinct customers in live groups now' }),
        ...TodayStatsFields,
      }),
      handle: async (_input, ctx) => {
        const stats = await corpStats(deps.db, corpViewerOf(ctx, deps));
        return {
          groupCount: stats.group_count,
          memberCount: stats.size,
          customerCount: stats.customer_count,
          joinedToday: stats.joined_today,
          quitToday: stats.quit_today,
          timeZone: CORP_TIME_ZONE,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/groupMember/channelStats',
      seedOp: 'groupMember.channelStats',
      operationId: 'getGroupChannelStats',
      errors: [404],
      summary: 'Per channel (member state) over whole days: members who joined, who left, and who are still in',
      description:
        'from and to are calendar days in Asia/Shanghai, both included (at most 366 days). stillIn counts the ' +
        'members who joined in the range and are still in their group. A state handed out by a group-join QR code ' +
        'names the code and its channel; joinQrId and channelId narrow the figures to one code or one channel.',
      tag: 'customer groups',
      auth: 'admin',
      permission: 'groupMember:channelStats',
      body: Type.Object(
        {
          from: Type.String({ format: 'date' }),
          to: Type.String({ format: 'date' }),
          state: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          joinQrId: Type.Optional({ ...IdString, description: 'only the state of this group-join QR code' }),
          channelId: Type.Optional({
            ...IdString,
            description: 'only the states of the group-join QR codes of this channel',
          }),
        },
        { additionalProperties: false },
      ),
      response: Type.Object({
        from: Type.String(),
        to: Type.String(),
        timeZone: Type.String(),
        list: Type.Array(
          Type.Object({
            state: Type.String(),
            joinQrId: Type.Union([
              Type.String({ description: 'the group-join QR code that handed out the state' }),
              Type.Null(),
            ]),
            joinQrName: Type.Union([Type.String(), Type.Null()]),
            channelId: Type.Union([Type.String({ description: "that code's acquisition channel" }), Type.Null()]),
            channelName: Type.Union([Type.String(), Type.Null()]),
            joined: Type.Integer(),
            quit: Type.Integer(),
            stillIn: Type.Integer(),
          }),
        ),
        total: Type.Object({ joined: Type.Integer(), quit: Type.Integer(), stillIn: Type.Integer() }),
      }),
      handle: async ({ body }, ctx) => {
        const stats = await channelStats(deps.db, corpViewerOf(ctx, deps), body);
        return {
          from: body.from,
          to: body.to,
          timeZone: CORP_TIME_ZONE,
          list: stats.list.map((r) => ({
            state: r.state,
            joinQrId: r.join_qr_id,
            joinQrName: r.join_qr_name,
            channelId: r.channel_id,
            channelName: r.channel_name,
            joined: r.joined,
            quit: r.quit,
            stillIn: r.still_in,
          })),
          total: { joined: stats.total.joined, quit: stats.total.quit, stillIn: stats.total.still_in },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/groupMember/{id}',
      seedOp: 'groupMember.detail',
      operationId: 'getGroupMember',
      errors: [404],
      summary: 'One group member by id, with the group and the customer/employee names',
      tag: 'customer groups',
      auth: 'admin',
      permission: 'groupMember:detail',
      params: Type.Object({ id: IdString }),
      response: GroupMemberView,
      handle: async ({ params }, ctx) =>
        presentGroupMember(await getMember(deps.db, corpViewerOf(ctx, deps), params.id)),
    }),
  ];
}
