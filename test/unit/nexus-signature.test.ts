import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import type { Db } from '../../src/db/knex';
import { RateLimitedError, UnauthorizedError } from '../../src/domain/errors';
import { checkSignature, checkSignedHeaders, nexusSignature } from '../../src/domain/nexus/signature';
import { ApiMetrics } from '../../src/observability/api-metrics';
import { createLogger } from '../../src/logger';

const SECRET = 'nexus-unit-secret-0123456789abcdef-0123';

describe('Nexus signature', () => {
  it('is the hex HMAC-SHA256 of "<timestamp>\\n<body>" with the shared secret', () => {
    const body = '{"empNo":"E001"}';
    const expected = createHmac('sha256', SECRET).update(`1767225600\n${body}`).digest('hex');
    expect(nexusSignature(SECRET, '1767225600', body)).toBe(expected);
    expect(nexusSignature(SECRET, '1767225600', Buffer.from(body))).toBe(expected);
  });

  it('accepts timestamps within the window either way and refuses those outside it', () => {
    const signature = 'ab'.repeat(32);
    const now = 1_767_225_600;
    for (const timestamp of [now - 300, now, now + 300]) {
      expect(checkSignedHeaders({ timestamp: String(timestamp), signature }, now, 300).timestamp).toBe(timestamp);
    }
    for (const timestamp of [now - 301, now + 301]) {
      expect(() => checkSignedHeaders({ timestamp: String(timestamp), signature }, now, 300)).toThrow(
        expect.objectContaining({ code: 'NEXUS_TIMESTAMP_STALE' }) as Error,
      );
    }
  });

  it.each([
    ['no timestamp', '', 'ab'.repeat(32)],
    ['a timestamp in milliseconds as a float', '1767225600.5', 'ab'.repeat(32)],
    ['a short signature', '1767225600', 'ab'],
    ['a base64 signature', '1767225600', Buffer.alloc(32).toString('base64')],
  ])('refuses %s as missing', (_, timestamp, signature) => {
    expect(() => checkSignedHeaders({ timestamp, signature }, 1_767_225_600, 300)).toThrow(
      expect.objectContaining({ code: 'NEXUS_SIGNATURE_MISSING' }) as Error,
    );
  });

  it('refuses a signature of other bytes, another timestamp or another secret', () => {
    const body = Buffer.from('{"empNo":"E001"}');
    const good = Buffer.from(nexusSignature(SECRET, '100', body), 'hex');
    expect(() => checkSignature(SECRET, 100, good, body)).not.toThrow();
    for (const attempt of [
      () => checkSignature(SECRET, 100, good, Buffer.from('{"empNo":"E002"}')),
      () => checkSignature(SECRET, 101, good, body),
      () => checkSignature(`${SECRET}x`, 100, good, body),
    ]) {
      expect(attempt).toThrow(UnauthorizedError);
    }
  });
});

describe('the failed-signature hook of the app', () => {
  let server: Server;
  let baseUrl: string;
  const failures: string[] = [];
  let throttle = false;

  beforeAll(async () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused',
      JWT_SECRET: 'x'.repeat(32),
      NEXUS_SECRET: SECRET,
      LOG_LEVEL: 'silent',
    });
    const deps = {
      config,
      // A refused signature never reaches the database.
      db: {} as Db,
      logger: createLogger('test', 'silent'),
      metrics: new ApiMetrics(),
      throttles: {
        nexusSignatures: {
          count: (ip: string) => {
            failures.push(ip);
            return throttle
              ? Promise.reject(new RateLimitedError('too many failed signatures', 60))
              : Promise.resolve();
          },
        },
      },
    } as unknown as AppDeps;
    server = createApp(deps).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise((resolve) => server.close(resolve)));

  const post = (headers: Record<string, string>) =>
    fetch(`${baseUrl}/api-scrm/nexus/user/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: '{"empNo":"E001"}',
    });
  const now = () => String(Math.floor(Date.now() / 1000));

  it('is called with the client address on every refused signature, and its error is the answer', async () => {
    const missing = await post({});
    const stale = await post({ 'x-nexus-timestamp': '1000', 'x-nexus-signature': 'ab'.repeat(32) });
    const wrong = await post({ 'x-nexus-timestamp': now(), 'x-nexus-signature': 'ab'.repeat(32) });
    expect([missing.status, stale.status, wrong.status]).toEqual([401, 401, 401]);
    expect(failures).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    throttle = true;
    const throttled = await post({ 'x-nexus-timestamp': now(), 'x-nexus-signature': 'ab'.repeat(32) });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('60');
    expect(failures).toHaveLength(4);
  });
});
