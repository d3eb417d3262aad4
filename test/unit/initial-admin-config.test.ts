import { ConfigError, loadConfig } from '../../src/config';

const env = (overrides: Record<string, string>): NodeJS.ProcessEnv => ({
  DATABASE_URL: 'postgres://scrm:scrm@127.0.0.1:5432/scrm',
  JWT_SECRET: 'x'.repeat(32),
  ...overrides,
});

function messageOf(overrides: Record<string, string>): string {
  try {
    loadConfig(env(overrides));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected loadConfig to throw');
}

describe('INITIAL_ADMIN_* settings', () => {
  it('are optional, and read when both are set', () => {
    expect(loadConfig(env({})).INITIAL_ADMIN_USERNAME).toBeUndefined();
    const config = loadConfig(env({ INITIAL_ADMIN_USERNAME: 'admin', INITIAL_ADMIN_PASSWORD: 'Strong-pass-1' }));
    expect(config).toMatchObject({ INITIAL_ADMIN_USERNAME: 'admin', INITIAL_ADMIN_PASSWORD: 'Strong-pass-1' });
  });

  it('must be set both or neither', () => {
    expect(messageOf({ INITIAL_ADMIN_USERNAME: 'admin' })).toContain(
      'INITIAL_ADMIN_PASSWORD: required when INITIAL_ADMIN_USERNAME set',
    );
    expect(messageOf({ INITIAL_ADMIN_PASSWORD: 'Strong-pass-1' })).toContain(
      'INITIAL_ADMIN_USERNAME: required when INITIAL_ADMIN_PASSWORD set',
    );
  });

  it('hold the password to the policy and the username to its form, before anything starts', () => {
    expect(messageOf({ INITIAL_ADMIN_USERNAME: 'admin', INITIAL_ADMIN_PASSWORD: 'short1' })).toContain(
      'INITIAL_ADMIN_PASSWORD: must be 8 to 128 characters',
    );
    expect(messageOf({ INITIAL_ADMIN_USERNAME: 'admin', INITIAL_ADMIN_PASSWORD: 'admin-2026' })).toContain(
      'INITIAL_ADMIN_PASSWORD: must not contain INITIAL_ADMIN_USERNAME',
    );
    expect(messageOf({ INITIAL_ADMIN_USERNAME: 'admin', INITIAL_ADMIN_PASSWORD: 'lettersonly' })).toContain(
      'INITIAL_ADMIN_PASSWORD: must mix at least two of letters, digits and symbols',
    );
    expect(messageOf({ INITIAL_ADMIN_USERNAME: 'has space', INITIAL_ADMIN_PASSWORD: 'Strong-pass-1' })).toContain(
      'INITIAL_ADMIN_USERNAME',
    );
  });
});
