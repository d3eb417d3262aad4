import contentType from 'content-type';
import iconv from 'iconv-lite';
import type { Context, Middleware } from 'koa';
import getRawBody from 'raw-body';
import { RequestError } from '../request-error';

/** What a route reads from its request body. */
export type BodyKind = 'json' | 'text';

/** For routes whose authentication covers the body itself (a signature over its exact bytes). */
export interface BodyOptions {
  /** Keep the bytes as received in ctx.request.rawBody. */
  keepRaw?: boolean;
  /** Called with the bytes as received (empty when there is no body) before they are decoded or parsed. */
  verify?: (ctx: Context, raw: Buffer) => Promise<void>;
}

// A text route (WeCom's XML callbacks) takes any content type: WeCom's sender sets none we could rely on.
const ACCEPTED: Record<BodyKind, { types: string[]; expected: string } | undefined> = {
  json: { types: ['application/json', 'application/*+json'], expected: 'application/json' },
  text: undefined,
};

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

function charsetOf(header: string): { type: string; charset: string } {
  try {
    const parsed = contentType.parse(header);
    return { type: parsed.type, charset: (parsed.parameters['charset'] ?? 'utf-8').toLowerCase() };
  } catch {
    return { type: header.split(';')[0]?.trim().toLowerCase() ?? '', charset: 'utf-8' };
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes the body in its declared charset. UTF-8 is decoded strictly; another charset is
 * accepted when iconv-lite knows it (GBK and GB18030 are what Chinese partner systems send), and
 * its bytes must round-trip, so a replacement character is never stored where the sender sent none.
 */
function decode(bytes: Buffer, charset: string): string {
  if (charset === 'utf-8' || charset === 'utf8') {
    try {
      return UTF8.decode(bytes);
    } catch {
      throw new RequestError(400, 'BODY_NOT_UTF8', 'request.badEncoding', { charset: 'UTF-8' });
    }
  }
  if (!iconv.encodingExists(charset)) {
    throw new RequestError(415, 'UNSUPPORTED_CHARSET', 'request.unsupportedCharset', { charset });
  }
  const text = iconv.decode(bytes, charset);
  if (text.includes('\uFFFD') && !iconv.encode(text, charset).equals(bytes)) {
    throw new RequestError(400, 'BODY_BAD_ENCODING', 'request.badEncoding', { charset: charset.toUpperCase() });
  }
  return text;
}

/**
 * Reads the request body a route takes, after authentication has run: refuses a body of another
 * content type (415: a JSON filter sent as text/plain must not be read as "no filter"), an
 * unsupported charset or compression (415), undecodable bytes or bad JSON (400) and an oversize
 * body (413). A request without a body leaves ctx.request.body undefined.
 */
export function readBody(kind: BodyKind, limit: string, options: BodyOptions = {}): Middleware {
  const accepted = ACCEPTED[kind];
  return async (ctx, next) => {
    if (!hasBody(ctx.req.headers) && options.verify) await options.verify(ctx, Buffer.alloc(0));
    if (!hasBody(ctx.req.headers)) return next();
    const header = ctx.get('content-type');
    const { type, charset } = charsetOf(header);
    if (accepted && (!header || !ctx.is(accepted.types))) {
      throw new RequestError(415, 'UNSUPPORTED_MEDIA_TYPE', 'request.unsupportedMediaType', {
        type: type || '(none)',
        expected: accepted.expected,
      });
    }
    const encoding = (ctx.get('content-encoding') || 'identity').toLowerCase();
    if (encoding !== 'identity') {
      throw new RequestError(415, 'UNSUPPORTED_CONTENT_ENCODING', 'request.unsupportedContentEncoding', { encoding });
    }
    let bytes: Buffer;
    try {
      bytes = await getRawBody(ctx.req, { limit, length: ctx.get('content-length') || undefined });
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type === 'entity.too.large') throw new RequestError(413, 'BODY_TOO_LARGE', 'request.tooLarge', { limit });
      throw new RequestError(400, 'BODY_ABORTED', 'request.aborted');
    }
    if (options.keepRaw) ctx.request.rawBody = bytes;
    if (options.verify) await options.verify(ctx, bytes);
    const text = decode(bytes, charset);
    if (kind === 'text') {
      ctx.request.body = text;
    } else if (text.trim() !== '') {
      try {
        ctx.request.body = JSON.parse(text) as unknown;
      } catch {
        throw new RequestError(400, 'BODY_NOT_JSON', 'request.notJson');
      }
    }
    return next();
  };
}
