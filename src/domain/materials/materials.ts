import { createHash } from 'node:crypto';
import type { Db, Executor } from '../../db/knex';
import {
  findMaterial,
  insertMaterial,
  lockMaterial,
  miniLinksUsingCover,
  publishedLinksUsingMaterial,
  shareLockMaterial,
  shareLockMaterials,
  softDeleteMaterial,
  updateMaterial,
  type MaterialFields,
  type MaterialRow,
} from '../../db/queries/materials';
import type { MediaType, WecomApi, WecomApiFactory } from '../../wecom/api';
import { WecomApiError } from '../../wecom/errors';
import { openWecom, wecomCallError } from '../customers/wecom-errors';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { FileStore } from '../files/file-store';
import { checkMediaContent, WECOM_UPLOADIMG_MAX_BYTES } from './content';

/** Material types as the seed names them, with what the admin UI shows. */
export const MATERIAL_TYPES = {
  text: '纯文本',
  image: '图片',
  link: '图文消息网址',
  miniprogram: '小程序',
  video: '视频',
  file: '文件',
} as const;
export type MaterialType = keyof typeof MATERIAL_TYPES;

/** Where a material may be sent: 1 to customers, 2 to group chats, 3 in app messages. */
export const MATERIAL_SCOPES = { 1: '客户', 2: '群聊', 3: '应用消息' } as const;
export type MaterialScope = 1 | 2 | 3;

/** Materials that are a file (a mini-program's is its cover), and the WeCom media type each is uploaded as. */
export const FILE_MATERIAL_MEDIA = { image: 'image', miniprogram: 'image', video: 'video', file: 'file' } as const;
export type FileMaterialType = keyof typeof FILE_MATERIAL_MEDIA;
/** Materials without a file: saved from their fields alone. */
export const FIELD_MATERIAL_TYPES = ['text', 'link'] as const;
export type FieldMaterialType = (typeof FIELD_MATERIAL_TYPES)[number];

/** WeCom's byte limits of send_welcome_msg (doc 92599). */
export const TEXT_MAX_BYTES = 4000;
export const LINK_TITLE_MAX_BYTES = 128;
export const LINK_DESC_MAX_BYTES = 512;
export const MINIPROGRAM_TITLE_MAX_BYTES = 64;

const NAMESPACE = 'materials';

/** What the material functions need: the database, the corp's WeCom client and the file store. */
export interface MaterialDeps {
  db: Db;
  wecom: WecomApiFactory;
  files: FileStore;
}

/** WeCom's answers to a file it will not take as media: the upload's fault, so a 400 on the file. */
const MEDIA_REFUSED_ERRCODES: ReadonlySet<number> = new Set([40004, 40005, 40006, 40009, 40011, 40123, 44001, 45001]);

function requireMaxBytes(field: string, value: string | null | undefined, limit: number): void {
  if (value && Buffer.byteLength(value, 'utf8') > limit) {
    throw ValidationError.field(field, `must be at most ${limit} bytes (UTF-8)`, 'rule.maxBytes', { limit });
  }
}

function requireFields(fields: Array<[string, unknown]>, type: string): void {
  const missing = fields.filter(([, value]) => value === undefined || value === null || value === '');
  if (missing.length > 0) {
    throw new ValidationError(
      missing.map(([field]) => ({
        field,
        message: `is required for a ${type} material`,
        messageKey: 'rule.requiredForMaterialType',
        params: { type: MATERIAL_TYPES[type as MaterialType] ?? type },
      })),
    );
  }
}

/** The file name WeCom is given: what the customer sees for a file, so the client's, cut to safe characters. */
function wecomFilename(filename: string, fallback: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f"]/g, '').trim();
  return cleaned === '' ? fallback : cleaned.slice(0, 200);
}

/** Uploads `bytes` as temporary media; WeCom's refusal of the content is a 400 on `field`. */
export async function uploadTemporaryMedia(
  wecom: WecomApi,
  field: string,
  mediaType: MediaType,
  file: { data: Uint8Array; filename: string; contentType: string },
): Promise<{ mediaId: string; uploadedAt: Date }> {
  try {
    const answer = await wecom.uploadMedia(mediaType, file);
    const seconds = Number(answer.created_at);
    return {
      mediaId: answer.media_id,
      uploadedAt: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date(),
    };
  } catch (error) {
    if (error instanceof WecomApiError && MEDIA_REFUSED_ERRCODES.has(error.errcode)) {
      throw ValidationError.field(field, `WeCom refused the file (errcode ${error.errcode})`, 'rule.mediaRefused', {
        errcode: error.errcode,
      });
    }
    throw wecomCallError(error);
  }
}

