import { Type } from '@sinclair/typebox';
import { listAcqRulesOfLinks, pageAcqLinks } from '../../../db/queries/acq-links';
import { deleteAcqLinks, getAcqLink, saveAcqLink } from '../../../domain/acquisition/acq-links';
import { waitForAcqPublish, type AcqPublishRequest } from '../../../temporal/acq-link-publisher';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString, IdValue, idText } from '../../validation';
import { corpOf } from '../corp';
import { WecomId } from '../groups/schemas';
import { AcqLinkView, presentAcqLink, SaveAcqLinkBody, saveInputOf } from './schemas';

const TAG = 'acquisition links';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';

/** How long a save waits for WeCom to hold it, so the answer can carry the new codes and URLs. */
const PUBLISH_WAIT_MS = 8000;

export function acqLinkRoutes(deps: AppDeps): RouteDefinition[] {
  const requestPublish = (link: AcqPublishRequest) => deps.acqLinks.enqueue(link);
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/cust/get/link/save',
      seedOp: 'acqLink.save',
      operationId: 'saveAcqLink',
      errors: [404, 409],
      summary: 'Add or modify an acquisition link with its allocation rules; publishing creates the WeCom objects',
      description:
        'The body of the acquisition-link admin API, field by field. Without id a link is created (linkName ' +
        'required); with id the given fields change and absent ones stay. `allocationRules`, when given, is the ' +
        'whole rule set (matched by id, else by userId). Every employee, department, corp tag and the channel are ' +
        'checked against the corp, and every problem is answered in one 400. `state` values are generated ' +
        '(`ql<link>`, `ql<link>r<rule>`) unless given, and unique per corp (409). Counters, WeCom ids, URLs and audit ' +
        'fields are read-only and ignored. A draft (status 0) that was never published touches nothing in WeCom. ' +
        'Publishing (status 1) runs the workflow `acq-link-publish-<id>`: each rule gets its own single-person ' +
        'contact way (getType qr: configLinkId, qrCode) or acquisition link (getType link: linkUrl with ' +
        '`customer_channel=<state>`), and the link a WeCom acquisition link over its range (url, linkId) as the ' +
        'fallback. Unpublishing or deleting removes them in WeCom. A permanent WeCom refusal marks the link ' +
        'status 2 with `statusReason`; anything else is retried durably. The answer waits a few seconds for ' +
        'WeCom; `publishing` true means it is still on its way. The answer uses this API’s envelope ' +
        '(`data`, where the original API documentation’s example spells `date`).',
      tag: TAG,
      auth: 'admin',
      permission: 'acqLink:save',
      body: SaveAcqLinkBody,
      response: AcqLinkView,
      handle: async ({ body }, ctx) => {
        const corpId = corpOf(ctx, deps);
        const saved = await saveAcqLink(deps.db, corpId, saveInputOf(body), actorOf(ctx));
        if (!saved.needsPublish) return presentAcqLink(saved.link, saved.rules);
        requestPublish({
          id: saved.link.id,
          corpId,
          linkName: saved.link.link_name,
          generation: saved.link.generation,
        });
        await waitForAcqPublish(deps.db, saved.link.id, PUBLISH_WAIT_MS);
        const now = await getAcqLink(deps.db, corpId, saved.link.id);
        return presentAcqLink(now.link, now.rules);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/cust/get/link/page',
      seedOp: 'acqLink.page',
      operationId: 'pageAcqLinks',
      summary: 'Page through acquisition links by name, channel, status and employee, with their rules',
      tag: TAG,
      auth: 'admin',
      permission: 'acqLink:page',
      body: PageRequest(
        {
          linkName: Type.Optional(Type.String({ minLength: 1, maxLength: 30, description: 'part of the name' })),
          channelId: Type.Optional(IdValue),
          channelType: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
          status: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
          userId: Type.Optional(WecomId),
        },
        ['id', 'linkName', 'ctime', 'mtime', 'addFriendCount'],
      ),
      response: PageOf(AcqLinkView),
      handle: async ({ body }, ctx) => {
        const { channelId, ...filter } = body;
        const page = await pageAcqLinks(deps.db, corpOf(ctx, deps), {
          ...filter,
          ...(channelId !== undefined ? { channelId: idText(channelId) } : {}),
        });
        const rules = await listAcqRulesOfLinks(
          deps.db,
          page.list.map((l) => l.id),
        );
        return {
          list: page.list.map((l) => presentAcqLink(l, rules.get(l.id) ?? [])),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/cust/get/link/delete',
      seedOp: 'acqLink.delete',
      operationId: 'deleteAcqLinks',
      errors: [404],
      summary: 'Delete acquisition links and, through their publishing workflows, their WeCom objects',
      description:
        'All or nothing: an id that names no live link of the corp is a 404 and nothing is deleted. The ' +
        'customers the links brought keep their attribution.',
      tag: TAG,
      auth: 'admin',
      permission: 'acqLink:delete',
      body: Type.Object({ ids: Type.Array(IdValue, { minItems: 1, maxItems: 200 }) }, { additionalProperties: false }),
      response: Type.Object({ deleted: Type.Integer() }),
      handle: async ({ body }, ctx) => {
        const corpId = corpOf(ctx, deps);
        const ids = body.ids.map(idText);
        const toPublish = await deleteAcqLinks(deps.db, corpId, ids, actorOf(ctx));
        for (const link of toPublish) requestPublish({ ...link, corpId });
        return { deleted: new Set(ids).size };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/cust/get/link/{id}',
      seedOp: 'acqLink.get',
      operationId: 'getAcqLink',
      errors: [404],
      summary: 'One acquisition link by id, with its rules, their WeCom codes and URLs, and its counters',
      tag: TAG,
      auth: 'admin',
      permission: 'acqLink:get',
      params: Type.Object({ id: IdString }),
      response: AcqLinkView,
      handle: async ({ params }, ctx) => {
        const { link, rules } = await getAcqLink(deps.db, corpOf(ctx, deps), params.id);
        return presentAcqLink(link, rules);
      },
    }),
  ];
}
