import { Type } from '@sinclair/typebox';
import { listAcqRulesOfLinks } from '../../../db/queries/acq-links';
import { pageAcqQrs } from '../../../db/queries/acq-qrs';
import { deleteAcqQrs, getAcqQr, saveAcqQr } from '../../../domain/acquisition/acq-qrs';
import { waitForAcqPublish, type AcqPublishRequest } from '../../../temporal/acq-link-publisher';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString, IdValue, idText, StringEnum } from '../../validation';
import { corpOf } from '../corp';
import { WecomId } from '../groups/schemas';
import { AcqQrView, presentAcqQr, SaveAcqQrBody, saveQrInputOf } from './schemas';

const TAG = 'channel QR codes';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';
const PUBLISH_WAIT_MS = 8000;

export function acqQrRoutes(deps: AppDeps): RouteDefinition[] {
  // Codes are acq_link rows: the links' publisher, workflow and sweep publish them.
  const requestPublish = (code: AcqPublishRequest) => deps.acqLinks.enqueue(code);
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/cust/get/qr/save',
      seedOp: 'acqQr.save',
      operationId: 'saveAcqQr',
      errors: [404, 409],
      summary: 'Add or modify a channel QR code (渠道活码); publishing creates or updates its WeCom contact way',
      description:
        'Without id a code is created (name required); with id the given fields change and absent ones stay. ' +
        '`members` is the whole member list (same rule fields as acquisition links). type single has exactly one ' +
        'member; multi has members and/or departments. Channel, employees, departments, corp tags and materials are ' +
        'checked against the corp, every problem in one 400. `state` is generated (`qc<id>`) unless given, unique ' +
        'per corp together with the links (409). A draft touches nothing in WeCom. Publishing (status 1) runs the ' +
        'workflow `acq-link-publish-<id>`: one contact way (add_contact_way type 1 or 2, scene 2), updated on edit, ' +
        'deleted on unpublish or delete; a permanent refusal marks the code status 2 with `statusReason`. For a ' +
        'multi-person code WeCom holds the members eligible now (working hours in Asia/Shanghai, under their daily ' +
        'limit counted from today’s adds through the state), recomputed at each working-window edge and after adds, ' +
        'pushed only when it changes; when nobody is eligible the last list stays (`membersNote`).',
      tag: TAG,
      auth: 'admin',
      permission: 'acqQr:save',
      body: SaveAcqQrBody,
      response: AcqQrView,
      handle: async ({ body }, ctx) => {
        const corpId = corpOf(ctx, deps);
        const saved = await saveAcqQr(deps.db, corpId, saveQrInputOf(body), actorOf(ctx));
        if (!saved.needsPublish) return presentAcqQr(saved.code, saved.members);
        requestPublish({
          id: saved.code.id,
          corpId,
          linkName: saved.code.link_name,
          generation: saved.code.generation,
        });
        await waitForAcqPublish(deps.db, saved.code.id, PUBLISH_WAIT_MS);
        const now = await getAcqQr(deps.db, corpId, saved.code.id);
        return presentAcqQr(now.code, now.members);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/cust/get/qr/page',
      seedOp: 'acqQr.page',
      operationId: 'pageAcqQrs',
      summary: 'Page through channel QR codes by name, channel, type, status and member',
      tag: TAG,
      auth: 'admin',
      permission: 'acqQr:page',
      body: PageRequest(
        {
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 30, description: 'part of the name' })),
          channelId: Type.Optional(IdValue),
          channelType: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
          type: Type.Optional(StringEnum(['single', 'multi'] as const)),
          status: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
          userId: Type.Optional(WecomId),
        },
        ['id'],
      ),
      response: PageOf(AcqQrView),
      handle: async ({ body }, ctx) => {
        const { channelId, ...filter } = body;
        const page = await pageAcqQrs(deps.db, corpOf(ctx, deps), {
          ...filter,
          ...(channelId !== undefined ? { channelId: idText(channelId) } : {}),
        });
        const members = await listAcqRulesOfLinks(
          deps.db,
          page.list.map((c) => c.id),
        );
        return {
          list: page.list.map((c) => presentAcqQr(c, members.get(c.id) ?? [])),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/cust/get/qr/delete',
      seedOp: 'acqQr.delete',
      operationId: 'deleteAcqQrs',
      errors: [404],
      summary: 'Delete channel QR codes and, through their publishing workflows, their WeCom contact ways',
      description: 'All or nothing: an id that names no live code of the corp is a 404 and nothing is deleted.',
      tag: TAG,
      auth: 'admin',
      permission: 'acqQr:delete',
      body: Type.Object({ ids: Type.Array(IdValue, { minItems: 1, maxItems: 200 }) }, { additionalProperties: false }),
      response: Type.Object({ deleted: Type.Integer() }),
      handle: async ({ body }, ctx) => {
        const corpId = corpOf(ctx, deps);
        const ids = body.ids.map(idText);
        const toPublish = await deleteAcqQrs(deps.db, corpId, ids, actorOf(ctx));
        for (const code of toPublish) requestPublish({ ...code, corpId });
        return { deleted: new Set(ids).size };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/cust/get/qr/{id}',
      seedOp: 'acqQr.get',
      operationId: 'getAcqQr',
      errors: [404],
      summary: 'One channel QR code by id, with its members, its WeCom contact way and the members WeCom holds now',
      tag: TAG,
      auth: 'admin',
      permission: 'acqQr:get',
      params: Type.Object({ id: IdString }),
      response: AcqQrView,
      handle: async ({ params }, ctx) => {
        const { code, members } = await getAcqQr(deps.db, corpOf(ctx, deps), params.id);
        return presentAcqQr(code, members);
      },
    }),
  ];
}
