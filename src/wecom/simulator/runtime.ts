import { randomBytes, randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { CallbackDispatcher } from './callbacks';
import { generateCorpData } from './corp-generator';
import { FaultInjector } from './faults';
import { ALNUM, Random } from './random';
import { RateLimiter } from './rate-limit';
import { SimCorp, type CorpSettings } from './state';
import { CorpStats } from './stats';
import { TicketCache, TokenStore } from './tokens';

/** One corp as the simulator runs it: its world plus the machinery around it (limits, faults, callbacks). */
export class CorpRuntime {
  readonly limiter = new RateLimiter();
  readonly faults: FaultInjector;
  readonly stats = new CorpStats();
  readonly jsapiTicket = new TicketCache();
  readonly agentTicket = new TicketCache();
  readonly callbacks: CallbackDispatcher;

  constructor(
    readonly corp: SimCorp,
    readonly tokens: TokenStore,
    logger: Logger,
  ) {
    this.faults = new FaultInjector(corp.seed);
    this.callbacks = new CallbackDispatcher(corp, this.stats, logger);
  }

  get corpId(): string {
    return this.corp.corpId;
  }
}

export interface CreateCorpInput {
  corpId?: string;
  secret?: string;
  agentId?: number;
  seed: number;
  customers: number;
  employees?: number;
  groups?: number;
  callbackUrl?: string;
  callbackToken?: string;
  encodingAesKey?: string;
  callbackTimeoutMs?: number;
  callbackRetryDelayMs?: number;
  callbackRetries?: number;
  rateLimitPerMinute?: number;
  customerLimitPerMember?: number;
}

export class CorpExistsError extends Error {
  override readonly name = 'CorpExistsError';
}

const cryptoRandom = new Random(randomInt(0, 2 ** 32 - 1));

function randomAlnum(length: number): string {
  return cryptoRandom.string(length, ALNUM);
}

/** All corps of one simulator process, and the access tokens that point at them. */
export class CorpRegistry {
  private readonly corps = new Map<string, CorpRuntime>();
  readonly tokens = new TokenStore();

  constructor(private readonly logger: Logger) {}

  create(input: CreateCorpInput): CorpRuntime {
    const corpId = input.corpId ?? `ww${randomBytes(8).toString('hex')}`;
    if (this.corps.has(corpId)) throw new CorpExistsError(`corp ${corpId} already exists`);
    const settings: CorpSettings = {
      callbackUrl: input.callbackUrl,
      callbackToken: input.callbackToken ?? randomAlnum(24),
      encodingAesKey: input.encodingAesKey ?? randomAlnum(43),
      callbackTimeoutMs: input.callbackTimeoutMs ?? 5000,
      callbackRetryDelayMs: input.callbackRetryDelayMs ?? 1000,
      callbackRetries: input.callbackRetries ?? 3,
      rateLimitPerMinute: input.rateLimitPerMinute ?? 10_000,
      rateLimitPerPath: {},
      customerLimitPerMember: input.customerLimitPerMember ?? 50_000,
    };
    const data = generateCorpData(input.seed, {
      customers: input.customers,
      employees: input.employees,
      groups: input.groups,
    });
    const credentials = {
      corpId,
      secret: input.secret ?? randomBytes(32).toString('base64url').slice(0, 43),
      agentId: input.agentId ?? 1000002 + randomInt(0, 1000),
    };
    const runtime = new CorpRuntime(
      new SimCorp(credentials, input.seed, input.customers, data, settings),
      this.tokens,
      this.logger.child({ corpId }),
    );
    this.corps.set(corpId, runtime);
    return runtime;
  }

  get(corpId: string): CorpRuntime | undefined {
    return this.corps.get(corpId);
  }

  delete(corpId: string): boolean {
    const runtime = this.corps.get(corpId);
    if (!runtime) return false;
    runtime.callbacks.stop();
    this.tokens.forget(corpId);
    this.corps.delete(corpId);
    return true;
  }

  list(): CorpRuntime[] {
    return [...this.corps.values()];
  }

  /** Stops pending callback retries of every corp. */
  stopAll(): void {
    for (const runtime of this.corps.values()) runtime.callbacks.stop();
  }
}
