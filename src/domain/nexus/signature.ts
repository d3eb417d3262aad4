import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../../db/knex';
import { recordSignatureOnce } from '../../db/queries/nexus';
import { UnauthorizedError } from '../errors';

/**
 * How the HR system ("Nexus") signs its calls: HMAC-SHA256 with the shared secret over
 * `<timestamp>\n<raw body bytes>`, sent as lowercase hex in X-Nexus-Signature, with the Unix
 * timestamp in seconds in X-Nexus-Timestamp.
 */
export const NEXUS_TIMESTAMP_HEADER = 'x-nexus-timestamp';
export const NEXUS_SIGNATURE_HEADER = 'x-nexus-signature';

export function nexusSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n`).update(body).digest('hex');
}

const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^[0-9a-fA-F]{64}$/;

/** The headers of a signed call, well-formed, and inside the window around `nowSeconds`; 401 otherwise. */
export function checkSignedHeaders(
  headers: { timestamp: string; signature: string },
  nowSeconds: number,
  maxAgeSeconds: number,
): { timestamp: number; signature: Buffer } {
  if (!TIMESTAMP.test(headers.timestamp) || !SIGNATURE.test(headers.signature)) {
    throw new UnauthorizedError(
      'X-Nexus-Timestamp (Unix seconds) and X-Nexus-Signature (hex HMAC-SHA256) are required',
      'NEXUS_SIGNATURE_MISSING',
    );
  }
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSeconds - timestamp) > maxAgeSeconds) {
    throw new UnauthorizedError('X-Nexus-Timestamp is outside the allowed window', 'NEXUS_TIMESTAMP_STALE');
  }
  return { timestamp, signature: Buffer.from(headers.signature, 'hex') };
}

/** Compares in constant time; a mismatch is a 401. */
export function checkSignature(secret: string, timestamp: number, signature: Buffer, body: Buffer): void {
  const expected = Buffer.from(nexusSignature(secret, String(timestamp), body), 'hex');
  if (!timingSafeEqual(expected, signature)) {
    throw new UnauthorizedError('X-Nexus-Signature does not match the body', 'NEXUS_SIGNATURE_MISMATCH');
  }
}

/**
 * Accepts a verified signature once: it is remembered in PostgreSQL until its timestamp leaves the
 * window (after that the window refuses it anyway), so a replay is refused by every API process.
 */
export async function acceptSignatureOnce(
  db: Executor,
  timestamp: number,
  signature: Buffer,
  maxAgeSeconds: number,
): Promise<void> {
  const first = await recordSignatureOnce(db, signature, new Date((timestamp + maxAgeSeconds) * 1000));
  if (!first) throw new UnauthorizedError('this signed request was already received', 'NEXUS_REPLAYED');
}
