import { createHash } from 'node:crypto';
import { filetypename } from 'magic-bytes.js';
import type { Executor } from '../../db/knex';
import { updateUserAvatar } from '../../db/queries/user-avatars';
import { NotFoundError, ValidationError } from '../errors';
import type { FileStore, StoredFile } from '../files/file-store';

/** An image kind avatars may be, as magic-bytes.js names it. */
interface ImageKind {
  extension: string;
  contentType: string;
}

const IMAGE_KINDS: Record<string, ImageKind> = {
  png: { extension: 'png', contentType: 'image/png' },
  jpg: { extension: 'jpg', contentType: 'image/jpeg' },
  webp: { extension: 'webp', contentType: 'image/webp' },
};
const CONTENT_TYPE_BY_EXTENSION = new Map(Object.values(IMAGE_KINDS).map((k) => [k.extension, k.contentType]));

const NAMESPACE = 'avatars';
/** Where the API serves avatars; the route of files/routes.ts. */
export const AVATAR_PATH = '/files/avatars/';
/** The SHA-256 of the content and the extension of its kind: unguessable without the image, stable for the same image. */
export const AVATAR_NAME = /^[0-9a-f]{64}\.(?:png|jpg|webp)$/;

export interface AvatarUrls {
  /** Absolute prefix the URLs are issued under (config FILES_PUBLIC_BASE_URL); unset: path-only URLs. */
  publicBaseUrl: string | undefined;
}

/** The kind of image `bytes` are by their content, when it is one avatars may be. */
export function imageKindOf(bytes: Uint8Array): ImageKind | undefined {
  for (const name of filetypename(bytes.subarray(0, 64))) {
    const kind = IMAGE_KINDS[name];
    if (kind) return kind;
  }
  return undefined;
}

export function avatarUrl(name: string, urls: AvatarUrls): string {
  return `${urls.publicBaseUrl ?? ''}${AVATAR_PATH}${name}`;
}

/** The avatar name of a URL this API issued (under its public base or as a path), or undefined for any other URL. */
export function avatarNameOf(url: string, urls: AvatarUrls): string | undefined {
  const prefixes = [AVATAR_PATH, ...(urls.publicBaseUrl ? [`${urls.publicBaseUrl}${AVATAR_PATH}`] : [])];
  for (const prefix of prefixes) {
    if (!url.startsWith(prefix)) continue;
    const name = url.slice(prefix.length);
    if (AVATAR_NAME.test(name)) return name;
  }
  return undefined;
}

export interface StoredAvatar {
  name: string;
  url: string;
  contentType: string;
  size: number;
}

/**
 * Stores an uploaded image as an avatar when its content is a PNG, JPEG or WebP image (its file
 * name and declared type are ignored); `field` names the upload in refusals. Nothing is stored
 * on a refusal; the same image uploaded twice is stored once, under the same name.
 */
export async function storeAvatar(
  store: FileStore,
  upload: { field: string; bytes: Buffer },
  urls: AvatarUrls,
): Promise<StoredAvatar> {
  if (upload.bytes.length === 0) throw ValidationError.field(upload.field, 'must not be empty', 'field.notEmpty');
  const kind = imageKindOf(upload.bytes);
  if (!kind) {
    throw ValidationError.field(upload.field, 'must be a PNG, JPEG or WebP image', 'rule.avatarImageKind');
  }
  const name = `${createHash('sha256').update(upload.bytes).digest('hex')}.${kind.extension}`;
  const key = `${NAMESPACE}/${name}`;
  if (!(await store.exists(key))) await store.put(key, upload.bytes);
  return { name, url: avatarUrl(name, urls), contentType: kind.contentType, size: upload.bytes.length };
}

/** An avatar opened for serving, with the content type its name (given by its content at upload) implies. */
export async function openAvatar(
  store: FileStore,
  name: string,
): Promise<StoredFile & { contentType: string; etag: string }> {
  const extension = AVATAR_NAME.test(name) ? name.slice(name.lastIndexOf('.') + 1) : undefined;
  const contentType = extension ? CONTENT_TYPE_BY_EXTENSION.get(extension) : undefined;
  const file = contentType ? await store.get(`${NAMESPACE}/${name}`) : undefined;
  if (!file || !contentType) throw new NotFoundError('avatar', name, 'AVATAR_NOT_FOUND');
  return { ...file, contentType, etag: `"${name.slice(0, 64)}"` };
}

/**
 * Sets a user's avatar to an image uploaded through storeAvatar, given by the URL it was issued
 * under. Any other URL, or one whose file is gone, is refused as `field`; an unknown or deleted
 * user is 404.
 */
export async function setUserAvatar(
  db: Executor,
  store: FileStore,
  change: { userId: string; url: string; field: string },
  urls: AvatarUrls,
  actor: string,
): Promise<{ id: string; avatar: string }> {
  const name = avatarNameOf(change.url, urls);
  if (!name) {
    throw ValidationError.field(
      change.field,
      'must be the URL of an image uploaded with user/uploadAvatar',
      'rule.notUploadedAvatar',
    );
  }
  if (!(await store.exists(`${NAMESPACE}/${name}`))) {
    throw ValidationError.field(change.field, 'no uploaded image at this URL', 'rule.uploadedAvatarMissing');
  }
  const row = await updateUserAvatar(db, change.userId, avatarUrl(name, urls), actor);
  if (!row) throw new NotFoundError('user', change.userId, 'USER_NOT_FOUND');
  return row;
}
