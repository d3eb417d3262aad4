import { WecomError } from '../errors';
import { MEDIA_TTL_SECONDS } from '../media';
import type { SimCorp } from '../state';
import type { HandlerTable } from './types';

/** A welcome code lives 20 seconds of corp time after the add event that carried it. */
export const WELCOME_CODE_TTL_SECONDS = 20;
const ATTACHMENT_TYPES = new Set(['image', 'link', 'miniprogram', 'video', 'file']);
const MEDIA_ID_KEYS = ['media_id', 'pic_media_id'] as const;

/** 40007 unless `mediaId` is a temporary media of the corp uploaded less than 3 days of corp time ago. */
function requireLiveMedia(corp: SimCorp, mediaId: unknown): void {
  const media = typeof mediaId === 'string' ? corp.media.get(mediaId) : undefined;
  if (!media || media.createdAt + MEDIA_TTL_SECONDS <= corp.now()) throw new WecomError(40007);
}

export const welcomeHandlers = {
  sendWelcomeMessage: ({ corp }, { body }) => {
    const code = corp.welcomeCodes.get(body.welcome_code);
    if (!code || code.expiresAt <= corp.now()) throw new WecomError(41049, 'invalid or expired welcome_code');
    // Once a welcome went out the two are chatting: WeCom answers 41051, which a sender must never retry.
    if (code.used) throw new WecomError(41051);
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
      for (const key of MEDIA_ID_KEYS) {
        const mediaId: unknown = (payload as Record<string, unknown>)[key];
        if (mediaId !== undefined) requireLiveMedia(corp, mediaId);
      }
      if (attachment.msgtype === 'image' && (payload as Record<string, unknown>)['media_id'] === undefined) {
        if (typeof (payload as Record<string, unknown>)['pic_url'] !== 'string')
          throw new WecomError(40058, 'image needs media_id or pic_url');
      }
    }
    code.used = true;
    corp.welcomes.push({
      welcomeCode: code.code,
      userid: code.userid,
      externalUserid: code.externalUserid,
      ...(body.text?.content ? { text: body.text.content } : {}),
      attachments: attachments.map((a) => structuredClone(a) as Record<string, unknown>),
      sentAt: corp.now(),
      receivedAt: new Date().toISOString(),
    });
    return {};
  },
} satisfies Partial<HandlerTable>;