export interface UploadMaterialInput {
  type: FileMaterialType;
  scope: MaterialScope;
  title?: string;
  /** Mini-program materials: the app id and page path. */
  appid?: string;
  page?: string;
  upload: { field: string; bytes: Buffer; filename: string };
}

/**
 * Adds a file material: the content is checked against WeCom's limits for its media type, sent to
 * WeCom as temporary media (and, for an image of at most 2 MB, as a permanent uploadimg image),
 * then the original is kept in the file store and the row written. A refusal at any step stores
 * nothing; a WeCom upload whose row never gets written only leaves media that expires in 3 days.
 */
export async function uploadMaterial(
  deps: MaterialDeps,
  corpId: string,
  input: UploadMaterialInput,
  actor: string,
): Promise<MaterialRow> {
  const mediaType = FILE_MATERIAL_MEDIA[input.type];
  const { field, bytes } = input.upload;
  if (input.type === 'miniprogram') {
    requireFields(
      [
        ['title', input.title],
        ['appid', input.appid],
        ['page', input.page],
      ],
      input.type,
    );
    requireMaxBytes('title', input.title, MINIPROGRAM_TITLE_MAX_BYTES);
  }
  const kind = checkMediaContent(field, mediaType, bytes);
  const digest = createHash('sha256').update(bytes).digest('hex');
  const key = `${NAMESPACE}/${digest}.${kind.extension}`;
  const filename = wecomFilename(input.upload.filename, `${digest.slice(0, 16)}.${kind.extension}`);

  const wecom = await openWecom(deps.wecom, corpId);
  const media = await uploadTemporaryMedia(wecom, field, mediaType, { data: bytes, filename, contentType: kind.mime });
  let imageUrl: string | null = null;
  if (input.type === 'image' && bytes.length <= WECOM_UPLOADIMG_MAX_BYTES) {
    try {
      imageUrl = (await wecom.uploadImage({ data: bytes, filename, contentType: kind.mime })).url;
    } catch (error) {
      throw wecomCallError(error);
    }
  }
  if (!(await deps.files.exists(key))) await deps.files.put(key, bytes);

  return insertMaterial(
    deps.db,
    corpId,
    {
      type: input.type,
      scope: input.scope,
      title: input.title ?? filename.slice(0, 128),
      appid: input.appid ?? null,
      page: input.page ?? null,
      file_key: key,
      file_name: filename,
      size: String(bytes.length),
      mime: kind.mime,
      media_type: mediaType,
      media_id: media.mediaId,
      media_uploaded_at: media.uploadedAt,
      image_url: imageUrl,
    },
    actor,
  );
}

export interface SaveMaterialInput {
  id?: string;
  type?: FieldMaterialType;
  scope?: MaterialScope;
  title?: string;
  /** Text materials: the message text. */
  content?: string;
  /** Link materials: where it opens, what it says under the title, and its cover image URL (null clears). */
  url?: string;
  description?: string | null;
  picUrl?: string | null;
}

function checkFieldMaterial(type: string, merged: Partial<MaterialRow>): void {
  if (type === 'text') {
    requireFields([['content', merged.content]], type);
    requireMaxBytes('content', merged.content, TEXT_MAX_BYTES);
  } else if (type === 'link') {
    requireFields(
      [
        ['title', merged.title],
        ['url', merged.url],
      ],
      type,
    );
    requireMaxBytes('title', merged.title, LINK_TITLE_MAX_BYTES);
    requireMaxBytes('description', merged.description, LINK_DESC_MAX_BYTES);
  } else if (type === 'miniprogram') {
    requireMaxBytes('title', merged.title, MINIPROGRAM_TITLE_MAX_BYTES);
  }
}

/**
 * Adds a text or link material (no file), or modifies any material: the given fields change and
 * absent ones stay. The type never changes; text fields only apply to the types that have them.
 */
