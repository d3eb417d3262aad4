import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { Logger } from 'pino';
import type { MediaFile, MediaType, MediaUploadImageResult, MediaUploadResult, WecomApi } from './api';
import {
  MEDIA_UPLOAD_IMAGE_PATH,
  MEDIA_UPLOAD_PATH,
  wecomEndpoints,
  type EndpointBody,
  type EndpointName,
  type EndpointQuery,
  type EndpointResponse,
  type WecomEndpoint,
} from './endpoints';
import {
  WecomApiError,
  WecomCredentialsError,
  WecomNetworkError,
  isCredentialErrcode,
  isTokenRejectedErrcode,
} from './errors';
import type { WecomRateLimiter } from './rate-limit';
import type { CredentialGrant, TokenCache } from './token-cache';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface WecomClientOptions {
  /** e.g. 'https://qyapi.weixin.qq.com/cgi-bin/' or the simulator's 'http://127.0.0.1:18490/cgi-bin/'. */
  baseUrl: string;
  corpId: string;
  secret: string;
  agentId?: number | null;
  tokenCache: TokenCache;
  limiter: WecomRateLimiter;
  logger: Pick<Logger, 'debug'>;
  fetch?: FetchLike;
  /** Per HTTP request, body included (default 10 s). */
  timeoutMs?: number;
  /** Attempts in total for -1 and 45033 answers (default 3). */
  maxAttempts?: number;
  /** First backoff step for -1 and 45033; doubles per attempt, plus up to the same again as jitter (default 100 ms). */
  retryBaseDelayMs?: number;
}

/** Endpoints that page with `cursor` in the body and `next_cursor` in the answer. */
export type CursorEndpointName = {
  [N in EndpointName]: EndpointBody<N> extends object
    ? 'cursor' extends keyof EndpointBody<N>
      ? 'next_cursor' extends keyof EndpointResponse<N>
        ? N
        : never
      : never
    : never;
}[EndpointName];

type Json = Record<string, unknown>;

interface RequestInput {
  query?: object;
  body?: unknown;
  media?: MediaFile;
}

type Route = Pick<WecomEndpoint, 'path' | 'method'>;

/** Answers WeCom retries within the same call: a busy system and a concurrency limit clear up quickly. */
const IN_CALL_RETRY_ERRCODES: ReadonlySet<number> = new Set([-1, 45033]);
const MINUTE_MS = 60_000;
const FREQUENCY_LIMIT_JITTER_MS = 1_000;

/**
 * One corp's WeCom client: access token in the query string, JSON bodies, errcode-driven error
 * handling (token refresh, short retries of -1/45033, everything else thrown as WecomApiError).
 */
export class WecomClient implements WecomApi {
  readonly corpId: string;
  readonly agentId: number | undefined;
  private readonly secret: string;
  private readonly baseUrl: string;
  private readonly tokens: TokenCache;
  private readonly limiter: WecomRateLimiter;
  private readonly logger: Pick<Logger, 'debug'>;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;

  constructor(options: WecomClientOptions) {
    if (options.corpId === '') throw new TypeError('WecomClient needs a corp id');
    if (options.secret === '') throw new TypeError(`WecomClient for corp ${options.corpId} needs a secret`);
    this.corpId = options.corpId;
    this.agentId = options.agentId ?? undefined;
    this.secret = options.secret;
    this.baseUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    this.tokens = options.tokenCache;
    this.limiter = options.limiter;
    this.logger = options.logger;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 100;
  }

  async call<N extends EndpointName>(
    name: N,
    input: { query?: EndpointQuery<N>; body?: EndpointBody<N> } = {},
  ): Promise<EndpointResponse<N>> {
    const endpoint: WecomEndpoint = wecomEndpoints[name];
    const answer =
      endpoint.path === wecomEndpoints.getToken.path
        ? await this.withRetries((attempt) => this.send(endpoint, input, undefined, attempt))
        : await this.authorized(endpoint, input);
    assertDocumentedShape(name, answer);
    return answer as EndpointResponse<N>;
  }

  /** media/upload: a temporary media_id (valid 3 days) for welcome messages, attachments and materials. */
  async uploadMedia(type: MediaType, file: MediaFile): Promise<MediaUploadResult> {
    const answer = await this.authorized({ path: MEDIA_UPLOAD_PATH, method: 'POST' }, { query: { type }, media: file });
    return { type: String(answer.type), media_id: String(answer.media_id), created_at: String(answer.created_at) };
  }

