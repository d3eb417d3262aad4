import { Type } from '@sinclair/typebox';
import { listMaterialsByType, pageMaterials } from '../../../db/queries/materials';
import { MATERIAL_MAX_BYTES } from '../../../domain/materials/content';
import {
  deleteMaterial,
  saveMaterial,
  uploadMaterial,
  type MaterialDeps,
  type MaterialScope,
} from '../../../domain/materials/materials';
import type { AppDeps } from '../../app';
import { PageOf, PageRequest } from '../../paging';
import { defineRoute, type RequestContext, type RouteDefinition } from '../../route';
import { IdString, RequiredText } from '../../validation';
import { corpOf } from '../corp';
import {
  FieldMaterialTypeField,
  FileMaterialTypeField,
  HttpUrl,
  MaterialScopeField,
  MaterialScopeQuery,
  MaterialTypeField,
  MaterialView,
  presentMaterial,
} from './schemas';

const TAG = 'materials';
const FILE_FIELD = 'file';
const actorOf = (ctx: RequestContext) => ctx.user?.username ?? 'system';

export function materialRoutes(deps: AppDeps): RouteDefinition[] {
  const materialDeps: MaterialDeps = { db: deps.db, wecom: deps.wecom, files: deps.files };
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/material/upload',
      seedOp: 'material.upload',
      operationId: 'uploadMaterial',
      errors: [409, 429, 503],
      summary:
        'Upload a file material (image, mini-program cover, video, file) to storage and to WeCom temporary media',
      description:
        `multipart/form-data with one file part named \`${FILE_FIELD}\`; the material's fields are query parameters ` +
        '(as WeCom’s own media/upload takes its type). The content decides what the file is — its name and ' +
        'declared type do not count: image and a mini-program’s cover must be JPG or PNG of at most 10 MB, video ' +
        'MP4 of at most 10 MB, file anything of at most 20 MB; every file must be larger than 5 bytes. A refusal ' +
        '(400, or 413 beyond 20 MB) stores nothing. The original is kept in the file store and sent to WeCom as ' +
        'temporary media (valid 3 days, re-uploaded from the original before a send needs it); an image of at most ' +
        '2 MB also gets a permanent media/uploadimg URL (imageUrl). The file name is what a customer sees for a ' +
        'file. miniprogram needs title (≤ 64 bytes), appid and page. Text and link materials have no file: ' +
        'material/save adds them.',
      tag: TAG,
      auth: 'admin',
      permission: 'material:upload',
      query: Type.Object({
        type: FileMaterialTypeField,
        scope: MaterialScopeQuery,
        title: Type.Optional(RequiredText(128, 'default: the file name')),
        appid: Type.Optional(RequiredText(64, 'miniprogram: the app id (linked to the corp)')),
        page: Type.Optional(RequiredText(512, 'miniprogram: the page path, e.g. pages/index/index?from=welcome')),
      }),
      multipartBody: {
        field: FILE_FIELD,
        maxBytes: () => MATERIAL_MAX_BYTES,
        description: 'the file: JPG/PNG for image and miniprogram, MP4 for video, anything for file',
      },
      response: MaterialView,
      handle: async ({ query, file }, ctx) => {
        if (!file) throw new Error('multipart route called without its file');
        return presentMaterial(
          await uploadMaterial(
            materialDeps,
            corpOf(ctx, deps),
            {
              type: query.type,
              scope: Number(query.scope) as MaterialScope,
              ...(query.title !== undefined ? { title: query.title } : {}),
              ...(query.appid !== undefined ? { appid: query.appid } : {}),
              ...(query.page !== undefined ? { page: query.page } : {}),
              upload: { field: file.field, bytes: file.bytes, filename: file.filename },
            },
            actorOf(ctx),
          ),
        );
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/material/save',
      operationId: 'saveMaterial',
      errors: [404],
      summary: 'Add a text or link material, or modify a material',
      description:
        'Not a seed operation: the seed lists text and link materials (listByType) but its upload takes files ' +
        'only, so materials without a file are added here. Without id a material is created: text needs content ' +
        '(≤ 4000 bytes), link needs title (≤ 128 bytes) and url, with optional description (≤ 512 bytes) and picUrl ' +
        '(its cover; imageUrl of an image material works inside WeCom). With id the given fields change and ' +
        'absent ones stay: scope and title of any material, content of text, url/description/picUrl of link; the ' +
        'type never changes and a file is replaced by uploading a new material.',
      tag: TAG,
      auth: 'admin',
      permission: 'material:save',
      body: Type.Object(
        {
          id: Type.Optional(IdString),
          type: Type.Optional(FieldMaterialTypeField),
          scope: Type.Optional(MaterialScopeField),
          title: Type.Optional(RequiredText(128)),
          content: Type.Optional(RequiredText(4000)),
          url: Type.Optional(HttpUrl),
          description: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()])),
          picUrl: Type.Optional(Type.Union([HttpUrl, Type.Null()])),
        },
        { additionalProperties: false },
      ),
      response: MaterialView,
      handle: async ({ body }, ctx) =>
        presentMaterial(await saveMaterial(deps.db, corpOf(ctx, deps), body, actorOf(ctx))),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/material/page',
      seedOp: 'material.page',
      operationId: 'pageMaterials',
      summary: 'Page through materials by type, scope and title',
      tag: TAG,
      auth: 'admin',
      permission: 'material:page',
      body: PageRequest(
        {
          type: Type.Optional(MaterialTypeField),
          scope: Type.Optional(MaterialScopeField),
          title: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'part of the title' })),
        },
        ['id', 'title', 'ctime', 'mtime', 'size'],
      ),
      response: PageOf(MaterialView),
      handle: async ({ body }, ctx) => {
        const page = await pageMaterials(deps.db, corpOf(ctx, deps), body);
        return {
          list: page.list.map(presentMaterial),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/material/listByType',
      seedOp: 'material.listByType',
      operationId: 'listMaterialsByType',
      summary: 'Every material of a type, optionally of one scope, newest first',
      tag: TAG,
      auth: 'admin',
      permission: 'material:listByType',
      query: Type.Object({ type: MaterialTypeField, scope: Type.Optional(MaterialScopeQuery) }),
      response: Type.Array(MaterialView),
      handle: async ({ query }, ctx) =>
        (
          await listMaterialsByType(
            deps.db,
            corpOf(ctx, deps),
            query.type,
            query.scope === undefined ? undefined : Number(query.scope),
          )
        ).map(presentMaterial),
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/material/delete',
      seedOp: 'material.delete',
      operationId: 'deleteMaterial',
      errors: [404, 409],
      summary: 'Delete a material (soft)',
      description:
        'A material that a published acquisition link (status 1) names in its mediaIds is not deleted: the ' +
        'answer is 409 naming the links, and the material stays as it was; unpublish the link or take the ' +
        'material out of its mediaIds first. Draft links do not hold a material. Likewise a material that a live ' +
        'mini-program link shows as its cover: 409 naming the links until their cover is changed or cleared. The ' +
        'WeCom media_id is left to ' +
        'expire, and the stored original stays (the same file may back another material).',
      tag: TAG,
      auth: 'admin',
      permission: 'material:delete',
      body: Type.Object({ id: IdString }, { additionalProperties: false }),
      response: Type.Object({ id: Type.String() }),
      handle: async ({ body }, ctx) => {
        await deleteMaterial(deps.db, corpOf(ctx, deps), body.id, actorOf(ctx));
        return { id: body.id };
      },
    }),
  ];
}
