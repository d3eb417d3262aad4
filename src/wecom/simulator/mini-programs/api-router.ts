import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Logger } from 'pino';
import {
  wechatEndpoints,
  type WechatBody,
  type WechatEndpointName,
  type WechatQuery,
  type WechatResponse,
} from '../../wechat/endpoints';
import { flatQuery, type Query } from '../api-router';
import { readRawBody } from '../raw-body';
import { compile } from '../validation';
import { WechatSimError, type MiniProgramRegistry } from './state';

type Input<N extends WechatEndpointName> = { query: WechatQuery<N>; body: WechatBody<N>; raw: Query };
type Handlers = { [N in WechatEndpointName]: (registry: MiniProgramRegistry, input: Input<N>) => WechatResponse<N> };

const MAX_JSON_BYTES = 64 * 1024;

/** The token paths name their app by appid and answer a success without errcode, as WeChat does. */
const handlers: Handlers = {
  getToken: (registry, { raw }) => {
    if (raw['grant_type'] !== 'client_credential') throw new WechatSimError(40002, 'invalid grant_type');
    if (!raw['appid']) throw new WechatSimError(41002, 'appid missing');
    if (!raw['secret']) throw new WechatSimError(41004, 'appsecret missing');
    const issued = registry.issueToken(raw['appid'], raw['secret']);
    return { access_token: issued.token, expires_in: issued.expiresIn };
  },
  getStableToken: (registry, { body }) => {
    if (body.grant_type !== 'client_credential') throw new WechatSimError(40002, 'invalid grant_type');
    if (!body.appid) throw new WechatSimError(41002, 'appid missing');
    if (!body.secret) throw new WechatSimError(41004, 'appsecret missing');
    const issued = registry.issueStableToken(body.appid, body.secret, body.force_refresh === true);
    return { access_token: issued.token, expires_in: issued.expiresIn };
  },
  generateScheme: (registry, { raw, body }) => {
    const token = raw['access_token'];
    if (!token) throw new WechatSimError(41001, 'access_token missing');
    const app = registry.authorize(token);
    return { openlink: app.generateScheme(body, registry.openlinks).openlink };
  },
};

/** WeChat's errmsg ends with a request id. */
function errmsg(text: string): string {
  return `${text} rid: ${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;
}

/**
 * The WeChat server API (api.weixin.qq.com) the product calls, one route per entry of the WeChat
 * endpoint table; every answer is HTTP 200 with JSON, errors as {errcode, errmsg}.
 */
export function createWechatApiRouter(registry: MiniProgramRegistry, logger: Logger): Router {
  const router = new Router();
  for (const name of Object.keys(wechatEndpoints) as WechatEndpointName[]) {
    const endpoint = wechatEndpoints[name];
    const validateBody = compile(endpoint.body);
    router.all(`/${endpoint.path}`, async (ctx) => {
      let answer: object;
      try {
        if (ctx.method !== endpoint.method) throw new WechatSimError(43002, `require ${endpoint.method} method`);
        const raw = flatQuery(ctx);
        let body: unknown = null;
        if (endpoint.method === 'POST') {
          try {
            const text = (await readRawBody(ctx.req, MAX_JSON_BYTES)).toString('utf8');
            body = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
          } catch {
            throw new WechatSimError(47001, 'data format error');
          }
          if (!validateBody(body)) throw new WechatSimError(47001, 'data format error');
        }
        const handler = handlers[name] as (r: MiniProgramRegistry, input: Input<typeof name>) => object;
        const result = handler(registry, { query: raw as never, body: body as never, raw });
        answer = name === 'getToken' || name === 'getStableToken' ? result : { errcode: 0, errmsg: 'ok', ...result };
      } catch (error) {
        if (!(error instanceof WechatSimError))
          logger.error({ err: error, path: endpoint.path }, 'wechat handler failed');
        const simError = error instanceof WechatSimError ? error : new WechatSimError(-1, 'system error');
        answer = { errcode: simError.errcode, errmsg: errmsg(simError.message) };
      }
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = answer;
    });
  }
  return router;
}
