import { createHash } from 'node:crypto';
import { generatePartnerKey, parsePartnerKey, secretMatches } from '../../src/domain/partners/partner-keys';

const KEY_FORMAT = /^pk_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/;
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const validKey = (keyId = 'abcdef0123456789', secret = 'A'.repeat(43)) => `pk_${keyId}_${secret}`;

describe('generatePartnerKey', () => {
  it('produces pk_<16 lowercase hex>_<43 base64url chars>', () => {
    const key = generatePartnerKey();
    expect(key.plaintext).toMatch(KEY_FORMAT);
    expect(key.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(key.plaintext.startsWith(`pk_${key.keyId}_`)).toBe(true);
  });

  it('stores the SHA-256 of the secret part (32 bytes), not the secret itself', () => {
    const key = generatePartnerKey();
    const secret = key.plaintext.slice(`pk_${key.keyId}_`.length);
    expect(key.secretSha256).toHaveLength(32);
    expect(key.secretSha256.equals(sha256(secret))).toBe(true);
    expect(key.secretSha256.toString('utf8')).not.toContain(secret);
  });

  it('generates distinct keys', () => {
    const keys = Array.from({ length: 50 }, () => generatePartnerKey());
    expect(new Set(keys.map((k) => k.plaintext)).size).toBe(50);
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(50);
  });
});

describe('parsePartnerKey', () => {
  it('round-trips a generated key', () => {
    const key = generatePartnerKey();
    const parsed = parsePartnerKey(key.plaintext);
    expect(parsed).not.toBeNull();
    expect(parsed?.keyId).toBe(key.keyId);
    expect(secretMatches(parsed?.secret ?? '', key.secretSha256)).toBe(true);
  });

  it('splits a well-formed key (secret may contain "_" and "-")', () => {
    const secret = `ab_-${'x'.repeat(39)}`;
    expect(parsePartnerKey(validKey('0123456789abcdef', secret))).toEqual({
      keyId: '0123456789abcdef',
      secret,
    });
  });

  it.each([
    ['empty', ''],
    ['wrong prefix', validKey().replace(/^pk_/, 'sk_')],
    ['no prefix', validKey().slice(3)],
    ['short key id', validKey('abcdef012345678')],
    ['long key id', validKey('abcdef01234567890')],
    ['uppercase key id', validKey('ABCDEF0123456789')],
    ['short secret', validKey(undefined, 'A'.repeat(42))],
    ['long secret', validKey(undefined, 'A'.repeat(44))],
    ['base64 (not url) characters', validKey(undefined, `${'A'.repeat(41)}+/`)],
    ['padding', validKey(undefined, `${'A'.repeat(42)}=`)],
    ['surrounding whitespace', ` ${validKey()} `],
    ['missing separator', `pk_abcdef0123456789${'A'.repeat(43)}`],
  ])('rejects %s', (_label, key) => {
    expect(parsePartnerKey(key)).toBeNull();
  });
});

describe('secretMatches', () => {
  const secret = 'Zm9vYmFyLXNlY3JldC12YWx1ZS1mb3ItdGVzdGluZy0';

  it('is true for the right secret', () => {
    expect(secretMatches(secret, sha256(secret))).toBe(true);
  });

  it('is false for a wrong secret', () => {
    expect(secretMatches(`${secret.slice(0, -1)}X`, sha256(secret))).toBe(false);
    expect(secretMatches('', sha256(secret))).toBe(false);
  });

  it('is false (without throwing) for a stored digest of another length', () => {
    expect(secretMatches(secret, sha256(secret).subarray(0, 16))).toBe(false);
    expect(secretMatches(secret, Buffer.alloc(0))).toBe(false);
    expect(secretMatches(secret, Buffer.concat([sha256(secret), Buffer.from([0])]))).toBe(false);
  });
});
