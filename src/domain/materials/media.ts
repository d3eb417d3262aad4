import type { Readable } from 'node:stream';
import {
  findMaterial,
  lockMaterial,
  materialsInUseUploadedBefore,
  setMaterialMedia,
  type MaterialRow,
} from '../../db/queries/materials';
import type { MediaType } from '../../wecom/api';
import { WecomApiError } from '../../wecom/errors';
import { openWecom } from '../customers/wecom-errors';
import { ConflictError, NotFoundError } from '../errors';
import { uploadTemporaryMedia, type MaterialDeps } from './materials';

/** A temporary media_id is valid for 3 days after WeCom's created_at. */
export const MEDIA_TTL_SECONDS = 3 * 86400;
/** A media_id with less than this left is refreshed before use: a send never races the expiry. */
export const MEDIA_REFRESH_MARGIN_SECONDS = 6 * 3600;
/** WeCom's answer to a send naming an unknown or expired media_id. */
export const INVALID_MEDIA_ID_ERRCODE = 40007;

export interface FreshMediaOptions {
  /** The time to judge expiry against (default: now). */
  now?: Date;
  /** How much validity must be left (default MEDIA_REFRESH_MARGIN_SECONDS). */
  marginSeconds?: number;
  /**
   * A media_id WeCom just refused (40007): re-upload if the material still has it, whatever its
   * age; if another caller already replaced it, its replacement is used as it is.
   */
  replacing?: string;
}

/** When the material's media_id stops being valid in WeCom; undefined for a material without one. */
export function mediaExpiresAt(row: Pick<MaterialRow, 'media_uploaded_at'>): Date | undefined {
  if (!row.media_uploaded_at) return undefined;
  return new Date(new Date(row.media_uploaded_at).getTime() + MEDIA_TTL_SECONDS * 1000);
}

