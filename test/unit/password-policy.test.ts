import { brokenPasswordRule, generatePassword, requirePasswordPolicy } from '../../src/domain/users/password-policy';
import { ValidationError } from '../../src/domain/errors';
import { usernameFormProblem } from '../../src/domain/users/usernames';

describe('password policy', () => {
  it.each([
    ['abc12', 'length'],
    ['abcdefg1'.padEnd(129, 'x'), 'length'],
    ['Zhangsan2026', 'containsUsername'],
    ['xxZHANGSANxx1', 'containsUsername'],
    ['abcdefghij', 'tooFewKinds'],
    ['12345678901', 'tooFewKinds'],
    ['!@#$%^&*()', 'tooFewKinds'],
    ['密码密码密码密码', 'tooFewKinds'],
  ])('refuses %p (%s)', (password, rule) => {
    expect(brokenPasswordRule(password, 'zhangsan')).toBe(rule);
  });

  it.each(['abcdefg1', 'abcdefg!', '12345678!', '密码密码密码密码1', 'correct horse battery 9', 'a1'.repeat(64)])(
    'accepts %p',
    (password) => {
      expect(brokenPasswordRule(password, 'zhangsan')).toBeUndefined();
    },
  );

  it('counts characters, not UTF-16 units, for the length', () => {
    // Seven emoji are 14 UTF-16 units but 7 characters: too short.
    expect(brokenPasswordRule('😀😀😀😀😀😀1', 'u')).toBe('length');
    expect(brokenPasswordRule('😀😀😀😀😀😀😀1', 'u')).toBeUndefined();
  });

  it('names the field and the catalogue entry of the broken rule', () => {
    let caught: unknown;
    try {
      requirePasswordPolicy('newPassword', 'zhangsan123', 'zhangsan');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).problems).toEqual([
      { field: 'newPassword', message: 'must not contain the username', messageKey: 'rule.passwordContainsUsername' },
    ]);
    expect(() => requirePasswordPolicy('password', 'Good-pass-1', 'zhangsan')).not.toThrow();
  });

  it('generates passwords that pass the policy, with letters and digits, unambiguous characters only', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const password = generatePassword('ab');
      expect(password).toHaveLength(14);
      expect(password).toMatch(/^[A-HJ-NP-Za-km-z2-9]+$/);
      expect(password).toMatch(/[0-9]/);
      expect(password).toMatch(/[A-Za-z]/);
      expect(brokenPasswordRule(password, 'ab')).toBeUndefined();
      seen.add(password);
    }
    expect(seen.size).toBe(200);
  });
});

describe('username form', () => {
  it.each([
    ['admin', undefined],
    ['zhang.san@corp-1', undefined],
    ['a'.repeat(64), undefined],
    ['a'.repeat(65), 'tooLong'],
    ['张三', 'invalidCharacters'],
    ['has space', 'invalidCharacters'],
    ['_leading', 'invalidCharacters'],
    ['', 'invalidCharacters'],
  ])('%p → %p', (username, problem) => {
    expect(usernameFormProblem(username)).toBe(problem);
  });
});
