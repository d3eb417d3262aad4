import { WecomError } from '../errors';
import { MEDIA_TTL_SECONDS } from '../media';
import type { HandlerTable } from './types';

/** A welcome code lives 20 seconds of corp time after the add event that carried it. */
export const WELCOME_CODE_TTL_SECONDS = 20;
const ATTACHMENT_TYPES = new Set(['image', 'link', 'miniprogram', 'video', 'file']);

export const welcomeHandlers = {
  sendWelcomeMessage: ({ corp }, { body }) => {
    const code = corp.welcomeCodes.get(body.welcome_code);
    if (!code || code.expiresAt <= corp.now()) throw new WecomError(41049, 'invalid or expired welcome_code');
    if (code.used) throw new WecomError(41096);
    const attachments = body.attachments ?? [];
    if ((body.text?.content ?? '') === '' && attachments.length === 0) {
      throw new WecomError(40058, 'text and attachments are both empty');
    }
    if (Buffer.byteLength(body.text?.content ?? '', 'utf8') > 4000)
      throw new WecomError(40058, 'text exceeds 4000 bytes');
    for (const attachment of attachments) {
      if (!ATTACHMENT_TYPES.has(attachment.msgtype)) throw new WecomError(40008, 'invalid msgtype');
      const payload: unknown = (attachment as Record<string, unknown>)[attachment.msgtype];
      if (typeof payload !== 'object' || payload === null)
        throw new WecomError(40058, `${attachment.msgtype} is missing`);
      for (const key of ['media_id', 'pic_media_id']) {
        const mediaId: unknown = (payload as Record<string, unknown>)[key];
        if (mediaId === undefined) continue;
        const media = typeof mediaId === 'string' ? corp.media.get(mediaId) : undefined;
        if (!media || media.createdAt + MEDIA_TTL_SECONDS <= corp.now()) throw new WecomError(40007);
      }
    }
    code.used = true;
    return {};
  },
} satisfies Partial<HandlerTable>;