function needsRefresh(row: MaterialRow, options: FreshMediaOptions): boolean {
  if (!row.file_key) return false;
  if (!row.media_id) return true;
  if (options.replacing !== undefined && row.media_id === options.replacing) return true;
  const expiresAt = mediaExpiresAt(row);
  const now = (options.now ?? new Date()).getTime();
  return !expiresAt || expiresAt.getTime() - now < (options.marginSeconds ?? MEDIA_REFRESH_MARGIN_SECONDS) * 1000;
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The material with a media_id valid for at least the margin, re-uploading its stored original
 * to WeCom when it is missing, near expiry or the one `replacing` names. The re-upload happens
 * under the material's row lock, so concurrent callers wait for one upload and then use its
 * media_id. Materials without a file (text, link) come back as they are. Unknown or deleted: 404.
 */
export async function freshMaterialMediaId(
  deps: MaterialDeps,
  corpId: string,
  materialId: string,
  options: FreshMediaOptions = {},
): Promise<MaterialRow> {
  const seen = await findMaterial(deps.db, corpId, materialId);
  if (!seen) throw new NotFoundError('material', materialId, 'MATERIAL_NOT_FOUND');
  if (!needsRefresh(seen, options)) return seen;
  // Resolved before the lock: the client factory reads the corp row through the pool, and the
  // transaction must not wait on a connection that callers queued behind the lock hold.
  const wecom = await openWecom(deps.wecom, corpId);
  return deps.db.transaction(async (trx) => {
    const row = await lockMaterial(trx, corpId, materialId);
    if (!row) throw new NotFoundError('material', materialId, 'MATERIAL_NOT_FOUND');
    if (!needsRefresh(row, options)) return row;
    const stored = await deps.files.get(row.file_key as string);
    if (!stored) {
      throw new ConflictError(`the stored file of material ${materialId} is missing`, 'MATERIAL_FILE_MISSING', {
        id: materialId,
      });
    }
    const data = await readAll(stored.body);
    const media = await uploadTemporaryMedia(wecom, 'file', row.media_type as MediaType, {
      data,
      filename: row.file_name ?? 'file',
      contentType: row.mime ?? 'application/octet-stream',
    });
    return (await setMaterialMedia(trx, corpId, row.id, media)) as MaterialRow;
  });
}

/**
 * Runs `send` with the materials (in the order of `materialIds`) carrying fresh media_ids. When
 * WeCom answers 40007 (it does not say which media_id), every media_id of that send is replaced
 * once — unless a concurrent caller replaced it already — and `send` runs once more; a second
 * failure is the caller's. Meant for welcome messages and other sends of materials.
 */
export async function sendWithFreshMedia<T>(
  deps: MaterialDeps,
  corpId: string,
  materialIds: readonly string[],
  send: (materials: MaterialRow[]) => Promise<T>,
  options: Pick<FreshMediaOptions, 'now' | 'marginSeconds'> = {},
): Promise<T> {
  const materials: MaterialRow[] = [];
  for (const id of materialIds) materials.push(await freshMaterialMediaId(deps, corpId, id, options));
  try {
    return await send(materials);
  } catch (error) {
    if (!(error instanceof WecomApiError) || error.errcode !== INVALID_MEDIA_ID_ERRCODE) throw error;
    const refreshed: MaterialRow[] = [];
    for (const material of materials) {
      refreshed.push(
        material.media_id
          ? await freshMaterialMediaId(deps, corpId, material.id, { ...options, replacing: material.media_id })
          : material,
      );
    }
    return send(refreshed);
  }
}

/**
 * Refreshes the media of the corp's materials that published links use and that are within the
 * margin of expiring (or have none); returns their ids. Materials nothing active uses are left to
 * expire: they are re-uploaded on their next use.
 */
export async function refreshMaterialsInUse(
  deps: MaterialDeps,
  corpId: string,
  options: Pick<FreshMediaOptions, 'now' | 'marginSeconds'> = {},
): Promise<string[]> {
  const now = options.now ?? new Date();
  const margin = options.marginSeconds ?? MEDIA_REFRESH_MARGIN_SECONDS;
  const due = await materialsInUseUploadedBefore(
    deps.db,
    corpId,
    new Date(now.getTime() - (MEDIA_TTL_SECONDS - margin) * 1000),
  );
  for (const id of due) await freshMaterialMediaId(deps, corpId, id, { now, marginSeconds: margin });
  return due;
}

/** One attachment of send_welcome_msg (doc 92599). */
export type WelcomeAttachment =
  | { msgtype: 'image'; image: { media_id: string } }
  | { msgtype: 'link'; link: { title: string; url: string; picurl?: string; desc?: string } }
  | { msgtype: 'miniprogram'; miniprogram: { title: string; pic_media_id: string; appid: string; page: string } }
  | { msgtype: 'video'; video: { media_id: string } }
  | { msgtype: 'file'; file: { media_id: string } };

/**
 * The text and attachments of a welcome message carrying `materials` (fresh, from
 * freshMaterialMediaId or sendWithFreshMedia), after an optional leading text: text materials join
 * the text, one line each; the others become attachments in their order.
 */
export function welcomeContentOf(
  materials: readonly MaterialRow[],
  text?: string,
): { text?: { content: string }; attachments: WelcomeAttachment[] } {
  const lines = text ? [text] : [];
  const attachments: WelcomeAttachment[] = [];
  for (const m of materials) {
    const mediaId = m.media_id ?? '';
    if (m.type === 'text' && m.content) lines.push(m.content);
    else if (m.type === 'image') attachments.push({ msgtype: 'image', image: { media_id: mediaId } });
    else if (m.type === 'video') attachments.push({ msgtype: 'video', video: { media_id: mediaId } });
    else if (m.type === 'file') attachments.push({ msgtype: 'file', file: { media_id: mediaId } });
    else if (m.type === 'miniprogram') {
      attachments.push({
        msgtype: 'miniprogram',
        miniprogram: { title: m.title ?? '', pic_media_id: mediaId, appid: m.appid ?? '', page: m.page ?? '' },
      });
    } else if (m.type === 'link') {
      attachments.push({
        msgtype: 'link',
        link: {
          title: m.title ?? '',
          url: m.url ?? '',
          ...(m.pic_url ? { picurl: m.pic_url } : {}),
          ...(m.description ? { desc: m.description } : {}),
        },
      });
    }
  }
  return { ...(lines.length > 0 ? { text: { content: lines.join('\n') } } : {}), attachments };
}