export async function saveMaterial(
  db: Db,
  corpId: string,
  input: SaveMaterialInput,
  actor: string,
): Promise<MaterialRow> {
  const patch: Partial<MaterialFields> = {
    ...(input.scope !== undefined ? { scope: input.scope } : {}),
    ...(input.title !== undefined ? { title: input.title.trim() } : {}),
    ...(input.content !== undefined ? { content: input.content } : {}),
    ...(input.url !== undefined ? { url: input.url } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.picUrl !== undefined ? { pic_url: input.picUrl } : {}),
  };
  if (input.id === undefined) {
    requireFields(
      [
        ['type', input.type],
        ['scope', input.scope],
      ],
      input.type ?? 'text',
    );
    const type = input.type as FieldMaterialType;
    checkFieldMaterial(type, patch);
    return insertMaterial(db, corpId, { ...patch, type, scope: input.scope as MaterialScope }, actor);
  }
  return db.transaction(async (trx) => {
    const row = await lockMaterial(trx, corpId, input.id as string);
    if (!row) throw new NotFoundError('material', input.id as string, 'MATERIAL_NOT_FOUND');
    if (input.type !== undefined && input.type !== row.type) {
      throw ValidationError.field(
        'type',
        'cannot change on an existing record; add a new record instead',
        'rule.fixedOnRecord',
      );
    }
    const allowed = row.type === 'text' ? ['content'] : row.type === 'link' ? ['url', 'description', 'pic_url'] : [];
    for (const [field, column] of [
      ['content', 'content'],
      ['url', 'url'],
      ['description', 'description'],
      ['picUrl', 'pic_url'],
    ] as const) {
      if (column in patch && !allowed.includes(column)) {
        throw ValidationError.field(field, `does not apply to a ${row.type} material`, 'rule.notForMaterialType', {
          type: MATERIAL_TYPES[row.type as MaterialType] ?? row.type,
        });
      }
    }
    checkFieldMaterial(row.type, { ...row, ...patch });
    return (await updateMaterial(trx, corpId, row.id, patch, actor)) as MaterialRow;
  });
}

export async function getMaterial(db: Executor, corpId: string, id: string): Promise<MaterialRow> {
  const row = await findMaterial(db, corpId, id);
  if (!row) throw new NotFoundError('material', id, 'MATERIAL_NOT_FOUND');
  return row;
}

/**
 * Soft-deletes a material. One that a published acquisition link names in its media_ids, or that a
 * live mini-program link shows as its cover, is refused (409, naming the links): unpublish the link,
 * take the material out of it or change the cover first. The material row is locked while the
 * links are checked, so a refresh, a save that names it and a delete take turns. The stored
 * original stays (the same content may back another material).
 */
export async function deleteMaterial(db: Db, corpId: string, id: string, actor: string): Promise<void> {
  await db.transaction(async (trx) => {
    const row = await lockMaterial(trx, corpId, id);
    if (!row) throw new NotFoundError('material', id, 'MATERIAL_NOT_FOUND');
    const links = await publishedLinksUsingMaterial(trx, corpId, id);
    if (links.length > 0) {
      const names = links.map((l) => `${l.link_name} (${l.id})`).join(', ');
      throw new ConflictError(`material ${id} is used by published links: ${names}`, 'MATERIAL_IN_USE', {
        links: names,
      });
    }
    const covers = await miniLinksUsingCover(trx, corpId, id);
    if (covers.length > 0) {
      const names = covers.map((l) => `${l.name} (${l.id})`).join(', ');
      throw new ConflictError(`material ${id} is the cover of mini-program links: ${names}`, 'MATERIAL_USED_AS_COVER', {
        links: names,
      });
    }
    await softDeleteMaterial(trx, corpId, id, actor);
  });
}

/**
 * For a save that makes something name materials (a link's mediaIds): refuses ids that are no live
 * material of the corp (400 on `field[i]`), and holds the named ones FOR SHARE until `trx` ends,
 * so a concurrent deleteMaterial waits and then sees the link that uses them.
 */
export async function requireMaterials(
  trx: Executor,
  corpId: string,
  ids: readonly string[],
  field = 'mediaIds',
): Promise<void> {
  const found = new Set(await shareLockMaterials(trx, corpId, ids));
  const unknown = ids.map((id, i) => ({ id, i })).filter(({ id }) => !found.has(id));
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map(({ id, i }) => ({
        field: `${field}[${i}]`,
        message: `no material ${id} in WeCom corp ${corpId}`,
        messageKey: 'rule.unknownMaterial',
        params: { id, corpId },
      })),
    );
  }
}

/**
 * For a save that makes a mini-program link show a cover: refuses an id that is no live image
 * material of the corp (400 on `field`), and holds it FOR SHARE until `trx` ends, so a concurrent
 * deleteMaterial waits and then sees the link that uses it.
 */
export async function requireCoverImage(trx: Executor, corpId: string, id: string, field: string): Promise<void> {
  const material = await shareLockMaterial(trx, corpId, id);
  if (!material) {
    throw ValidationError.field(field, `no material ${id} in WeCom corp ${corpId}`, 'rule.unknownMaterial', {
      id,
      corpId,
    });
  }
  if (material.type !== 'image') {
    throw ValidationError.field(field, `must be an image material, not ${material.type}`, 'rule.coverNotImage', {
      id,
      type: MATERIAL_TYPES[material.type as MaterialType] ?? material.type,
    });
  }
}
