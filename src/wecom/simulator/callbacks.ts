import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { buildEncryptedEnvelope, computeSignature, encryptMessage } from '../callback-crypto';
import { buildEventXml, type XmlBuildValue } from '../callback-xml';
import type { SimCorp } from './state';
import type { CorpStats } from './stats';

/** Elements of an event after the common ones (ToUserName, FromUserName, CreateTime, MsgType). */
export type EventFields = { Event: string; ChangeType?: string } & Record<string, XmlBuildValue>;

export interface DeliveryAttempt {
  copy: number;
  attempt: number;
  at: string;
  status?: number;
  error?: string;
  durationMs: number;
}

export type DeliveryOutcome = 'pending' | 'delivered' | 'failed' | 'no_callback_url' | 'cancelled';

export interface DeliveryRecord {
  id: number;
  event: string;
  changeType?: string;
  createdAt: string;
  url?: string;
  /** How many times the identical signed body is sent (WeCom-style duplicate delivery). */
  copies: number;
  outcome: DeliveryOutcome;
  attempts: DeliveryAttempt[];
  plaintext: string;
  msgSignature?: string;
  timestamp?: string;
  nonce?: string;
}

export interface VerifyUrlResult {
  url: string;
  ok: boolean;
  status?: number;
  expected: string;
  received?: string;
  error?: string;
  durationMs: number;
}

const LOG_SIZE = 1000;

class DispatcherStoppedError extends Error {
  override readonly name = 'DispatcherStoppedError';
}

/**
 * Sends one corp's events to its callback URL the way WeCom does: encrypted XML envelope signed in
 * the query string, a non-200 answer or a timeout is a failure retried `callbackRetries` times.
 * Events go out one after another, in the order they happened.
 */
export class CallbackDispatcher {
  private readonly log: DeliveryRecord[] = [];
  private nextId = 1;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly abort = new AbortController();

  constructor(
    private readonly corp: SimCorp,
    private readonly stats: CorpStats,
    private readonly logger: Logger,
  ) {}

  /** Queues an event; resolves with its record once every copy was delivered or gave up. */
  deliver(fields: EventFields, options: { copies?: number } = {}): Promise<DeliveryRecord> {
    const { settings, corpId } = this.corp;
    const plaintext = buildEventXml({
      ToUserName: corpId,
      FromUserName: 'sys',
      CreateTime: this.corp.now(),
      MsgType: 'event',
      ...fields,
    });
    const record: DeliveryRecord = {
      id: this.nextId++,
      event: fields.Event,
      changeType: fields.ChangeType,
      createdAt: new Date().toISOString(),
      url: settings.callbackUrl,
      copies: Math.max(1, options.copies ?? 1),
      outcome: 'pending',
      attempts: [],
      plaintext,
    };
    this.log.push(record);
    if (this.log.length > LOG_SIZE) this.log.shift();
    if (!settings.callbackUrl) {
      record.outcome = 'no_callback_url';
      return Promise.resolve(record);
    }
    this.stats.callbacksSent++;
    const done = this.chain.then(() => this.send(record));
    this.chain = done.catch(() => undefined);
    return done;
  }

  records(): DeliveryRecord[] {
    return this.log.slice();
  }

  /** Ends pending retries; queued events are marked cancelled. */
  stop(): void {
    this.abort.abort(new DispatcherStoppedError('simulator stopped'));
  }

  /** WeCom's URL check: GET with an encrypted echostr; the app must answer with its plaintext. */
  async verifyUrl(): Promise<VerifyUrlResult> {
    const { settings, corpId } = this.corp;
    if (!settings.callbackUrl) throw new Error('the corp has no callback URL');
    const expected = String(randomInt(1_000_000_000, 2_000_000_000)) + String(randomInt(100_000_000, 999_999_999));
    const echostr = encryptMessage(settings.encodingAesKey, expected, corpId);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(randomInt(100_000_000, 2_000_000_000));
    const url = new URL(settings.callbackUrl);
    url.searchParams.set('msg_signature', computeSignature(settings.callbackToken, timestamp, nonce, echostr));
    url.searchParams.set('timestamp', timestamp);
    url.searchParams.set('nonce', nonce);
    url.searchParams.set('echostr', echostr);
    const started = Date.now();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.min(settings.callbackTimeoutMs, 5000)) });
      const received = await response.text();
      return {
        url: url.toString(),
        ok: response.status === 200 && received === expected,
        status: response.status,
        expected,
        received,
        durationMs: Date.now() - started,
      };
    } catch (error) {
      return { url: url.toString(), ok: false, expected, error: describe(error), durationMs: Date.now() - started };
    }
  }

  private async send(record: DeliveryRecord): Promise<DeliveryRecord> {
    const { settings, corpId, credentials } = this.corp;
    if (this.abort.signal.aborted) {
      record.outcome = 'cancelled';
      return record;
    }
    const envelope = buildEncryptedEnvelope({
      token: settings.callbackToken,
      encodingAESKey: settings.encodingAesKey,
      receiveId: corpId,
      plaintext: record.plaintext,
      agentId: credentials.agentId,
    });
    record.msgSignature = envelope.msgSignature;
    record.timestamp = envelope.timestamp;
    record.nonce = envelope.nonce;
    const url = new URL(record.url ?? '');
    url.searchParams.set('msg_signature', envelope.msgSignature);
    url.searchParams.set('timestamp', envelope.timestamp);
    url.searchParams.set('nonce', envelope.nonce);
    let allDelivered = true;
    try {
      for (let copy = 1; copy <= record.copies; copy++) {
        allDelivered = (await this.sendCopy(record, copy, url, envelope.body)) && allDelivered;
      }
    } catch (error) {
      if (error instanceof DispatcherStoppedError) {
        record.outcome = 'cancelled';
        return record;
      }
      throw error;
    }
    record.outcome = allDelivered ? 'delivered' : 'failed';
    if (allDelivered) this.stats.callbacksDelivered++;
    else this.stats.callbacksFailed++;
    this.logger.debug({ id: record.id, changeType: record.changeType, outcome: record.outcome }, 'callback sent');
    return record;
  }

  /** One copy: the first try plus up to `callbackRetries` retries; true once an attempt got HTTP 200. */
  private async sendCopy(record: DeliveryRecord, copy: number, url: URL, body: string): Promise<boolean> {
    const { settings } = this.corp;
    for (let attempt = 0; attempt <= settings.callbackRetries; attempt++) {
      if (attempt > 0) await sleep(settings.callbackRetryDelayMs, this.abort.signal);
      if (this.abort.signal.aborted) throw this.abort.signal.reason;
      const started = Date.now();
      const entry: DeliveryAttempt = { copy, attempt, at: new Date(started).toISOString(), durationMs: 0 };
      record.attempts.push(entry);
      this.stats.callbackAttempts++;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'text/xml' },
          body,
          signal: AbortSignal.any([AbortSignal.timeout(settings.callbackTimeoutMs), this.abort.signal]),
        });
        await response.arrayBuffer();
        entry.status = response.status;
        entry.durationMs = Date.now() - started;
        if (response.status === 200) return true;
      } catch (error) {
        if (this.abort.signal.aborted) throw this.abort.signal.reason;
        entry.error = describe(error);
        entry.durationMs = Date.now() - started;
      }
    }
    return false;
  }
}

function describe(error: unknown): string {
  // Abort reasons are DOMExceptions, which are not always instances of Error.
  if (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError') {
    return 'timeout';
  }
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
