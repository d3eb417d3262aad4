import type { IncomingMessage } from 'node:http';
import Busboy from 'busboy';
import type { Middleware } from 'koa';
import { ValidationError } from '../../domain/errors';
import { RequestError } from '../request-error';

/** The one file a multipart route takes, read into memory up to the route's limit. */
export interface UploadedFile {
  field: string;
  bytes: Buffer;
  /** As the client named it; never trusted for the file's type. */
  filename: string;
  /** As the client declared it; never trusted for the file's type. */
  declaredType: string;
}

export interface MultipartLimits {
  /** Name of the form field that carries the file. */
  field: string;
  /** Largest file accepted, in bytes. */
  maxBytes: number;
}

/** Room for part headers and boundaries on top of the file itself, when judging a declared Content-Length. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const MULTIPART = 'multipart/form-data';

const tooLarge = (limits: MultipartLimits) =>
  new RequestError(413, 'FILE_TOO_LARGE', 'request.fileTooLarge', { field: limits.field, limit: limits.maxBytes });

/**
 * Streams the body through busboy and keeps the bytes of the one file part named `field`. Stops
 * reading at the first problem: a part over the size limit (413), another field, a second file
 * or the file sent as a text field (400); the rest of the body is then discarded unread.
 */
function readFilePart(req: IncomingMessage, limits: MultipartLimits): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    let busboy: Busboy.Busboy;
    try {
      busboy = Busboy({
        headers: req.headers,
        // busboy signals 'limit' on reaching fileSize; one byte more tells a file of exactly maxBytes from a larger one.
        limits: { fileSize: limits.maxBytes + 1, fieldSize: 1024, headerPairs: 20 },
        // Browsers and fetch send a file name's UTF-8 bytes as they are (busboy would read them as latin1).
        defParamCharset: 'utf8',
      });
    } catch {
      reject(new RequestError(400, 'BODY_NOT_MULTIPART', 'request.badMultipart'));
      return;
    }
    let file: UploadedFile | undefined;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      req.unpipe(busboy);
      req.resume();
      reject(error);
    };
    busboy.on('file', (name, stream, info) => {
      if (name !== limits.field) {
        stream.resume();
        return fail(ValidationError.field(name, 'is not a known field', 'field.unknown'));
      }
      if (file) {
        stream.resume();
        return fail(ValidationError.field(name, 'appears twice in this request', 'rule.twiceInRequest'));
      }
      const chunks: Buffer[] = [];
      const current: UploadedFile = {
        field: name,
        bytes: Buffer.alloc(0),
        filename: info.filename ?? '',
        declaredType: info.mimeType,
      };
      file = current;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(tooLarge(limits)));
      stream.on('end', () => {
        current.bytes = Buffer.concat(chunks);
      });
    });
    busboy.on('field', (name) => {
      if (name === limits.field) fail(ValidationError.field(name, 'must be sent as a file', 'rule.fileExpected'));
      else fail(ValidationError.field(name, 'is not a known field', 'field.unknown'));
    });
    busboy.on('error', () => fail(new RequestError(400, 'BODY_NOT_MULTIPART', 'request.badMultipart')));
    busboy.on('close', () => {
      if (settled) return;
      settled = true;
      if (file) resolve(file);
      else reject(ValidationError.field(limits.field, 'is required', 'field.required'));
    });
    req.once('aborted', () => fail(new RequestError(400, 'BODY_ABORTED', 'request.aborted')));
    req.once('error', () => fail(new RequestError(400, 'BODY_ABORTED', 'request.aborted')));
    req.pipe(busboy);
  });
}

/**
 * Reads a multipart/form-data body with one file, after authentication has run: another content
 * type or a compressed body is refused (415), a declared length the file cannot fit in is refused
 * before reading (413). The file is left in ctx.state.upload for the route's handler.
 */
export function readMultipart(limits: MultipartLimits): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('content-type');
    if (!header || !ctx.is(MULTIPART)) {
      throw new RequestError(415, 'UNSUPPORTED_MEDIA_TYPE', 'request.unsupportedMediaType', {
        type: header.split(';')[0]?.trim() || '(none)',
        expected: MULTIPART,
      });
    }
    const encoding = (ctx.get('content-encoding') || 'identity').toLowerCase();
    if (encoding !== 'identity') {
      throw new RequestError(415, 'UNSUPPORTED_CONTENT_ENCODING', 'request.unsupportedContentEncoding', { encoding });
    }
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > limits.maxBytes + MULTIPART_OVERHEAD_BYTES) throw tooLarge(limits);
    ctx.state['upload'] = await readFilePart(ctx.req, limits);
    return next();
  };
}
