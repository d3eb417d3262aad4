import { randomBytes, randomInt } from 'node:crypto';
import { SCHEME_QUERY_MAX_LENGTH, SCHEME_QUERY_PATTERN, type WechatBody } from '../../wechat/endpoints';
import { SimClock } from '../clock';
import { ALNUM } from '../random';
import { RateLimiter } from '../rate-limit';

/** WeChat's token life, and how long the previous token keeps working once a new one is fetched. */
export const MINI_TOKEN_TTL_SECONDS = 7200;
export const MINI_TOKEN_OVERLAP_SECONDS = 300;
/** WeChat's bounds of an expiring scheme: more than a minute, at most 30 days. */
export const SCHEME_MIN_LIFE_SECONDS = 60;
export const SCHEME_MAX_LIFE_DAYS = 30;
const DAY_SECONDS = 86_400;
/** WeChat: at most 100 schemes per second, 500,000 per day per app. */
const SCHEMES_PER_SECOND = 100;
const DEFAULT_DAILY_SCHEME_LIMIT = 500_000;
const OPENLINK_PREFIX = 'weixin://dl/business/?t=';
const queryPattern = new RegExp(SCHEME_QUERY_PATTERN);

/** A WeChat answer other than success; the router turns it into the envelope. */
export class WechatSimError extends Error {
  override readonly name = 'WechatSimError';
  constructor(
    readonly errcode: number,
    message: string,
  ) {
    super(message);
  }
}

/** A scheme as WeChat stored it: what it opens and until when. */
export interface SimScheme {
  openlink: string;
  path: string;
  query: string;
  envVersion: string;
  /** Unix seconds on the app's clock. */
  createdAt: number;
  expireTime: number;
}

interface IssuedMiniToken {
  /** Unix seconds after which WeChat answers 42001. */
  expiresAt: number;
  /** Set once a newer token was fetched: after this WeChat answers 40001 ("not latest"). */
  supersededUntil?: number;
}

export interface MiniProgramSettings {
  secret: string;
  /** Pages of the released version, e.g. pages/index/index. */
  pages: string[];
  /** false: the app has no released version (85079). */
  released: boolean;
  dailySchemeLimit: number;
}

/** One mini-program as WeChat keeps it: credentials, released pages, tokens and the schemes generated. */
export class SimMiniProgram {
  readonly clock = new SimClock();
  readonly schemes: SimScheme[] = [];
  readonly tokens = new Map<string, IssuedMiniToken>();
  tokensIssued = 0;
  /** Scripted failures: the next `count` scheme calls answer `errcode` (e.g. -1, WeChat busy). */
  fault: { errcode: number; count: number } | undefined;
  private readonly limiter = new RateLimiter();

  constructor(
    readonly appId: string,
    readonly settings: MiniProgramSettings,
  ) {}

  now(): number {
    return this.clock.nowSeconds();
  }

  /** cgi-bin/token: every call makes a new token; the previous one keeps working for five minutes. */
  issueToken(secret: string): { token: string; expiresIn: number } {
    if (secret !== this.settings.secret) {
      throw new WechatSimError(40001, 'invalid credential, access_token is invalid or not latest');
    }
    const now = this.now();
    for (const issued of this.tokens.values()) {
      if (issued.supersededUntil === undefined) issued.supersededUntil = now + MINI_TOKEN_OVERLAP_SECONDS;
    }
    const token = randomBytes(96).toString('base64url');
    this.tokens.set(token, { expiresAt: now + MINI_TOKEN_TTL_SECONDS });
    this.tokensIssued++;
    return { token, expiresIn: MINI_TOKEN_TTL_SECONDS };
  }

  /** 40001 for a token WeChat never issued or that a newer one replaced, 42001 once its two hours are over. */
  checkToken(token: string): void {
    const issued = this.tokens.get(token);
    const now = this.now();
    if (!issued || (issued.supersededUntil !== undefined && now >= issued.supersededUntil)) {
      throw new WechatSimError(40001, 'invalid credential, access_token is invalid or not latest');
    }
    if (now >= issued.expiresAt) throw new WechatSimError(42001, 'access_token expired');
  }

  /** Ends the life of every token now (42001) or forgets them (40001). */
  invalidateTokens(mode: 'expire' | 'revoke'): number {
    const count = this.tokens.size;
    if (mode === 'revoke') this.tokens.clear();
    else for (const issued of this.tokens.values()) issued.expiresAt = Math.min(issued.expiresAt, this.now());
    return count;
  }

