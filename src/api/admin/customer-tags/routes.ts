import { Type } from '@sinclair/typebox';
import { pageCustomerTags } from '../../../db/queries/customer-tags';
import { getCustomerTag, saveCustomerTag, tagCustomer } from '../../../domain/tags/customer-tagging';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { corpViewerOf } from '../viewer';
import {
  CustomerTagSetView,
  CustomerTagView,
  OpaqueId,
  presentCustomerTag,
  TagIdList,
  TagSourceField,
} from './schemas';

const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';
const SORT_FIELDS = ['id', 'ctime', 'mtime'] as const;
const UseridField = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^\\S+$',
    'x-message': 'field.wecomUserid',
    description: 'employee of the relation; required for corp tags, ignored for self-built tags',
  }),
);

/**
 * Two views of the same customer_tag rows. customerTagging.* is the tagging operation: add and
 * remove several tags on one customer (corp tags on one relation, pushed to WeCom with mark_tag).
 * customerTag.* is the record view: one row per (customer, tag), listed with tag, group, customer
 * and employee names, and saved one record at a time.
 */
export function customerTagRoutes(deps: AppDeps): RouteDefinition[] {
  const page = (body: Parameters<typeof pageCustomerTags>[2], ctx: RequestContext) =>
    pageCustomerTags(deps.db, corpViewerOf(ctx, deps), body).then((p) => ({
      list: p.list.map(presentCustomerTag),
      total: p.total,
      pageNum: body.pageNum,
      pageSize: body.pageSize,
    }));

  return [
    defineRoute({
      method: 'POST',
      path: '/admin/customerTagging/page',
      seedOp: 'customerTagging.page',
      operationId: 'pageCustomerTaggings',
      summary: 'Tagging view: page through the tags put on customers, by customer, employee relation, source or tag',
      description:
        'The assignments that customerTagging/save adds and removes. For the record view with group filters ' +
        'see customerTag/page.',
      tag: 'customer tagging',
      auth: 'admin',
      permission: 'customerTagging:page',
      body: PageRequest(
        {
          externalUserid: Type.Optional(OpaqueId),
          userid: UseridField,
          tagSource: Type.Optional(TagSourceField),
          tagId: Type.Optional(OpaqueId),
        },
        SORT_FIELDS,
      ),
      response: PageOf(CustomerTagView),
      handle: async ({ body }, ctx) => page(body, ctx),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/customerTagging/save',
      seedOp: 'customerTagging.save',
      operationId: 'saveCustomerTagging',
      errors: [404, 409, 429, 503],
      summary: 'Tagging operation: add and remove tags on one customer, corp tags (pushed to WeCom) or self-built',
      description:
        'Corp tags sit on one follow-user relation: userid is required, the relation must be active, and the ' +
        'change goes to WeCom (mark_tag) before the mirror follows. Self-built tags sit on the customer and stay ' +
        'local. Unknown tag ids are refused with 400 naming them; repeating a request changes nothing. Answers ' +
        'every tag of that source the customer (relation) now carries. addTagIds and removeTagIds may not both be ' +
        'empty, nor name the same tag.',
      tag: 'customer tagging',
      auth: 'admin',
      permission: 'customerTagging:save',
      body: Type.Object(
        {
          externalUserid: OpaqueId,
          userid: UseridField,
          tagSource: TagSourceField,
          addTagIds: Type.Optional(TagIdList),
          removeTagIds: Type.Optional(TagIdList),
        },
        { additionalProperties: false },
      ),
      response: CustomerTagSetView,
      handle: async ({ body }, ctx) => {
        const tags = await tagCustomer(
          deps,
          corpViewerOf(ctx, deps),
          {
            externalUserid: body.externalUserid,
            userid: body.userid,
            tagSource: body.tagSource,
            addTagIds: body.addTagIds ?? [],
            removeTagIds: body.removeTagIds ?? [],
          },
          actorOf(ctx),
        );
        return {
          externalUserid: body.externalUserid,
          userid: body.tagSource === 'corp' ? (body.userid ?? null) : null,
          tagSource: body.tagSource,
          tags: tags.map(presentCustomerTag),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/customerTagging/{id}',
      seedOp: 'customerTagging.get',
      operationId: 'getCustomerTagging',
      errors: [404],
      summary: 'Tagging view: one tag assignment by id',
      tag: 'customer tagging',
      auth: 'admin',
      permission: 'customerTagging:get',
      params: Type.Object({ id: IdString }),
      response: CustomerTagView,
      handle: async ({ params }, ctx) =>
        presentCustomerTag(await getCustomerTag(deps.db, corpViewerOf(ctx, deps), params.id)),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/customerTag/page',
      seedOp: 'customerTag.page',
      operationId: 'pageCustomerTags',
      summary: 'Record view: page through customer tag records with tag, group, customer and employee names',
      description: 'Filters by tag, tag group, source or customer. To change tags in bulk use customerTagging/save.',
      tag: 'customer tags',
      auth: 'admin',
      permission: 'customerTag:page',
      body: PageRequest(
        {
          externalUserid: Type.Optional(OpaqueId),
          userid: UseridField,
          tagSource: Type.Optional(TagSourceField),
          tagId: Type.Optional(OpaqueId),
          groupId: Type.Optional(OpaqueId),
        },
        SORT_FIELDS,
      ),
      response: PageOf(CustomerTagView),
      handle: async ({ body }, ctx) => page(body, ctx),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/customerTag/save',
      seedOp: 'customerTag.save',
      operationId: 'saveCustomerTag',
      errors: [404, 409, 429, 503],
      summary: 'Record view: add one customer tag record, or point an existing record (id) at another tag',
      description:
        'A self-built tag goes on the customer; a corp tag goes on the relation named by userid and is marked in ' +
        'WeCom first. Adding a tag the customer already carries answers the existing record. The customer, ' +
        'relation and source of an existing record cannot change.',
      tag: 'customer tags',
      auth: 'admin',
      permission: 'customerTag:save',
      body: Type.Object(
        {
          id: Type.Optional(IdString),
          externalUserid: OpaqueId,
          userid: UseridField,
          tagSource: TagSourceField,
          tagId: OpaqueId,
        },
        { additionalProperties: false },
      ),
      response: CustomerTagView,
      handle: async ({ body }, ctx) =>
        presentCustomerTag(await saveCustomerTag(deps, corpViewerOf(ctx, deps), body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/customerTag/{id}',
      seedOp: 'customerTag.get',
      operationId: 'getCustomerTag',
      errors: [404],
      summary: 'Record view: one customer tag record by id, with its names',
      tag: 'customer tags',
      auth: 'admin',
      permission: 'customerTag:get',
      params: Type.Object({ id: IdString }),
      response: CustomerTagView,
      handle: async ({ params }, ctx) =>
        presentCustomerTag(await getCustomerTag(deps.db, corpViewerOf(ctx, deps), params.id)),
    }),
  ];
}
