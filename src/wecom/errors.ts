/**
 * Errors of the WeCom client. Callers (activities, API handlers) branch on `retryable`, and on
 * `errcode` where a specific WeCom answer matters; nobody should parse `errmsg`.
 */

/** English meanings of the WeCom errcodes the product is likely to meet; used in error messages only. */
export const WECOM_ERRCODE_MEANINGS: Readonly<Record<number, string>> = Object.freeze({
  [-1]: 'system busy',
  6000: 'data version conflict',
  40001: 'invalid secret',
  40003: 'invalid UserID',
  40004: 'invalid media type',
  40005: 'invalid type parameter',
  40006: 'invalid file size',
  40007: 'invalid media_id',
  40009: 'invalid image size',
  40011: 'invalid video size',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40029: 'invalid oauth code',
  40031: 'invalid userid list',
  40032: 'invalid userid list length',
  40035: 'invalid parameter',
  40056: 'invalid agentid',
  40058: 'invalid parameter',
  40063: 'parameter is empty',
  40068: 'invalid tag or tag-group id',
  40071: 'tag name already exists',
  40091: 'secret belongs to another corp',
  40093: 'wrong jsapi signature',
  40096: 'invalid external userid',
  40097: 'member has not resigned',
  40098: 'member is not real-name verified',
  40099: 'external contact limit reached',
  40100: 'customer is already being transferred',
  40123: 'invalid image content',
  40126: 'corp tag count limit reached',
  40128: 'customer transferred too often',
  40129: 'transfer in progress',
  40130: 'handover and takeover member are the same',
  40131: 'handover member is not a follow user of the customer',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'secret missing',
  41035: 'external userid missing',
  41042: 'invalid contact-way style',
  41043: 'config_id missing',
  41044: 'invalid config_id',
  41049: 'welcome code missing',
  41051: 'customer and member are already chatting',
  41053: 'customer has not agreed to chat archiving',
  41054: 'member is not activated',
  41091: 'join way bound to more than 5 groups',
  41095: 'acquisition link count limit reached',
  41096: 'welcome message is already being sent',
  41098: 'acquisition link belongs to another component',
  42001: 'access_token expired',
  44001: 'empty file',
  45001: 'file too large',
  45009: 'API frequency limit exceeded',
  45033: 'API concurrency limit exceeded',
  46004: 'user does not exist',
  48002: 'API not permitted for this app',
  60011: 'no privilege for member/department/tag',
  60020: "caller IP is not in the app's trusted IPs",
  60111: 'userid not found',
  81013: 'all userids/parties/tags are invalid or out of privilege',
  81017: 'owner_filter required: visible range exceeds 1000 members',
  84061: 'no external-contact relationship',
  84074: 'no external-contact permission',
});

/** Codes worth trying again later: WeCom-side load, limits and version conflicts. All others are permanent. */
const RETRYABLE_ERRCODES: ReadonlySet<number> = new Set([-1, 6000, 45009, 45033]);

/** Codes of a rejected or expired access token on an ordinary call (the client refreshes once). */
const TOKEN_REJECTED_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/** Codes gettoken answers when the stored corp id or secret is wrong: fixing them needs a human. */
const CREDENTIAL_ERRCODES: ReadonlySet<number> = new Set([40001, 40013, 40091, 41002, 41004]);

export function isRetryableErrcode(errcode: number): boolean {
  return RETRYABLE_ERRCODES.has(errcode);
}

export function isTokenRejectedErrcode(errcode: number): boolean {
  return TOKEN_REJECTED_ERRCODES.has(errcode);
}

export function isCredentialErrcode(errcode: number): boolean {
  return CREDENTIAL_ERRCODES.has(errcode);
}

export function describeErrcode(errcode: number): string | undefined {
  return WECOM_ERRCODE_MEANINGS[errcode];
}

/** "WeCom 60011 (no privilege for member/department/tag): <errmsg>" */
export function formatWecomErrorMessage(errcode: number, errmsg: string): string {
  const meaning = describeErrcode(errcode);
  return meaning === undefined ? `WeCom ${errcode}: ${errmsg}` : `WeCom ${errcode} (${meaning}): ${errmsg}`;
}

export interface WecomApiErrorInit {
  errcode: number;
  errmsg: string;
  /** Endpoint path relative to cgi-bin/, e.g. 'externalcontact/get'. */
  path: string;
  /** Defaults to isRetryableErrcode(errcode). */
  retryable?: boolean;
  /** How long to wait before trying again, when known (frequency limits). */
  retryAfterMs?: number;
  /** Overrides the default message built from errcode and errmsg. */
  message?: string;
}

/** WeCom answered with errcode ≠ 0 (or the client refused to call, with a WeCom-like errcode). */
export class WecomApiError extends Error {
  override readonly name: string = 'WecomApiError';
  readonly code: string = 'WECOM_API_ERROR';
  readonly errcode: number;
  readonly errmsg: string;
  readonly path: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(init: WecomApiErrorInit) {
    super(init.message ?? formatWecomErrorMessage(init.errcode, init.errmsg));
    this.errcode = init.errcode;
    this.errmsg = init.errmsg;
    this.path = init.path;
    this.retryable = init.retryable ?? isRetryableErrcode(init.errcode);
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}

/** gettoken rejected the corp id or secret stored for the corp: a configuration problem, never retried. */
export class WecomCredentialsError extends WecomApiError {
  override readonly name: string = 'WecomCredentialsError';
  override readonly code: string = 'WECOM_CREDENTIALS_INVALID';
  readonly corpId: string;

  constructor(init: { errcode: number; errmsg: string; path: string; corpId: string }) {
    super({
      ...init,
      retryable: false,
      message:
        `${formatWecomErrorMessage(init.errcode, init.errmsg)} — WeCom rejected the credentials of corp ` +
        `${init.corpId}; check corp_id and secret in wecom_corp`,
    });
    this.corpId = init.corpId;
  }
}

/** The call did not produce a WeCom answer: connection failure, timeout, HTTP 5xx or a body that is not JSON. */
export class WecomNetworkError extends Error {
  override readonly name = 'WecomNetworkError';
  readonly code = 'WECOM_NETWORK_ERROR';
  readonly path: string;
  /** HTTP status, when a response arrived. */
  readonly status?: number;
  readonly retryable: boolean;

  constructor(message: string, init: { path: string; status?: number; retryable?: boolean; cause?: unknown }) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.path = init.path;
    if (init.status !== undefined) this.status = init.status;
    this.retryable = init.retryable ?? true;
  }
}
