import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { Logger } from 'pino';
import type { FetchLike } from '../client';
import type { TokenCache } from '../token-cache';
import {
  WechatApiError,
  WechatCredentialsError,
  WechatNetworkError,
  isWechatCredentialErrcode,
  isWechatTokenRejected,
} from './errors';
import {
  wechatEndpoints,
  type WechatBody,
  type WechatEndpointName,
  type WechatQuery,
  type WechatResponse,
} from './endpoints';

export interface MiniProgramCredentials {
  appId: string;
  secret: string;
}

export interface MiniProgramClientOptions {
  /** e.g. 'https://api.weixin.qq.com/' or the simulator's 'http://127.0.0.1:18490/'. */
  baseUrl: string;
  tokenCache: TokenCache;
  logger: Pick<Logger, 'debug'>;
  fetch?: FetchLike;
  /** Per HTTP request, body included (default 5 s: a landing page waits for the answer). */
  timeoutMs?: number;
}

type Json = Record<string, unknown>;

/**
 * One mini-program's WeChat client: the app's access_token from the shared token cache, refreshed
 * once when WeChat rejects it (40001/40014/42001); every other errcode is thrown as WechatApiError.
 */
export class MiniProgramClient {
  private readonly baseUrl: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;

  constructor(
    private readonly app: MiniProgramCredentials,
    private readonly options: MiniProgramClientOptions,
  ) {
    if (app.appId === '' || app.secret === '') throw new TypeError('MiniProgramClient needs an AppID and AppSecret');
    this.baseUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  get appId(): string {
    return this.app.appId;
  }

  /** Fetches (or reuses) the app's access_token: a wrong AppID or AppSecret throws WechatCredentialsError. */
  accessToken(): Promise<string> {
    return this.options.tokenCache.getMiniProgramToken(this.app.appId, this.app.secret, async () => {
      const answer = await this.send(
        'getToken',
        { query: { grant_type: 'client_credential', appid: this.app.appId, secret: this.app.secret } },
        undefined,
      );
      if (answer.access_token === '' || !(answer.expires_in > 0)) {
        throw new WechatNetworkError('WeChat cgi-bin/token answered without a usable token', 'cgi-bin/token');
      }
      return { value: answer.access_token, expiresInSeconds: answer.expires_in };
    });
  }

  /** wxa/generatescheme: the scheme's openlink. */
  async generateScheme(body: WechatBody<'generateScheme'>): Promise<string> {
    return (await this.authorized('generateScheme', { body })).openlink;
  }

  private async authorized<N extends WechatEndpointName>(
    name: N,
    input: { query?: WechatQuery<N>; body?: WechatBody<N> },
  ): Promise<WechatResponse<N>> {
    let refreshed = false;
    for (;;) {
      const token = await this.accessToken();
      try {
        return await this.send(name, input, token);
      } catch (error) {
        if (refreshed || !(error instanceof WechatApiError) || !isWechatTokenRejected(error.errcode)) throw error;
        this.options.tokenCache.invalidateMiniProgramToken(this.app.appId, this.app.secret, token);
        refreshed = true;
      }
    }
  }

  private async send<N extends WechatEndpointName>(
    name: N,
    input: { query?: WechatQuery<N>; body?: WechatBody<N> },
    accessToken: string | undefined,
  ): Promise<WechatResponse<N>> {
    const endpoint = wechatEndpoints[name];
    const { path } = endpoint;
    const url = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(input.query ?? {})) url.searchParams.set(key, String(value));
    if (accessToken !== undefined) url.searchParams.set('access_token', accessToken);
    const init: RequestInit =
      endpoint.method === 'POST'
        ? {
            method: 'POST',
            headers: { accept: 'application/json', 'content-type': 'application/json; charset=utf-8' },
            body: JSON.stringify(input.body ?? {}),
          }
        : { method: 'GET', headers: { accept: 'application/json' } };

    const started = Date.now();
    const signal = AbortSignal.timeout(this.timeoutMs);
    let status: number;
    let text: string;
    try {
      const response = await this.fetch(url.toString(), { ...init, signal });
      status = response.status;
      text = await response.text();
    } catch (cause) {
      const what = signal.aborted ? `timed out after ${this.timeoutMs} ms` : 'failed';
      throw new WechatNetworkError(`WeChat ${path} ${what}`, path, { cause });
    }
    const answer = status < 500 ? parseObject(text) : undefined;
    if (answer === undefined) throw new WechatNetworkError(`WeChat ${path} answered HTTP ${status} without JSON`, path);
    // cgi-bin/token answers a success without errcode; every other answer carries one.
    const errcode = typeof answer.errcode === 'number' ? answer.errcode : 0;
    this.options.logger.debug({ appId: this.app.appId, path, ms: Date.now() - started, errcode }, 'wechat call');
    if (errcode !== 0) {
      const errmsg = typeof answer.errmsg === 'string' ? answer.errmsg : '';
      if (accessToken === undefined && isWechatCredentialErrcode(errcode)) {
        throw new WechatCredentialsError(errcode, errmsg, path, this.app.appId);
      }
      throw new WechatApiError(errcode, errmsg, path);
    }
    assertDocumentedShape(name, answer);
    return answer as WechatResponse<N>;
  }
}

const shapeChecks = new Map<WechatEndpointName, TypeCheck<TSchema>>();

/** An errcode-0 answer without the documented fields stops here, named, instead of reaching the caller. */
function assertDocumentedShape(name: WechatEndpointName, answer: Json): void {
  let check = shapeChecks.get(name);
  if (check === undefined) {
    check = TypeCompiler.Compile(wechatEndpoints[name].response as TSchema);
    shapeChecks.set(name, check);
  }
  if (check.Check(answer)) return;
  const first = check.Errors(answer).First();
  const where = first === undefined ? '' : `: ${first.path || '/'} ${first.message}`;
  const { path } = wechatEndpoints[name];
  throw new WechatNetworkError(`WeChat ${path} answered in an undocumented shape${where}`, path);
}

function parseObject(text: string): Json | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the client of one mini-program; the token cache is shared, so clients are cheap to make per call. */
export type MiniProgramClientFactory = (app: MiniProgramCredentials) => MiniProgramClient;

export function createMiniProgramClientFactory(options: MiniProgramClientOptions): MiniProgramClientFactory {
  return (app) => new MiniProgramClient(app, options);
}