  /** media/uploadimg: a permanent image URL usable inside message bodies. */
  async uploadImage(file: MediaFile): Promise<MediaUploadImageResult> {
    const answer = await this.authorized({ path: MEDIA_UPLOAD_IMAGE_PATH, method: 'POST' }, { media: file });
    return { url: String(answer.url) };
  }

  /** A call with the cached access token: one refresh when WeCom rejects it, short retries of -1/45033. */
  private async authorized(route: Route, input: RequestInput): Promise<Json> {
    let refreshed = false;
    let attempt = 1;
    for (;;) {
      const token = await this.accessToken();
      try {
        return await this.send(route, input, token, attempt);
      } catch (error) {
        if (!(error instanceof WecomApiError)) throw error;
        if (!refreshed && isTokenRejectedErrcode(error.errcode)) {
          this.tokens.invalidate(this.corpId, this.secret, token);
          refreshed = true;
          continue;
        }
        if (attempt < this.maxAttempts && IN_CALL_RETRY_ERRCODES.has(error.errcode)) {
          await sleep(this.backoffMs(attempt));
          attempt += 1;
          continue;
        }
        throw error;
      }
    }
  }

  /** Yields every page of a cursor endpoint, following next_cursor until WeCom returns none. */
  async *pages<N extends CursorEndpointName>(
    name: N,
    body: EndpointBody<N>,
  ): AsyncGenerator<EndpointResponse<N>, void, undefined> {
    let requestBody = body;
    for (;;) {
      const page = await this.call(name, { body: requestBody });
      yield page;
      const next = (page as { next_cursor?: string }).next_cursor ?? '';
      if (next === '') return;
      if (next === (requestBody as { cursor?: string }).cursor) {
        throw new WecomNetworkError(`WeCom ${wecomEndpoints[name].path} returned the request cursor as next_cursor`, {
          path: wecomEndpoints[name].path,
          retryable: false,
        });
      }
      requestBody = { ...body, cursor: next };
    }
  }

  /** Corp ticket for wx.config, cached per corp. */
  getJsapiTicket(): Promise<string> {
    return this.tokens.getJsapiTicket(this.corpId, async () => {
      const answer = await this.call('getJsapiTicket', {});
      return toGrant(answer.ticket, answer.expires_in, wecomEndpoints.getJsapiTicket.path);
    });
  }

  /** App ticket for wx.agentConfig, cached per app (the app of this client's secret). */
  getAgentTicket(): Promise<string> {
    return this.tokens.getAgentTicket(this.corpId, this.secret, async () => {
      const answer = await this.call('getAgentTicket', { query: { type: 'agent_config' } });
      return toGrant(answer.ticket, answer.expires_in, wecomEndpoints.getAgentTicket.path);
    });
  }

  private accessToken(): Promise<string> {
    return this.tokens.getAccessToken(this.corpId, this.secret, async () => {
      const answer = await this.call('getToken', { query: { corpid: this.corpId, corpsecret: this.secret } });
      return toGrant(answer.access_token, answer.expires_in, wecomEndpoints.getToken.path);
    });
  }