  /** wxa/generatescheme with WeChat's checks, in WeChat's order of complaint. */
  generateScheme(body: WechatBody<'generateScheme'>, openlinks: Set<string>): SimScheme {
    if (this.fault && this.fault.count > 0) {
      this.fault.count--;
      throw new WechatSimError(this.fault.errcode, 'scripted failure');
    }
    if (!this.settings.released) throw new WechatSimError(85079, 'miniprogram has no online release');
    const path = body.jump_wxa.path ?? '';
    const page = path.replace(/^\//, '');
    if (path.includes('?') || (page !== '' && !this.settings.pages.includes(page))) {
      throw new WechatSimError(40165, 'invalid weapp pagepath');
    }
    const query = body.jump_wxa.query ?? '';
    if (query.length > SCHEME_QUERY_MAX_LENGTH || !queryPattern.test(query)) {
      throw new WechatSimError(40212, 'invalid query');
    }
    const now = this.now();
    let expireTime: number;
    if (body.expire_type === 1) {
      const days = body.expire_interval;
      if (days === undefined || days < 1 || days > SCHEME_MAX_LIFE_DAYS) {
        throw new WechatSimError(85401, 'invalid expire_interval');
      }
      expireTime = now + days * DAY_SECONDS;
    } else {
      const at = body.expire_time;
      if (at === undefined || at <= now + SCHEME_MIN_LIFE_SECONDS || at > now + SCHEME_MAX_LIFE_DAYS * DAY_SECONDS) {
        throw new WechatSimError(85401, 'invalid expire_time');
      }
      expireTime = at;
    }
    const nowMs = this.clock.nowMs();
    if (!this.limiter.take('second', SCHEMES_PER_SECOND, nowMs, 1000)) {
      throw new WechatSimError(44990, 'generate scheme too fast');
    }
    if (!this.limiter.take('day', this.settings.dailySchemeLimit, nowMs, DAY_SECONDS * 1000)) {
      throw new WechatSimError(45009, 'reach max api daily quota limit');
    }
    let openlink: string;
    do {
      openlink = `${OPENLINK_PREFIX}${Array.from({ length: 11 }, () => ALNUM[randomInt(ALNUM.length)]).join('')}`;
    } while (openlinks.has(openlink));
    openlinks.add(openlink);
    const scheme: SimScheme = {
      openlink,
      path: page,
      query,
      envVersion: body.jump_wxa.env_version ?? 'release',
      createdAt: now,
      expireTime,
    };
    this.schemes.push(scheme);
    return scheme;
  }
}

export interface CreateMiniProgramInput {
  appId?: string;
  secret?: string;
  pages: string[];
  released?: boolean;
  dailySchemeLimit?: number;
}

export class MiniProgramExistsError extends Error {
  override readonly name = 'MiniProgramExistsError';
}

/** Every mini-program of the simulated WeChat; an openlink is unique across all of them. */
export class MiniProgramRegistry {
  private readonly apps = new Map<string, SimMiniProgram>();
  readonly openlinks = new Set<string>();

  create(input: CreateMiniProgramInput): SimMiniProgram {
    const appId = input.appId ?? `wx${randomBytes(8).toString('hex')}`;
    if (this.apps.has(appId)) throw new MiniProgramExistsError(`mini-program ${appId} already exists`);
    const app = new SimMiniProgram(appId, {
      secret: input.secret ?? randomBytes(16).toString('hex'),
      pages: [...input.pages],
      released: input.released ?? true,
      dailySchemeLimit: input.dailySchemeLimit ?? DEFAULT_DAILY_SCHEME_LIMIT,
    });
    this.apps.set(appId, app);
    return app;
  }

  get(appId: string): SimMiniProgram | undefined {
    return this.apps.get(appId);
  }

  delete(appId: string): boolean {
    return this.apps.delete(appId);
  }

  private readonly tokenOwners = new Map<string, SimMiniProgram>();

  /** cgi-bin/token for `appId`: 40013 for an app WeChat does not know. */
  issueToken(appId: string, secret: string): { token: string; expiresIn: number } {
    const app = this.apps.get(appId);
    if (!app) throw new WechatSimError(40013, 'invalid appid');
    const issued = app.issueToken(secret);
    this.tokenOwners.set(issued.token, app);
    return issued;
  }

  /** The app whose live token this is; 40001 otherwise (WeChat's answer to any token it does not accept). */
  authorize(token: string): SimMiniProgram {
    const app = this.tokenOwners.get(token);
    if (!app || this.apps.get(app.appId) !== app) {
      throw new WechatSimError(40001, 'invalid credential, access_token is invalid or not latest');
    }
    app.checkToken(token);
    return app;
  }
}
