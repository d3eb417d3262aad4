import { ValidationError } from '../errors';

/** Longest username (sys_user.username is varchar(64)). */
export const USERNAME_MAX_LENGTH = 64;

/** Letters, digits and _ . @ - , starting with a letter or digit: safe in URLs, logs and tokens. */
export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.@-]*$';
const USERNAME_REGEX = new RegExp(USERNAME_PATTERN);

/** Why a username cannot be used, as checkUsername reports it. */
export type UsernameRefusal = 'taken' | 'invalidCharacters' | 'tooLong';

/** What is wrong with the form of a username (not whether it is taken), or undefined. */
export function usernameFormProblem(username: string): Exclude<UsernameRefusal, 'taken'> | undefined {
  if (username.length > USERNAME_MAX_LENGTH) return 'tooLong';
  if (!USERNAME_REGEX.test(username)) return 'invalidCharacters';
  return undefined;
}

/** Throws a 400 naming `username` when its form is wrong. */
export function requireUsernameForm(username: string): void {
  switch (usernameFormProblem(username)) {
    case 'tooLong':
      throw ValidationError.field('username', 'must be at most 64 characters', 'rule.usernameTooLong');
    case 'invalidCharacters':
      throw ValidationError.field(
        'username',
        'may contain only letters, digits and _ . @ - and must start with a letter or digit',
        'rule.usernameCharacters',
      );
    case undefined:
      return;
  }
}