  private async withRetries(run: (attempt: number) => Promise<Json>): Promise<Json> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await run(attempt);
      } catch (error) {
        const again =
          error instanceof WecomApiError && attempt < this.maxAttempts && IN_CALL_RETRY_ERRCODES.has(error.errcode);
        if (!again) throw error;
        await sleep(this.backoffMs(attempt));
      }
    }
  }

  private backoffMs(attempt: number): number {
    const step = this.retryBaseDelayMs * 2 ** (attempt - 1);
    return step + Math.floor(Math.random() * step);
  }

  /** One HTTP exchange; resolves with the answer when errcode is 0, throws a typed error otherwise. */
  private async send(
    endpoint: Route,
    input: RequestInput,
    accessToken: string | undefined,
    attempt: number,
  ): Promise<Json> {
    const { path } = endpoint;
    await this.limiter.acquire(this.corpId, path);
    const url = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(input.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    if (accessToken !== undefined) url.searchParams.set('access_token', accessToken);

    const init: RequestInit = { method: endpoint.method, headers: { accept: 'application/json' } };
    if (input.media !== undefined) {
      // fetch writes the multipart boundary into content-type itself.
      init.body = mediaForm(input.media);
    } else if (endpoint.method === 'POST') {
      init.headers = { accept: 'application/json', 'content-type': 'application/json; charset=utf-8' };
      init.body = JSON.stringify(input.body ?? {});
    }

    const started = Date.now();
    let status: number | undefined;
    let text: string;
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.fetch(url.toString(), { ...init, signal });
      status = response.status;
      text = await response.text();
    } catch (cause) {
      const timedOut = signal.aborted;
      this.logger.debug(
        { corpId: this.corpId, path, attempt, ms: Date.now() - started, timedOut },
        'wecom call failed',
      );
      const what = timedOut ? `timed out after ${this.timeoutMs} ms` : `failed: ${describeCause(cause)}`;
      throw new WecomNetworkError(`WeCom ${path} ${what}`, { path, cause });
    }
    const ms = Date.now() - started;

    if (status >= 500) {
      this.logger.debug({ corpId: this.corpId, path, attempt, ms, status }, 'wecom call failed');
      throw new WecomNetworkError(`WeCom ${path} answered HTTP ${status}`, { path, status });
    }
    const answer = parseEnvelope(text);
    if (answer === undefined) {
      this.logger.debug({ corpId: this.corpId, path, attempt, ms, status }, 'wecom call failed');
      throw new WecomNetworkError(`WeCom ${path} answered HTTP ${status} without a JSON envelope`, {
        path,
        status,
        retryable: status < 400 || status === 408 || status === 429,
      });
    }
    const { errcode, errmsg } = answer;
    this.logger.debug({ corpId: this.corpId, path, attempt, ms, errcode }, 'wecom call');
    if (errcode === 0) return answer.body;

    if (accessToken === undefined && isCredentialErrcode(errcode)) {
      throw new WecomCredentialsError({ errcode, errmsg, path, corpId: this.corpId });
    }
    if (errcode === 45009) {
      throw new WecomApiError({ errcode, errmsg, path, retryable: true, retryAfterMs: msUntilNextMinute() });
    }
    throw new WecomApiError({ errcode, errmsg, path });
  }
}

const shapeChecks = new Map<EndpointName, TypeCheck<TSchema>>();

/**
 * Callers rely on the table's response types, so an answer that does not match them (a WeCom change,
 * a proxy's page) stops here with the field named rather than writing undefined into the mirror.
 * Extra fields are allowed: WeCom adds fields over time.
 */
function assertDocumentedShape(name: EndpointName, answer: Json): void {
  let check = shapeChecks.get(name);
  if (check === undefined) {
    check = TypeCompiler.Compile(wecomEndpoints[name].response as TSchema);
    shapeChecks.set(name, check);
  }
  if (check.Check(answer)) return;
  const { path } = wecomEndpoints[name];
  const first = check.Errors(answer).First();
  const where = first === undefined ? '' : `: ${first.path || '/'} ${first.message}`;
  throw new WecomNetworkError(`WeCom ${path} answered errcode 0 in an undocumented shape${where}`, { path });
}

function mediaForm(file: MediaFile): FormData {
  const form = new FormData();
  const blob = new Blob([file.data], { type: file.contentType ?? 'application/octet-stream' });
  form.append('media', blob, file.filename);
  return form;
}

function parseEnvelope(text: string): { errcode: number; errmsg: string; body: Json } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const body = parsed as Json;
  // WeCom always sends errcode; a JSON object without it is not a WeCom answer.
  if (typeof body.errcode !== 'number' || !Number.isInteger(body.errcode)) return undefined;
  return { errcode: body.errcode, errmsg: typeof body.errmsg === 'string' ? body.errmsg : '', body };
}

function toGrant(value: unknown, expiresIn: unknown, path: string): CredentialGrant {
  if (typeof value !== 'string' || value === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
    throw new WecomNetworkError(`WeCom ${path} answered errcode 0 without a usable credential`, { path });
  }
  return { value, expiresInSeconds: expiresIn };
}

/** WeCom's per-minute limits reset on the minute; a little jitter keeps all waiting callers from returning at once. */
function msUntilNextMinute(now = Date.now()): number {
  return MINUTE_MS - (now % MINUTE_MS) + Math.floor(Math.random() * FREQUENCY_LIMIT_JITTER_MS);
}

/** fetch failures hide the useful part (ECONNREFUSED, ENOTFOUND…) in `cause.code`. */
function describeCause(cause: unknown): string {
  if (typeof cause !== 'object' || cause === null) return String(cause);
  const message = 'message' in cause ? String(cause.message) : String(cause);
  const inner = 'cause' in cause ? cause.cause : undefined;
  const code = typeof inner === 'object' && inner !== null && 'code' in inner ? String(inner.code) : undefined;
  return code === undefined ? message : `${message} (${code})`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
