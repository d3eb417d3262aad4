import { Type } from '@sinclair/typebox';
import type { MaterialRow } from '../../../db/queries/materials';
import {
  FIELD_MATERIAL_TYPES,
  FILE_MATERIAL_MEDIA,
  MATERIAL_SCOPES,
  MATERIAL_TYPES,
  type FileMaterialType,
  type MaterialScope,
  type MaterialType,
} from '../../../domain/materials/materials';
import { mediaExpiresAt } from '../../../domain/materials/media';
import { StringEnum } from '../../validation';

const NStr = Type.Union([Type.String(), Type.Null()]);
const iso = (d: Date | string) => new Date(d).toISOString();

const typeList = Object.entries(MATERIAL_TYPES)
  .map(([key, name]) => `${key} ${name}`)
  .join(', ');
const scopeList = Object.entries(MATERIAL_SCOPES)
  .map(([key, name]) => `${key} ${name}`)
  .join(', ');

export const MaterialTypeField = StringEnum(
  Object.keys(MATERIAL_TYPES) as MaterialType[],
  `material type: ${typeList}`,
);
export const FileMaterialTypeField = StringEnum(
  Object.keys(FILE_MATERIAL_MEDIA) as FileMaterialType[],
  'image (JPG/PNG ≤ 10 MB), video (MP4 ≤ 10 MB), file (any, ≤ 20 MB), miniprogram (its cover: JPG/PNG ≤ 10 MB)',
);
export const FieldMaterialTypeField = StringEnum(FIELD_MATERIAL_TYPES, 'text or link: the materials without a file');
export const MaterialScopeField = Type.Unsafe<MaterialScope>({
  type: 'integer',
  enum: [1, 2, 3],
  description: `where it may be sent: ${scopeList}`,
});
export const MaterialScopeQuery = StringEnum(['1', '2', '3'] as const, `where it may be sent: ${scopeList}`);
export const HttpUrl = Type.String({ minLength: 1, maxLength: 2048, format: 'http-url' });

export const MaterialView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  typeName: Type.String({ description: 'the type as the admin UI shows it' }),
  scope: Type.Integer({ description: scopeList }),
  scopeName: Type.String(),
  title: NStr,
  content: Type.Union([Type.String({ description: 'text materials: the message text' }), Type.Null()]),
  description: Type.Union([Type.String({ description: 'link materials: the line under the title' }), Type.Null()]),
  url: Type.Union([Type.String({ description: 'link materials: where the link opens' }), Type.Null()]),
  picUrl: Type.Union([Type.String({ description: 'link materials: the cover image URL' }), Type.Null()]),
  appid: Type.Union([Type.String({ description: 'mini-program materials: the app id' }), Type.Null()]),
  page: Type.Union([Type.String({ description: 'mini-program materials: the page path' }), Type.Null()]),
  fileName: Type.Union([
    Type.String({ description: 'file materials: the name WeCom shows the customer' }),
    Type.Null(),
  ]),
  size: Type.Union([Type.Integer({ description: 'bytes of the file' }), Type.Null()]),
  mime: Type.Union([Type.String({ description: 'the content type, read from the content' }), Type.Null()]),
  mediaType: Type.Union([Type.String({ description: 'WeCom media type it is uploaded as' }), Type.Null()]),
  mediaId: Type.Union([Type.String({ description: 'the current WeCom temporary media_id' }), Type.Null()]),
  mediaUploadedAt: Type.Union([Type.String({ description: 'WeCom created_at of mediaId' }), Type.Null()]),
  mediaExpiresAt: Type.Union([
    Type.String({ description: 'when mediaId stops working (3 days); it is re-uploaded before use' }),
    Type.Null(),
  ]),
  imageUrl: Type.Union([
    Type.String({ description: 'images ≤ 2 MB: the permanent media/uploadimg URL for message bodies' }),
    Type.Null(),
  ]),
  ctime: Type.String(),
  cuser: NStr,
  mtime: Type.String(),
  muser: NStr,
});

export function presentMaterial(r: MaterialRow) {
  const expiresAt = mediaExpiresAt(r);
  return {
    id: r.id,
    type: r.type,
    typeName: MATERIAL_TYPES[r.type as MaterialType] ?? r.type,
    scope: r.scope,
    scopeName: MATERIAL_SCOPES[r.scope as MaterialScope] ?? String(r.scope),
    title: r.title,
    content: r.content,
    description: r.description,
    url: r.url,
    picUrl: r.pic_url,
    appid: r.appid,
    page: r.page,
    fileName: r.file_name,
    size: r.size === null ? null : Number(r.size),
    mime: r.mime,
    mediaType: r.media_type,
    mediaId: r.media_id,
    mediaUploadedAt: r.media_uploaded_at ? iso(r.media_uploaded_at) : null,
    mediaExpiresAt: expiresAt ? expiresAt.toISOString() : null,
    imageUrl: r.image_url,
    ctime: iso(r.ctime),
    cuser: r.cuser,
    mtime: iso(r.mtime),
    muser: r.muser,
  };
}
