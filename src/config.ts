import { Type, type Static } from '@sinclair/typebox';
import Ajv from 'ajv';
import { brokenPasswordRule } from './domain/users/password-policy';
import { USERNAME_PATTERN } from './domain/users/usernames';

/**
 * Every setting the processes read, validated once at boot. Secrets have no default anywhere:
 * the start script generates development secrets into .data/secrets.env, and production must
 * set them explicitly.
 */
const ConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  DATABASE_URL: Type.String({ minLength: 1 }),
  TEMPORAL_ADDRESS: Type.String({ minLength: 1, default: '127.0.0.1:7233' }),
  TEMPORAL_NAMESPACE: Type.String({ minLength: 1, default: 'default' }),
  TEMPORAL_TASK_QUEUE: Type.String({ minLength: 1, default: 'scrm-main' }),
  API_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  API_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  JWT_SECRET: Type.String({ minLength: 32 }),
  JWT_TTL_SECONDS: Type.Integer({ minimum: 60, default: 7200 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** How often the API re-tries starting distributions that could not be started at intake. */
  DISPATCH_SWEEP_MS: Type.Integer({ minimum: 50, default: 2000 }),
  // Most clues this API process started that no worker has taken up yet (see unconsumed-starts).
  DISPATCH_MAX_UNCONSUMED: Type.Integer({ minimum: 1, default: 100 }),
  /** Default per-partner request budget per minute, when the partner row does not set one. */
  PARTNER_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 6000 }),
  /**
   * Admin login throttling (rate-limiter-flexible's login protection, counters in PostgreSQL):
   * this many wrong passwords in a row for one username from one address are answered, the next
   * attempt is refused 429 for LOGIN_BLOCK_SECONDS, each further block twice as long up to
   * LOGIN_MAX_BLOCK_SECONDS; failures are remembered LOGIN_FAIL_MEMORY_SECONDS unless a login succeeds.
   */
  LOGIN_MAX_CONSECUTIVE_FAILS: Type.Integer({ minimum: 1, default: 5 }),
  LOGIN_FAIL_MEMORY_SECONDS: Type.Integer({ minimum: 1, default: 90 * 24 * 3600 }),
  LOGIN_BLOCK_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  LOGIN_MAX_BLOCK_SECONDS: Type.Integer({ minimum: 1, default: 24 * 3600 }),
  /** Failed logins from one address across usernames per LOGIN_IP_WINDOW_SECONDS before it is refused for LOGIN_IP_BLOCK_SECONDS. */
  LOGIN_MAX_FAILS_PER_IP: Type.Integer({ minimum: 1, default: 100 }),
  LOGIN_IP_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 24 * 3600 }),
  LOGIN_IP_BLOCK_SECONDS: Type.Integer({ minimum: 1, default: 24 * 3600 }),
  /** Failed partner keys from one address per window before its failures are answered 429 (valid keys always pass). */
  PARTNER_KEY_MAX_FAILS_PER_IP: Type.Integer({ minimum: 1, default: 100 }),
  PARTNER_KEY_FAIL_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  PARTNER_KEY_BLOCK_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  /** Failed HR-system (Nexus) signatures from one address per window before its failures are answered 429. */
  NEXUS_SIGNATURE_MAX_FAILS_PER_IP: Type.Integer({ minimum: 1, default: 20 }),
  NEXUS_SIGNATURE_FAIL_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  NEXUS_SIGNATURE_BLOCK_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  /** Upper bound for a distribution's re-check when nothing else wakes it (policy edits do). */
  DISTRIBUTION_RECHECK_SECONDS: Type.Integer({ minimum: 1, default: 300 }),
  /** Seconds between transfer_result polls of an in-service transfer (callbacks wake it earlier). */
  TRANSFER_POLL_SECONDS: Type.Integer({ minimum: 1, default: 3600 }),
  PG_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  /** The worker's monitoring port (/metrics, /health/live, /health/ready); unset: none. */
  WORKER_METRICS_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  WORKER_METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  /**
   * Where the worker caches its workflow bundle, keyed by the hash of every file webpack read: a
   * restart with unchanged workflow sources skips webpack. Relative paths are read from the working directory.
   */
  WORKFLOW_BUNDLE_DIR: Type.String({ minLength: 1, default: '.data/workflow-bundles' }),
  /** Local port of the Temporal SDK's Prometheus exporter, whose series the worker's /metrics includes. */
  TEMPORAL_SDK_METRICS_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  /**
   * Browser origins allowed to call the API (the admin UI), comma-separated, e.g.
   * "https://scrm.example.com,http://localhost:5173". Empty: no CORS headers at all.
   */
  CORS_ORIGINS: Type.String({
    default: '',
    pattern: '^$|^https?://[^\\s,/]+(,\\s*https?://[^\\s,/]+)*$',
  }),
  /** Language of error messages when a request's Accept-Language prefers neither Chinese nor English. */
  API_DEFAULT_LOCALE: Type.Union([Type.Literal('en'), Type.Literal('zh')], { default: 'en' }),

  /** Directory of the local file store (uploaded avatars); relative paths are read from the working directory. */
  FILES_DIR: Type.String({ minLength: 1, default: '.data/files' }),
  /**
   * Origin (and path prefix) under which clients reach this API, e.g. "https://scrm.example.com/api": file
   * URLs the API hands out are absolute under it. Unset: they are paths such as /files/avatars/<name>.
   */
  FILES_PUBLIC_BASE_URL: Type.Optional(Type.String({ maxLength: 512, pattern: '^https?://[^\\s?#]+[^\\s?#/]$' })),
  /** Largest avatar image accepted by user.uploadAvatar, in bytes. */
  AVATAR_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 20 * 1024 * 1024, default: 2 * 1024 * 1024 }),

  /** WeCom server API root: the real one, or the local simulator's. */
  WECOM_API_BASE_URL: Type.String({ format: 'uri', default: 'https://qyapi.weixin.qq.com/cgi-bin/' }),
  /** WeChat server API root (mini-program tokens and URL schemes): the real one, or the local simulator's. */
  WECHAT_API_BASE_URL: Type.String({ format: 'uri', default: 'https://api.weixin.qq.com/' }),
  /** The corp this installation serves by default; all five are set together or not at all. */
  WECOM_CORP_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  WECOM_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  WECOM_AGENT_ID: Type.Optional(Type.Integer()),
  WECOM_CALLBACK_TOKEN: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  WECOM_ENCODING_AES_KEY: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{43}$' })),
  /** A callback whose signed timestamp is older (or newer) than this is a replay and is refused. */
  WECOM_CALLBACK_MAX_AGE_SECONDS: Type.Integer({ minimum: 10, default: 300 }),
  /** Cron of the nightly full sync, in WECOM_SYNC_TIME_ZONE. */
  WECOM_SYNC_CRON: Type.String({ minLength: 9, default: '30 2 * * *' }),
  WECOM_SYNC_TIME_ZONE: Type.String({ minLength: 1, default: 'Asia/Shanghai' }),
  /** Longest wait before retrying a WeCom call refused by a frequency limit (WeCom names the next minute). */
  WECOM_MAX_RETRY_DELAY_SECONDS: Type.Integer({ minimum: 1, default: 60 }),
  /** How often the worker looks for newly registered corps that still lack a nightly-sync schedule. */
  WECOM_SCHEDULE_CHECK_SECONDS: Type.Integer({ minimum: 1, default: 300 }),

  /**
   * Shared secret of the HR system ("Nexus"): it signs its sync calls with HMAC-SHA256. Unset: the
   * Nexus endpoints answer 503.
   */
  NEXUS_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** A signed Nexus call whose timestamp is older (or newer) than this is refused. */
  NEXUS_SIGNATURE_MAX_AGE_SECONDS: Type.Integer({ minimum: 10, default: 300 }),
  /** Nexus endpoint that verifies an HR user's token for single sign-on. Unset: SSO answers 503. */
  NEXUS_SSO_VERIFY_URL: Type.Optional(Type.String({ format: 'uri' })),
  /** How long SSO waits for that endpoint before answering 503. */
  NEXUS_SSO_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5000 }),
  /** Tests only: a customer merge waits for its releaseMerge signal after this many clues (0: never). */
  CLUE_MERGE_TEST_HOLD_STEPS: Type.Optional(Type.Integer({ minimum: 0 })),

  /**
   * The first super admin, created at API boot while the installation has no user at all (set
   * both or neither). The password is held to the password policy; change it after signing in.
   */
  INITIAL_ADMIN_USERNAME: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: USERNAME_PATTERN })),
  INITIAL_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
});

