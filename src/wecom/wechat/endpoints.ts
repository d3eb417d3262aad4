import { Type, type Static } from '@sinclair/typebox';
import type { WecomEndpoint } from '../endpoints';

/**
 * The WeChat (mini-program) server API calls the product makes, as one table read by both the
 * client and the simulator, like the WeCom table beside it. Paths are relative to
 * https://api.weixin.qq.com/ — another host than WeCom's, with its own app credentials.
 */
function endpoint<E extends WecomEndpoint>(e: E): E {
  return e;
}

const Str = Type.String;
const Int = Type.Integer;
const Opt = Type.Optional;

/** WeChat's versions of a mini-program a scheme can open. */
export const MINI_PROGRAM_ENV_VERSIONS = ['release', 'trial', 'develop'] as const;
export type MiniProgramEnvVersion = (typeof MINI_PROGRAM_ENV_VERSIONS)[number];

/** jump_wxa.query: at most 1024 characters of digits, letters and !#$&'()*+,/:;=?@-._~% (WeChat's rule). */
export const SCHEME_QUERY_PATTERN = "^[0-9A-Za-z!#$&'()*+,/:;=?@\\-._~%]*$";
export const SCHEME_QUERY_MAX_LENGTH = 1024;

export const wechatEndpoints = {
  /** The app's access_token; unlike WeCom, a success carries no errcode. */
  getToken: endpoint({
    method: 'GET',
    path: 'cgi-bin/token',
    query: Type.Object({ grant_type: Str(), appid: Str(), secret: Str() }),
    body: Type.Null(),
    response: Type.Object({ access_token: Str(), expires_in: Int() }),
  }),
  /** An encrypted URL scheme (weixin://dl/business/?t=…) that opens a page of the app. */
  generateScheme: endpoint({
    method: 'POST',
    path: 'wxa/generatescheme',
    query: Type.Object({}),
    body: Type.Object({
      jump_wxa: Type.Object({
        path: Opt(Str()),
        query: Opt(Str()),
        env_version: Opt(Type.Union(MINI_PROGRAM_ENV_VERSIONS.map((v) => Type.Literal(v)))),
      }),
      /** WeChat now always makes expiring schemes; the flag is still accepted. */
      is_expire: Opt(Type.Boolean()),
      /** 0: expires at expire_time; 1: after expire_interval days. */
      expire_type: Opt(Type.Union([Type.Literal(0), Type.Literal(1)])),
      expire_time: Opt(Int()),
      expire_interval: Opt(Int()),
    }),
    response: Type.Object({ openlink: Str() }),
  }),
} as const;

export type WechatEndpoints = typeof wechatEndpoints;
export type WechatEndpointName = keyof WechatEndpoints;
export type WechatQuery<N extends WechatEndpointName> = Static<WechatEndpoints[N]['query']>;
export type WechatBody<N extends WechatEndpointName> = Static<WechatEndpoints[N]['body']>;
export type WechatResponse<N extends WechatEndpointName> = Static<WechatEndpoints[N]['response']>;
