import { filetypeinfo } from 'magic-bytes.js';
import type { MediaType } from '../../wecom/api';
import { ValidationError } from '../errors';

const MB = 1024 * 1024;

/** WeCom's media/upload limits by media type (doc 90253): larger files are refused there with 40006 / 45001. */
export const WECOM_MEDIA_MAX_BYTES: Readonly<Record<MediaType, number>> = {
  image: 10 * MB,
  voice: 2 * MB,
  video: 10 * MB,
  file: 20 * MB,
};
/** Every file WeCom takes is larger than 5 bytes. */
export const WECOM_MEDIA_MIN_BYTES = 6;
/** media/uploadimg takes images up to 2 MB: larger images get no permanent URL. */
export const WECOM_UPLOADIMG_MAX_BYTES = 2 * MB;
/** The largest file any material may be (WeCom's file limit). */
export const MATERIAL_MAX_BYTES = WECOM_MEDIA_MAX_BYTES.file;

/** What an upload is by its content. */
export interface ContentKind {
  /** 'png', 'jpg', 'mp4', 'amr', or for a file of another kind what magic-bytes.js names it ('pdf', 'zip'…), else 'bin'. */
  kind: string;
  mime: string;
  /** Extension of the stored original. */
  extension: string;
}

/** The kinds WeCom accepts for each media type; `file` takes any content. */
const KINDS_BY_MEDIA_TYPE: Readonly<Record<Exclude<MediaType, 'file'>, readonly string[]>> = {
  image: ['png', 'jpg'],
  video: ['mp4'],
  voice: ['amr'],
};
const KIND_NAMES: Readonly<Record<Exclude<MediaType, 'file'>, string>> = {
  image: 'JPG or PNG',
  video: 'MP4',
  voice: 'AMR',
};

const AMR_MAGIC = Buffer.from('#!AMR\n', 'latin1');

/** The kind of `bytes` by their first bytes (magic-bytes.js, plus AMR which it does not know). */
export function contentKindOf(bytes: Uint8Array): ContentKind {
  const head = bytes.subarray(0, 64);
  if (Buffer.from(head.subarray(0, AMR_MAGIC.length)).equals(AMR_MAGIC)) {
    return { kind: 'amr', mime: 'audio/amr', extension: 'amr' };
  }
  const known = filetypeinfo(head).find((info) => info.mime !== undefined && info.extension !== undefined);
  if (!known) return { kind: 'bin', mime: 'application/octet-stream', extension: 'bin' };
  const extension = (known.extension as string).toLowerCase();
  return {
    kind: known.typename === 'jpeg' ? 'jpg' : known.typename,
    mime: known.mime as string,
    extension: /^[a-z0-9]{1,8}$/.test(extension) ? extension : 'bin',
  };
}

/**
 * Refuses (400 on `field`) content WeCom would refuse as temporary media of `mediaType`: a kind
 * other than its own (JPG/PNG, MP4, AMR; any for a file), 5 bytes or fewer, or over its limit.
 * The file name and declared type are never consulted.
 */
export function checkMediaContent(field: string, mediaType: MediaType, bytes: Uint8Array): ContentKind {
  const limit = WECOM_MEDIA_MAX_BYTES[mediaType];
  if (bytes.length < WECOM_MEDIA_MIN_BYTES) {
    throw ValidationError.field(
      field,
      `must be larger than ${WECOM_MEDIA_MIN_BYTES - 1} bytes`,
      'rule.materialTooSmall',
      {
        limit: WECOM_MEDIA_MIN_BYTES - 1,
      },
    );
  }
  const kind = contentKindOf(bytes);
  if (mediaType !== 'file' && !KINDS_BY_MEDIA_TYPE[mediaType].includes(kind.kind)) {
    const kindName = KIND_NAMES[mediaType];
    throw ValidationError.field(field, `must be ${kindName} by its content`, 'rule.materialKind', {
      kind: kindName,
    });
  }
  if (bytes.length > limit) {
    const limitText = `${limit / MB} MB`;
    throw ValidationError.field(
      field,
      `is too large: ${mediaType} may be at most ${limitText}`,
      'rule.materialTooLarge',
      {
        mediaType,
        limit: limitText,
      },
    );
  }
  return kind;
}
