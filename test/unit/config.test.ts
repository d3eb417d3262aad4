import { ConfigError, loadConfig } from '../../src/config';

const SECRET = 'x'.repeat(32);
const minimalEnv = (overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  DATABASE_URL: 'postgres://scrm:scrm@127.0.0.1:5432/scrm',
  JWT_SECRET: SECRET,
  ...overrides,
});

/** The ConfigError thrown for `env` (fails the test if loadConfig succeeds). */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('fills defaults from a minimal environment', () => {
    const config = loadConfig(minimalEnv());
    expect(config).toEqual({
      NODE_ENV: 'development',
      DATABASE_URL: 'postgres://scrm:scrm@127.0.0.1:5432/scrm',
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'scrm-main',
      TRANSFER_POLL_SECONDS: 3600,
      API_HOST: '127.0.0.1',
      API_PORT: 8080,
      JWT_SECRET: SECRET,
      JWT_TTL_SECONDS: 7200,
      LOG_LEVEL: 'info',
      DISPATCH_SWEEP_MS: 2000,
      DISPATCH_MAX_UNCONSUMED: 100,
      PARTNER_RATE_LIMIT_PER_MINUTE: 6000,
      LOGIN_MAX_CONSECUTIVE_FAILS: 5,
      LOGIN_FAIL_MEMORY_SECONDS: 90 * 24 * 3600,
      LOGIN_BLOCK_SECONDS: 900,
      LOGIN_MAX_BLOCK_SECONDS: 24 * 3600,
      LOGIN_MAX_FAILS_PER_IP: 100,
      LOGIN_IP_WINDOW_SECONDS: 24 * 3600,
      LOGIN_IP_BLOCK_SECONDS: 24 * 3600,
      PARTNER_KEY_MAX_FAILS_PER_IP: 100,
      PARTNER_KEY_FAIL_WINDOW_SECONDS: 3600,
      PARTNER_KEY_BLOCK_SECONDS: 3600,
      NEXUS_SIGNATURE_MAX_FAILS_PER_IP: 20,
      NEXUS_SIGNATURE_FAIL_WINDOW_SECONDS: 3600,
      NEXUS_SIGNATURE_BLOCK_SECONDS: 3600,
      DISTRIBUTION_RECHECK_SECONDS: 300,
      PG_POOL_MAX: 10,
      CORS_ORIGINS: '',
      API_DEFAULT_LOCALE: 'en',
      FILES_DIR: '.data/files',
      AVATAR_MAX_BYTES: 2 * 1024 * 1024,
      WECOM_API_BASE_URL: 'https://qyapi.weixin.qq.com/cgi-bin/',
      WECHAT_API_BASE_URL: 'https://api.weixin.qq.com/',
      WECOM_CALLBACK_MAX_AGE_SECONDS: 300,
      WECOM_SYNC_CRON: '30 2 * * *',
      WECOM_SYNC_TIME_ZONE: 'Asia/Shanghai',
      WORKER_METRICS_HOST: '127.0.0.1',
      WORKFLOW_BUNDLE_DIR: '.data/workflow-bundles',
      WECOM_MAX_RETRY_DELAY_SECONDS: 60,
      WECOM_SCHEDULE_CHECK_SECONDS: 300,
      NEXUS_SIGNATURE_MAX_AGE_SECONDS: 300,
      NEXUS_SSO_TIMEOUT_MS: 5000,
    });
    expect(typeof config.API_PORT).toBe('number');
  });

  it('takes a public base URL for files without a trailing slash, query or fragment', () => {
    expect(
      loadConfig(minimalEnv({ FILES_PUBLIC_BASE_URL: 'https://scrm.example.com/api' })).FILES_PUBLIC_BASE_URL,
    ).toBe('https://scrm.example.com/api');
    for (const bad of ['https://scrm.example.com/', 'scrm.example.com', 'https://scrm.example.com/?a=1']) {
      expect(configError(minimalEnv({ FILES_PUBLIC_BASE_URL: bad })).message).toContain('FILES_PUBLIC_BASE_URL');
    }
  });

  it('converts integer variables from strings to numbers', () => {
    const config = loadConfig(
      minimalEnv({
        API_PORT: '3000',
        PG_POOL_MAX: '25',
        NODE_ENV: 'production',
      }),
    );
    expect(config.API_PORT).toBe(3000);
    expect(config.PG_POOL_MAX).toBe(25);
    expect(config.NODE_ENV).toBe('production');
  });

  it('treats empty strings as unset (defaults apply)', () => {
    expect(loadConfig(minimalEnv({ API_PORT: '', LOG_LEVEL: '' }))).toMatchObject({
      API_PORT: 8080,
      LOG_LEVEL: 'info',
    });
  });

  it('ignores unrelated environment variables', () => {
    const config = loadConfig(minimalEnv({ HOME: '/root', PATH: '/usr/bin' }));
    expect(config).not.toHaveProperty('HOME');
    expect(config).not.toHaveProperty('PATH');
  });

  it('throws ConfigError naming JWT_SECRET when it is missing', () => {
    const error = configError(minimalEnv({ JWT_SECRET: undefined }));
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain('JWT_SECRET');
  });

  it('throws ConfigError naming JWT_SECRET when it is shorter than 32 characters', () => {
    const error = configError(minimalEnv({ JWT_SECRET: 'x'.repeat(31) }));
    expect(error.message).toContain('JWT_SECRET');
    expect(error.message).not.toContain(SECRET.slice(0, 31)); // the secret itself is not echoed
  });

  it('throws naming DATABASE_URL when it is missing', () => {
    expect(configError(minimalEnv({ DATABASE_URL: undefined })).message).toContain('DATABASE_URL');
  });

  it.each(['abc', '80.5', '70000', '-1'])('throws naming API_PORT for %p', (port) => {
    const error = configError(minimalEnv({ API_PORT: port }));
    expect(error.message).toContain('API_PORT');
    expect(error.message).not.toContain('JWT_SECRET');
  });

  it('rejects an unknown NODE_ENV or LOG_LEVEL', () => {
    expect(configError(minimalEnv({ NODE_ENV: 'staging' })).message).toContain('NODE_ENV');
    expect(configError(minimalEnv({ LOG_LEVEL: 'verbose' })).message).toContain('LOG_LEVEL');
  });

  it('names every bad variable in one error', () => {
    const error = configError({ API_PORT: 'abc', JWT_SECRET: 'short' });
    for (const key of ['API_PORT', 'JWT_SECRET', 'DATABASE_URL']) expect(error.message).toContain(key);
  });

  it('requires the WeCom corp settings together', () => {
    const error = configError(minimalEnv({ WECOM_CORP_ID: 'ww1', WECOM_SECRET: 's' }));
    expect(error.message).toContain('WECOM_AGENT_ID, WECOM_CALLBACK_TOKEN, WECOM_ENCODING_AES_KEY: required');
  });

  it('accepts a complete WeCom corp and checks the EncodingAESKey shape', () => {
    const corp = {
      WECOM_CORP_ID: 'ww1',
      WECOM_SECRET: 's',
      WECOM_AGENT_ID: '1000002',
      WECOM_CALLBACK_TOKEN: 't',
      WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
    };
    expect(loadConfig(minimalEnv(corp)).WECOM_AGENT_ID).toBe(1000002);
    expect(configError(minimalEnv({ ...corp, WECOM_ENCODING_AES_KEY: 'short' })).message).toContain(
      'WECOM_ENCODING_AES_KEY',
    );
  });
});
