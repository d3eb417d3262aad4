import { formatMessage, localeOf } from '../../src/api/messages';

describe('localeOf (Accept-Language)', () => {
  it.each([
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
    ['zh-TW', 'zh'],
    ['en-US,en;q=0.9,zh-CN;q=0.8', 'en'],
    ['en;q=0.5,zh;q=0.6', 'zh'],
    ['fr-FR,de;q=0.9', 'en'],
    ['zh;q=0', 'en'],
    ['*', 'en'],
  ])('reads %p as %p with an English fallback', (header, locale) => {
    expect(localeOf(header, 'en')).toBe(locale);
  });

  it('falls back to the configured language without a header or without zh/en in it', () => {
    expect(localeOf(undefined, 'zh')).toBe('zh');
    expect(localeOf('fr', 'zh')).toBe('zh');
    expect(localeOf('en', 'zh')).toBe('en');
  });
});

describe('formatMessage', () => {
  it('fills parameters in either language', () => {
    expect(formatMessage('field.maxLength', { limit: 64 }, 'en')).toBe('must be at most 64 characters');
    expect(formatMessage('field.maxLength', { limit: 64 }, 'zh')).toBe('最多 64 个字符');
  });

  it('leaves an unknown placeholder visible rather than inventing a value', () => {
    expect(formatMessage('field.maxLength', {}, 'en')).toBe('must be at most {limit} characters');
  });
});
