import { randomInt } from 'node:crypto';
import { request } from 'node:http';
import type { ApiResponse } from './http';

// A random 127.a.b.0/24 per test file, so reruns against the same database start from fresh counters too.
const loopbackNet = `127.${randomInt(1, 255)}.${randomInt(0, 256)}`;
let nextLoopback = 0;

/**
 * A loopback address not used before by this test file (Linux answers the whole 127/8), so the
 * per-address counters of one test start from nothing and never touch 127.0.0.1's.
 */
export function loopbackAddress(): string {
  nextLoopback += 1;
  if (nextLoopback > 254) throw new Error('out of loopback addresses for this file');
  return `${loopbackNet}.${nextLoopback}`;
}

/** Like `call`, but the request leaves from `localAddress`, which the API sees as the client's address. */
export async function callFrom<T = unknown>(
  localAddress: string,
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const url = new URL(path, baseUrl);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          try {
            resolve({
              status: res.statusCode ?? 0,
              headers: responseHeaders,
              body: JSON.parse(text) as ApiResponse<T>['body'],
            });
          } catch {
            reject(
              new Error(`non-JSON response ${String(res.statusCode)} from ${method} ${path}: ${text.slice(0, 200)}`),
            );
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
