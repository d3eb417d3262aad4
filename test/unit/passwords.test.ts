import { hashPassword, verifyPassword } from '../../src/domain/passwords';

// scrypt at N=2^15 takes ~50-100 ms per call; allow headroom on slow CI machines.
jest.setTimeout(30_000);

describe('hashPassword / verifyPassword', () => {
  const password = 'correct horse battery staple';
  let stored: string;

  beforeAll(async () => {
    stored = await hashPassword(password);
  });

  it('produces a self-describing scrypt$N$r$p$salt$key string', () => {
    const parts = stored.split('$');
    expect(parts).toHaveLength(6);
    expect(parts.slice(0, 4)).toEqual(['scrypt', String(1 << 15), '8', '1']);
    expect(Buffer.from(parts[4] ?? '', 'base64url')).toHaveLength(16);
    expect(Buffer.from(parts[5] ?? '', 'base64url')).toHaveLength(32);
    expect(stored).not.toContain(password);
  });

  it('verifies the right password', async () => {
    await expect(verifyPassword(password, stored)).resolves.toBe(true);
  });

  it('rejects a wrong password', async () => {
    await expect(verifyPassword('correct horse battery stapl', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('salts: two hashes of the same password differ but both verify', async () => {
    const again = await hashPassword(password);
    expect(again).not.toBe(stored);
    await expect(verifyPassword(password, again)).resolves.toBe(true);
  });

  it('normalises to NFKC, so composed and decomposed forms match', async () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    const hash = await hashPassword(composed);
    await expect(verifyPassword(decomposed, hash)).resolves.toBe(true);
  });

  it.each([
    ['empty string', ''],
    ['plain text', 'not-a-hash'],
    ['wrong algorithm', 'bcrypt$32768$8$1$c2FsdA$a2V5'],
    ['too few parts', 'scrypt$32768$8$1$c2FsdA'],
    ['too many parts', 'scrypt$32768$8$1$c2FsdA$a2V5$extra'],
  ])('returns false for a malformed stored hash (%s)', async (_label, bad) => {
    await expect(verifyPassword(password, bad)).resolves.toBe(false);
  });

  it('returns false when the stored key has been truncated', async () => {
    const truncated = stored.slice(0, -4);
    await expect(verifyPassword(password, truncated)).resolves.toBe(false);
  });

  it('returns false when the stored key has been altered', async () => {
    const parts = stored.split('$');
    const key = Buffer.from(parts[5] ?? '', 'base64url');
    key[0] = (key[0] ?? 0) ^ 0xff;
    parts[5] = key.toString('base64url');
    await expect(verifyPassword(password, parts.join('$'))).resolves.toBe(false);
  });
});
