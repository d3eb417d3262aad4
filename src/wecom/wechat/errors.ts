/**
 * Errors of the WeChat mini-program client. As with WeCom, callers branch on `errcode` (or on the
 * class), never on `errmsg`.
 */

/** English meanings of the WeChat errcodes these calls meet; used in messages only. */
export const WECHAT_ERRCODE_MEANINGS: Readonly<Record<number, string>> = Object.freeze({
  [-1]: 'system busy',
  40001: 'invalid AppSecret or access_token',
  40002: 'invalid grant_type, or no permission to generate schemes',
  40013: 'invalid AppID, or scheme generation banned',
  40014: 'invalid access_token',
  40125: 'invalid AppSecret',
  40164: "caller IP is not in the app's IP whitelist",
  40165: 'invalid jump_wxa.path',
  40212: 'invalid jump_wxa.query',
  41001: 'access_token missing',
  41002: 'appid missing',
  41004: 'secret missing',
  42001: 'access_token expired',
  44990: 'schemes generated too fast (over 100 per second)',
  45009: 'daily scheme quota reached',
  47001: 'request body is not in the documented format',
  85079: 'the mini-program has no released version',
  85400: 'long-lived scheme quota reached',
  85401: 'invalid expire_time or expire_interval',
});

/** Codes of a rejected or expired access token on an ordinary call (the client refreshes once). */
const TOKEN_REJECTED_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/** Codes cgi-bin/token answers when the stored AppID or AppSecret is wrong: fixing them needs a human. */
const CREDENTIAL_ERRCODES: ReadonlySet<number> = new Set([40001, 40002, 40013, 40125, 40164, 41002, 41004]);

export function isWechatTokenRejected(errcode: number): boolean {
  return TOKEN_REJECTED_ERRCODES.has(errcode);
}

export function isWechatCredentialErrcode(errcode: number): boolean {
  return CREDENTIAL_ERRCODES.has(errcode);
}

/** "WeChat 40165 (invalid jump_wxa.path): <errmsg>" */
export function formatWechatErrorMessage(errcode: number, errmsg: string): string {
  const meaning = WECHAT_ERRCODE_MEANINGS[errcode];
  return meaning === undefined ? `WeChat ${errcode}: ${errmsg}` : `WeChat ${errcode} (${meaning}): ${errmsg}`;
}

/** WeChat answered with errcode ≠ 0. */
export class WechatApiError extends Error {
  override readonly name: string = 'WechatApiError';
  readonly code: string = 'WECHAT_API_ERROR';

  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    /** Endpoint path relative to https://api.weixin.qq.com/. */
    readonly path: string,
    message?: string,
  ) {
    super(message ?? formatWechatErrorMessage(errcode, errmsg));
  }
}

/** cgi-bin/token refused the app's AppID or AppSecret: a configuration problem, never retried. */
export class WechatCredentialsError extends WechatApiError {
  override readonly name: string = 'WechatCredentialsError';
  override readonly code: string = 'WECHAT_CREDENTIALS_INVALID';

  constructor(errcode: number, errmsg: string, path: string, appId: string) {
    super(
      errcode,
      errmsg,
      path,
      `${formatWechatErrorMessage(errcode, errmsg)} — WeChat rejected the credentials of mini-program ${appId}`,
    );
  }
}

/** The call produced no WeChat answer: connection failure, timeout, HTTP 5xx or a body that is not JSON. */
export class WechatNetworkError extends Error {
  override readonly name = 'WechatNetworkError';
  readonly code = 'WECHAT_NETWORK_ERROR';

  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
