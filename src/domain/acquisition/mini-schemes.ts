import type { Db } from '../../db/knex';
import {
  findMiniProgramApp,
  listMiniProgramApps,
  upsertMiniProgramApp,
  type MiniProgramAppRow,
} from '../../db/queries/mini-program-apps';
import { findLiveMiniLinkById, type MiniLinkRow } from '../../db/queries/mini-links';
import type { WechatBody } from '../../wecom/wechat/endpoints';
import { WechatApiError, WechatCredentialsError, WechatNetworkError } from '../../wecom/wechat/errors';
import type { MiniProgramClientFactory } from '../../wecom/wechat/mini-program-client';
import { ConflictError, NotFoundError, RateLimitedError, ValidationError } from '../errors';
import { launchQuery } from './mini-links';

/**
 * How long a generated scheme stays valid. WeChat binds a scheme to the first user who opens it,
 * so one is made for every landing-page view and only has to outlive that view: half an hour
 * covers a visitor who reads the page before tapping, stays well above WeChat's one-minute floor
 * under clock skew, and leaves a scheme copied out of the page dead within the hour (WeChat allows
 * up to 30 days, which would only let a leaked scheme be opened by a stranger for a month).
 */
export const SCHEME_LIFETIME_SECONDS = 30 * 60;

export interface MiniSchemeDeps {
  db: Db;
  miniPrograms: MiniProgramClientFactory;
}

/** The generatescheme body for one visit of `link` at `nowMs`: its page, its query with the state, expiring. */
export function schemeRequest(
  link: Pick<MiniLinkRow, 'page_path' | 'query' | 'state'>,
  nowMs: number,
): WechatBody<'generateScheme'> {
  return {
    jump_wxa: { path: link.page_path, query: launchQuery(link), env_version: 'release' },
    is_expire: true,
    expire_type: 0,
    expire_time: Math.floor(nowMs / 1000) + SCHEME_LIFETIME_SECONDS,
  };
}

/** Seconds until the next midnight in China, when WeChat's daily quotas start again. */
export function secondsUntilChinaMidnight(nowMs: number): number {
  const chinaSeconds = Math.floor(nowMs / 1000) + 8 * 3600;
  return 86_400 - (chinaSeconds % 86_400);
}

const PAGE_ERRCODES: ReadonlySet<number> = new Set([40165, 40212]);
const NOT_PERMITTED_ERRCODES: ReadonlySet<number> = new Set([40002, 40013]);

/**
 * A failed WeChat call as a domain error, never a 5xx: the app's credentials or page → 409 with a
 * code of its own, quotas → 429 until they reset, WeChat busy or unreachable → 429 with a short
 * Retry-After (the landing page's one useful move is to ask again shortly).
 */
export function wechatCallError(error: unknown, appId: string, nowMs: number): unknown {
  if (error instanceof WechatCredentialsError) {
    return new ConflictError(
      `WeChat rejected the AppID or AppSecret of mini-program ${appId} (errcode ${error.errcode})`,
      'MINI_PROGRAM_CREDENTIALS_INVALID',
      { appId, errcode: String(error.errcode) },
    );
  }
  if (error instanceof WechatNetworkError) {
    return new RateLimitedError(`WeChat could not be reached: ${error.message}`, 1, 'WECHAT_UNAVAILABLE');
  }
  if (!(error instanceof WechatApiError)) return error;
  const errcode = String(error.errcode);
  switch (true) {
    case error.errcode === -1:
      return new RateLimitedError(error.message, 1, 'WECHAT_UNAVAILABLE');
    case error.errcode === 44990:
      return new RateLimitedError(error.message, 1, 'MINI_SCHEME_QUOTA', { appId, errcode });
    case error.errcode === 45009 || error.errcode === 85400:
      return new RateLimitedError(error.message, secondsUntilChinaMidnight(nowMs), 'MINI_SCHEME_QUOTA', {
        appId,
        errcode,
      });
    case error.errcode === 85079:
      return new ConflictError(error.message, 'MINI_PROGRAM_NOT_RELEASED', { appId, errcode });
    case PAGE_ERRCODES.has(error.errcode):
      return new ConflictError(error.message, 'MINI_SCHEME_PAGE_INVALID', { appId, errcode });
    case NOT_PERMITTED_ERRCODES.has(error.errcode):
      return new ConflictError(error.message, 'MINI_SCHEME_NOT_PERMITTED', { appId, errcode });
    default:
      return new ConflictError(error.message, 'WECHAT_REJECTED', { appId, errcode });
  }
}

export interface GeneratedScheme {
  link: MiniLinkRow;
  openlink: string;
  expiresAt: Date;
  query: string;
}

/**
 * A fresh URL scheme for one visit of a live mini link: never cached or shared, since WeChat binds
 * each scheme to the first user who opens it. An unknown or deleted link is a 404, an app without
 * stored credentials a 409; WeChat's refusals are mapped by wechatCallError.
 */
export async function generateMiniLinkScheme(
  deps: MiniSchemeDeps,
  linkId: string,
  nowMs = Date.now(),
): Promise<GeneratedScheme> {
  const link = await findLiveMiniLinkById(deps.db, linkId);
  if (!link) throw new NotFoundError('mini-program link', linkId, 'MINI_LINK_NOT_FOUND');
  const app = await findMiniProgramApp(deps.db, link.corp_id, link.app_id);
  if (!app) {
    throw new ConflictError(
      `mini-program ${link.app_id} has no AppSecret configured in corp ${link.corp_id}`,
      'MINI_PROGRAM_NOT_CONFIGURED',
      { appId: link.app_id },
    );
  }
  const request = schemeRequest(link, nowMs);
  try {
    const openlink = await deps.miniPrograms({ appId: app.app_id, secret: app.app_secret }).generateScheme(request);
    return {
      link,
      openlink,
      expiresAt: new Date((request.expire_time as number) * 1000),
      query: request.jump_wxa.query ?? '',
    };
  } catch (error) {
    throw wechatCallError(error, link.app_id, nowMs);
  }
}

/**
 * Stores (or replaces) a mini-program's AppSecret for the corp once WeChat accepts it: the secret
 * is tried on cgi-bin/token first, so a wrong one is a 400 on appSecret and nothing is stored.
 */
export async function saveMiniProgramApp(
  deps: MiniSchemeDeps,
  corpId: string,
  input: { appId: string; appSecret: string },
  actor: string,
): Promise<MiniProgramAppRow> {
  try {
    await deps.miniPrograms({ appId: input.appId, secret: input.appSecret }).accessToken();
  } catch (error) {
    if (error instanceof WechatCredentialsError) {
      throw ValidationError.field(
        'appSecret',
        `WeChat rejected this AppID and AppSecret (errcode ${error.errcode})`,
        'rule.wechatRejectedSecret',
        { errcode: error.errcode },
      );
    }
    throw wechatCallError(error, input.appId, Date.now());
  }
  return upsertMiniProgramApp(deps.db, corpId, input.appId, input.appSecret, actor);
}

export function listMiniPrograms(db: Db, corpId: string): Promise<MiniProgramAppRow[]> {
  return listMiniProgramApps(db, corpId);
}
