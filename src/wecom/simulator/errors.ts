/** WeCom's wording for the codes the simulator emits (errmsg is informative; clients branch on errcode). */
const MESSAGES: Record<number, string> = {
  [-1]: 'system busy',
  40001: 'invalid credential',
  40003: 'invalid userid',
  40004: 'invalid media type',
  40005: 'invalid type',
  40006: 'invalid file size',
  40007: 'invalid media_id',
  40008: 'invalid message type',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40031: 'invalid userid list',
  40032: 'invalid userid list size',
  40050: 'chatid not found',
  40058: 'invalid parameter',
  40063: 'parameter is empty',
  40068: 'invalid tagid',
  40071: 'tag name already exists',
  40096: 'invalid external userid',
  40099: 'external contact count limit reached',
  40126: 'corp tag count limit reached',
  40128: 'customer transferred too often',
  40129: 'customer transfer in progress',
  40130: 'handover and takeover are the same member',
  40131: 'handover_userid is not a follow user of the external contact',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41009: 'missing userid',
  41035: 'missing external userid',
  41042: 'invalid style',
  41043: 'missing config_id',
  41044: 'invalid config_id',
  41049: 'invalid welcome_code',
  41054: 'user not activated',
  41091: 'join way can bind at most 5 chats',
  41095: 'customer acquisition link count limit reached',
  41096: 'welcome message already sent',
  42001: 'access_token expired',
  44001: 'empty media data',
  45001: 'media size out of limit',
  45009: 'api freq out of limit',
  46004: 'user no exist',
  47001: 'data format error',
  60111: 'userid not found',
  81017: 'owner_filter required',
  84074: 'no external contact permission',
  60123: 'invalid party id',
  84061: 'not external contact',
  90500: 'group owner has not resigned',
  90504: 'group owner is unchanged',
  91040: 'invalid ticket type',
};

/** A WeCom business error: becomes `{errcode, errmsg}` on an HTTP 200 answer. */
export class WecomError extends Error {
  override readonly name = 'WecomError';

  constructor(
    readonly errcode: number,
    detail?: string,
  ) {
    super(detail ?? MESSAGES[errcode] ?? 'error');
  }
}

export function messageFor(errcode: number): string {
  return MESSAGES[errcode] ?? 'error';
}

let hintCounter = 0;

/** errmsg the way WeCom phrases it: `<text>, hint: [<id>], from ip: …, more info at …`. */
export function formatErrmsg(errcode: number, text: string, ip: string, nowMs: number): string {
  hintCounter = (hintCounter + 1) % 100000;
  const hint = `${nowMs}${String(hintCounter).padStart(5, '0')}`;
  return `${text}, hint: [${hint}], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`;
}
