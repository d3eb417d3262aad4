import { randomInt } from 'node:crypto';
import { ValidationError } from '../errors';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** Which rule of the policy a password breaks. */
export type PasswordRule = 'length' | 'containsUsername' | 'tooFewKinds';

/** Letters (any script), digits, and everything else that is not a space counts as a symbol. */
function kindsOf(password: string): number {
  let letters = 0;
  let digits = 0;
  let symbols = 0;
  for (const char of password) {
    if (/\p{L}/u.test(char)) letters = 1;
    else if (/\p{Nd}/u.test(char)) digits = 1;
    else if (!/\s/u.test(char)) symbols = 1;
  }
  return letters + digits + symbols;
}

/**
 * The first rule `password` breaks, or undefined when it passes: 8 to 128 characters, not
 * containing the username (case-insensitively), and at least two of letters, digits and symbols.
 */
export function brokenPasswordRule(password: string, username: string): PasswordRule | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) return 'length';
  if (username.length > 0 && password.toLowerCase().includes(username.toLowerCase())) return 'containsUsername';
  if (kindsOf(password) < 2) return 'tooFewKinds';
  return undefined;
}

/** Throws a 400 naming `field` when the password breaks the policy. */
export function requirePasswordPolicy(field: string, password: string, username: string): void {
  switch (brokenPasswordRule(password, username)) {
    case 'length':
      throw ValidationError.field(field, 'must be 8 to 128 characters', 'rule.passwordLength');
    case 'containsUsername':
      throw ValidationError.field(field, 'must not contain the username', 'rule.passwordContainsUsername');
    case 'tooFewKinds':
      throw ValidationError.field(
        field,
        'must mix at least two of letters, digits and symbols',
        'rule.passwordTooSimple',
      );
    case undefined:
      return;
  }
}

// No 0/O, 1/l/I: a one-time password is read off a screen and typed by hand.
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
const ALPHABET = LETTERS + DIGITS;

/** A random password of `length` that passes the policy for `username` (letters and digits, both present). */
export function generatePassword(username: string, length = 14): string {
  for (;;) {
    const chars = Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)] as string);
    const password = chars.join('');
    if (/[0-9]/.test(password) && /[A-Za-z]/.test(password) && !brokenPasswordRule(password, username)) {
      return password;
    }
  }
}
