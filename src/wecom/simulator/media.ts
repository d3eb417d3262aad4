import type { IncomingMessage } from 'node:http';
import Busboy from 'busboy';
import { WecomError } from './errors';
import type { SimCorp } from './state';

/** A temporary media_id is valid for 3 days. */
export const MEDIA_TTL_SECONDS = 3 * 86400;
const MIN_BYTES = 6;
const MB = 1024 * 1024;
const MAX_BYTES: Record<string, number> = { image: 10 * MB, voice: 2 * MB, video: 10 * MB, file: 20 * MB };
const MAX_UPLOADIMG_BYTES = 2 * MB;

interface UploadedPart {
  size: number;
  head: Buffer;
  filename: string;
}

/** Reads the multipart part named `media`, keeping only its size and first bytes; WeCom errcodes on bad input. */
function readMediaPart(req: IncomingMessage, maxBytes: number): Promise<UploadedPart> {
  return new Promise((resolve, reject) => {
    let busboy: Busboy.Busboy;
    try {
      busboy = Busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes } });
    } catch {
      reject(new WecomError(44001, 'multipart/form-data with a part named media is required'));
      return;
    }
    let part: UploadedPart | undefined;
    let tooLarge = false;
    busboy.on('file', (name, stream, info) => {
      if (name !== 'media') {
        stream.resume();
        return;
      }
      const current: UploadedPart = { size: 0, head: Buffer.alloc(0), filename: info.filename ?? '' };
      part = current;
      stream.on('data', (chunk: Buffer) => {
        if (current.head.length < 16) current.head = Buffer.concat([current.head, chunk]).subarray(0, 16);
        current.size += chunk.length;
      });
      stream.on('limit', () => {
        tooLarge = true;
      });
    });
    busboy.on('error', () => reject(new WecomError(44001, 'unreadable multipart body')));
    busboy.on('close', () => {
      if (tooLarge) reject(new WecomError(45001));
      else if (!part || part.size === 0) reject(new WecomError(44001));
      else if (part.size < MIN_BYTES) reject(new WecomError(40006, 'media must be larger than 5 bytes'));
      else resolve(part);
    });
    req.pipe(busboy);
  });
}

function isJpegOrPng(head: Buffer): boolean {
  const png = head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpeg = head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  return png || jpeg;
}

/** media/upload: a temporary media_id of the given type. */
export async function uploadMedia(corp: SimCorp, type: string | undefined, req: IncomingMessage) {
  if (type === undefined || MAX_BYTES[type] === undefined) throw new WecomError(40004);
  const part = await readMediaPart(req, MAX_BYTES[type] as number);
  if (type === 'image' && !isJpegOrPng(part.head)) throw new WecomError(40004, 'image must be JPG or PNG');
  const createdAt = corp.now();
  const mediaId = `3${corp.newId('')}${corp.newHex(24)}`;
  corp.media.set(mediaId, { mediaId, type, size: part.size, createdAt });
  return { type, media_id: mediaId, created_at: String(createdAt) };
}

/** media/uploadimg: a permanent image URL for message bodies. */
export async function uploadImage(corp: SimCorp, req: IncomingMessage) {
  const part = await readMediaPart(req, MAX_UPLOADIMG_BYTES);
  if (!isJpegOrPng(part.head)) throw new WecomError(40123, 'image must be JPG or PNG');
  return { url: `http://p.qpic.cn/pic_wework/${corp.rng.int(1000000000, 4000000000)}/${corp.newHex(48)}/0` };
}
