import { WecomApiError } from '../../wecom/errors';
import { wecomCallError } from '../customers/wecom-errors';
import { ConflictError, NotFoundError, ValidationError } from '../errors';

/** What the ids of a call refer to, so that WeCom's "invalid id" answer can name them. */
export interface WecomCallSubject {
  what: string;
  ids: readonly string[];
}

/**
 * WeCom's refusals of tag calls as the domain errors a caller understands: unknown tag or group
 * 404, a taken name or the tag limit 409, a bad member or customer 400; the rest as for every
 * WeCom call (limits 429, WeCom down 503, other refusals 409).
 */
export function tagCallError(error: unknown, subject: WecomCallSubject): unknown {
  if (!(error instanceof WecomApiError)) return wecomCallError(error);
  const detail = `WeCom errcode ${error.errcode}`;
  switch (error.errcode) {
    case 40068:
      return new NotFoundError(`WeCom ${subject.what}`, subject.ids.join(', '), 'WECOM_TAG_NOT_FOUND');
    case 40071:
      return new ConflictError(`WeCom already has a tag or tag group with this name (${detail})`, 'TAG_NAME_TAKEN');
    case 40126:
      return new ConflictError(`the corp has reached WeCom's limit of 3000 corp tags (${detail})`, 'WECOM_TAG_LIMIT');
    case 84061:
      return new ConflictError(
        `the employee and the customer are not connected in WeCom (${detail})`,
        'WECOM_RELATION_MISSING',
      );
    case 40003:
    case 46004:
    case 60111:
      return ValidationError.field(
        'userid',
        `is not a WeCom member of this corp (WeCom errcode ${error.errcode})`,
        'rule.notWecomMember',
        { errcode: error.errcode },
      );
    case 40096:
    case 41035:
      return ValidationError.field(
        'externalUserid',
        `is not a WeCom customer of this corp (WeCom errcode ${error.errcode})`,
        'rule.notWecomCustomer',
        { errcode: error.errcode },
      );
    default:
      return wecomCallError(error);
  }
}

/** Runs one WeCom call; a refusal comes back as a domain error (see tagCallError). */
export async function callWecom<T>(subject: WecomCallSubject, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw tagCallError(error, subject);
  }
}