export type Config = Static<typeof ConfigSchema>;

/** The CORS_ORIGINS setting as a list. */
export function corsOrigins(config: Pick<Config, 'CORS_ORIGINS'>): string[] {
  return config.CORS_ORIGINS.split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}

const WECOM_CORP_KEYS = [
  'WECOM_CORP_ID',
  'WECOM_SECRET',
  'WECOM_AGENT_ID',
  'WECOM_CALLBACK_TOKEN',
  'WECOM_ENCODING_AES_KEY',
] as const;

const INITIAL_ADMIN_KEYS = ['INITIAL_ADMIN_USERNAME', 'INITIAL_ADMIN_PASSWORD'] as const;

const PASSWORD_RULE_TEXT = {
  length: 'must be 8 to 128 characters',
  containsUsername: 'must not contain INITIAL_ADMIN_USERNAME',
  tooFewKinds: 'must mix at least two of letters, digits and symbols',
} as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const INTEGER_KEYS = new Set(
  Object.entries(ConfigSchema.properties)
    .filter(([, schema]) => (schema as { type?: string }).type === 'integer')
    .map(([key]) => key),
);

/** Reads and validates configuration from an environment map; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    raw[key] = INTEGER_KEYS.has(key) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  const validate = ajv.compile<Config>(ConfigSchema);
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((e) => {
      const key = e.instancePath.replace(/^\//, '') || String(e.params['missingProperty'] ?? '');
      return `  ${key}: ${e.message ?? 'invalid'}`;
    });
    throw new ConfigError(`Invalid configuration (environment variables):\n${[...new Set(problems)].join('\n')}`);
  }
  const corpKeys = WECOM_CORP_KEYS.filter((key) => raw[key] !== undefined);
  if (corpKeys.length > 0 && corpKeys.length < WECOM_CORP_KEYS.length) {
    const missing = WECOM_CORP_KEYS.filter((key) => raw[key] === undefined);
    throw new ConfigError(
      `Invalid configuration (environment variables):\n  ${missing.join(', ')}: required when ${corpKeys.join(', ')} set`,
    );
  }
  const adminKeys = INITIAL_ADMIN_KEYS.filter((key) => raw[key] !== undefined);
  if (adminKeys.length === 1) {
    const missing = INITIAL_ADMIN_KEYS.filter((key) => raw[key] === undefined);
    throw new ConfigError(
      `Invalid configuration (environment variables):\n  ${missing.join(', ')}: required when ${adminKeys.join(', ')} set`,
    );
  }
  const adminPassword = raw['INITIAL_ADMIN_PASSWORD'];
  const adminUsername = raw['INITIAL_ADMIN_USERNAME'];
  if (typeof adminPassword === 'string' && typeof adminUsername === 'string') {
    const broken = brokenPasswordRule(adminPassword, adminUsername);
    if (broken) {
      throw new ConfigError(
        `Invalid configuration (environment variables):\n  INITIAL_ADMIN_PASSWORD: ${PASSWORD_RULE_TEXT[broken]}`,
      );
    }
  }
  return raw as Config;
}
