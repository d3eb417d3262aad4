import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Partner secret keys look like `pk_<keyId>_<secret>`. The key id is public and finds the row;
 * only SHA-256 of the secret is stored. A fast hash is right here (unlike passwords): the secret
 * is 256 random bits, so there is nothing to brute-force, and intake must stay fast.
 */
export interface GeneratedKey {
  keyId: string;
  secretSha256: Buffer;
  /** The full key to hand to the partner once; it cannot be recovered later. */
  plaintext: string;
}

const KEY_PATTERN = /^pk_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export function generatePartnerKey(): GeneratedKey {
  const keyId = randomBytes(10).toString('hex').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secretSha256: sha256(secret), plaintext: `pk_${keyId}_${secret}` };
}

export function parsePartnerKey(key: string): { keyId: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key);
  return match ? { keyId: match[1] as string, secret: match[2] as string } : null;
}

/** Constant-time comparison of a presented secret with the stored digest. */
export function secretMatches(secret: string, storedSha256: Buffer): boolean {
  const digest = sha256(secret);
  return digest.length === storedSha256.length && timingSafeEqual(digest, storedSha256);
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
