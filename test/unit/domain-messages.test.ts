import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DOMAIN_MESSAGES_ZH } from '../../src/api/domain-messages';
import type { CallbackCryptoErrorCode } from '../../src/wecom/callback-crypto';

const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return name === 'simulator' ? [] : sourceFiles(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

/** The UPPER_SNAKE codes domain errors are raised with anywhere in the source, with the argument text of each raise. */
function raisesInSource(): Map<string, string[]> {
  const codes = new Map<string, string[]>();
  const raise = /new (?:NotFound|Conflict|Unauthorized|Forbidden|Unavailable|RateLimited)Error\(/g;
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(raise)) {
      // The arguments of this call: up to the parenthesis that closes it.
      let depth = 1;
      let i = (match.index ?? 0) + match[0].length;
      const start = i;
      while (i < text.length && depth > 0) {
        if (text[i] === '(') depth++;
        if (text[i] === ')') depth--;
        i++;
      }
      const args = text.slice(start, i);
      for (const code of args.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)) {
        codes.set(code[1]!, [...(codes.get(code[1]!) ?? []), args]);
      }
    }
  }
  return codes;
}

describe('Chinese messages of domain errors', () => {
  it('cover every error code the source raises', () => {
    const codes = new Set(raisesInSource().keys());
    expect(codes.size).toBeGreaterThan(30);
    expect([...codes].filter((code) => !DOMAIN_MESSAGES_ZH[code]).sort()).toEqual([]);
  });

  it('cover the callback crypto codes, which are raised as WECOM_<code>', () => {
    const cryptoCodes: CallbackCryptoErrorCode[] = [
      'INVALID_AES_KEY',
      'SIGNATURE_MISMATCH',
      'RECEIVE_ID_MISMATCH',
      'DECRYPT_FAILED',
      'ENCRYPT_FAILED',
    ];
    expect(cryptoCodes.filter((code) => !DOMAIN_MESSAGES_ZH[`WECOM_${code}`])).toEqual([]);
  });

  it('use {id}, {message} or a param that every raise of the code passes', () => {
    const raises = raisesInSource();
    const unfilled: string[] = [];
    for (const [code, text] of Object.entries(DOMAIN_MESSAGES_ZH)) {
      for (const [, name] of text.matchAll(/\{(\w+)\}/g)) {
        if (name === 'id' || name === 'message') continue;
        const calls = raises.get(code) ?? [];
        if (calls.length === 0 || calls.some((args) => !new RegExp(`\\b${name}\\b\\s*[:,}]`).test(args))) {
          unfilled.push(`${code}: {${name}}`);
        }
      }
    }
    expect(unfilled).toEqual([]);
  });
});
