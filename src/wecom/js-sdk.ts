import { getJsApiSignature } from '@wecom/crypto';
import { randomBytes } from 'node:crypto';

export interface JsApiSignatureInput {
  /** Corp ticket (wx.config) or app ticket (wx.agentConfig). */
  ticket: string;
  nonceStr: string;
  /** Unix seconds. */
  timestamp: number | string;
  /** The page URL; anything from '#' on is ignored, nothing is URL-encoded. */
  url: string;
}

/** The page URL as WeCom signs it: without the fragment. */
export function signableUrl(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}

/** sha1 of "jsapi_ticket=…&noncestr=…&timestamp=…&url=…", lowercase hex. */
export function jsApiSignature(input: JsApiSignatureInput): string {
  if (input.ticket === '') throw new TypeError('a JS-SDK signature needs a ticket');
  if (input.nonceStr === '') throw new TypeError('a JS-SDK signature needs a nonceStr');
  const timestamp = String(input.timestamp);
  if (!/^\d+$/.test(timestamp)) throw new TypeError('the JS-SDK timestamp must be unix seconds');
  return getJsApiSignature({ ticket: input.ticket, nonceStr: input.nonceStr, timestamp, url: signableUrl(input.url) })
    .signature;
}

export interface JsSignature {
  timestamp: number;
  nonceStr: string;
  signature: string;
}

export interface JsConfig {
  /** For wx.config (appId = corpId). */
  config: JsSignature & { corpId: string };
  /** For wx.agentConfig. */
  agentConfig: JsSignature & { corpId: string; agentId: number | null };
  url: string;
}

export interface BuildJsConfigInput {
  corpId: string;
  agentId: number | null | undefined;
  /** Corp ticket, e.g. from WecomClient.getJsapiTicket(). */
  jsapiTicket: string;
  /** App ticket, e.g. from WecomClient.getAgentTicket(). */
  agentTicket: string;
  url: string;
  /** Defaults to now. */
  timestamp?: number;
  /** Defaults to a fresh random string. */
  nonceStr?: string;
}

/** Both signatures a WeCom H5 page needs for one URL, with a fresh nonce and timestamp. */
export function buildJsConfig(input: BuildJsConfigInput): JsConfig {
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  const nonceStr = input.nonceStr ?? randomBytes(8).toString('hex');
  const url = signableUrl(input.url);
  const sign = (ticket: string): JsSignature => ({
    timestamp,
    nonceStr,
    signature: jsApiSignature({ ticket, nonceStr, timestamp, url }),
  });
  return {
    config: { corpId: input.corpId, ...sign(input.jsapiTicket) },
    agentConfig: { corpId: input.corpId, agentId: input.agentId ?? null, ...sign(input.agentTicket) },
    url,
  };
}
