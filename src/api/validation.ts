import { Type, type TSchema, type Static } from '@sinclair/typebox';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ValidationError, type FieldProblem } from '../domain/errors';
import { normalizeChinaPhone } from '../domain/phone';

/**
 * One ajv instance for every request schema. Schemas are TypeBox objects, so the same value is
 * the TypeScript type (Static<>), the runtime validator and the OpenAPI entry.
 */
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, removeAdditional: true, useDefaults: true });
addFormats(ajv, ['email', 'date-time', 'date', 'uri']);

ajv.addFormat('cn-phone', { type: 'string', validate: (value: string) => normalizeChinaPhone(value) !== null });
ajv.addFormat('http-url', {
  type: 'string',
  validate: (value: string) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  },
});
ajv.addFormat('hh-mm-range', {
  type: 'string',
  validate: (value: string) => /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?-([01]\d|2[0-4]):[0-5]\d(:[0-5]\d)?$/.test(value),
});
const BIGINT_MAX = 9223372036854775807n;
// Ids are PostgreSQL bigints: a longer or larger number would make the query itself fail.
ajv.addFormat('bigint-id', {
  type: 'string',
  validate: (value: string) => /^[0-9]{1,19}$/.test(value) && BigInt(value) <= BIGINT_MAX,
});
ajv.addFormat('iana-zone', {
  type: 'string',
  validate: (value: string) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  },
});

const FORMAT_MESSAGES: Record<string, string> = {
  'cn-phone':
    'must be a phone number used in China: a mobile like 13812345678 (optionally +86) or a landline like 010-12345678',
  'http-url': 'must be an http(s) URL',
  'hh-mm-range': 'must be a time range like 09:00-18:00',
  'iana-zone': 'must be an IANA time zone such as Asia/Shanghai',
  email: 'must be an email address',
  'date-time': 'must be an ISO 8601 date-time',
  date: 'must be a date YYYY-MM-DD',
};

// Per-property override of the error message, for rules a keyword alone explains badly (patterns).
ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });

/** Required text: at least one non-space character. */
export function RequiredText(maxLength: number, description?: string) {
  return Type.String({ minLength: 1, maxLength, pattern: '\\S', description });
}

/** Optional text: absent, empty or up to maxLength characters. */
export function OptionalText(maxLength: number, description?: string) {
  return Type.Optional(Type.String({ maxLength, description }));
}

/** A string restricted to fixed values, typed as their union (clean "must be one of" errors). */
export function StringEnum<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], description });
}

/** Query/path integer ids arrive as strings; this accepts only digits. */
export const IdString = Type.String({
  pattern: '^[1-9][0-9]{0,18}$',
  format: 'bigint-id',
  'x-message': 'must be a positive integer id',
});

function fieldName(error: ErrorObject): string {
  const base = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '');
  if (error.keyword === 'required') {
    const missing = String(error.params['missingProperty']);
    return base ? `${base}.${missing}` : missing;
  }
  return base || '(body)';
}

function messageFor(error: ErrorObject): string {
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  if (error.keyword !== 'required' && typeof parent?.['x-message'] === 'string') return parent['x-message'];
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'type':
      return `must be ${String(p['type'])}`;
    case 'minLength':
      return p['limit'] === 1 ? 'must not be empty' : `must be at least ${String(p['limit'])} characters`;
    case 'maxLength':
      return `must be at most ${String(p['limit'])} characters`;
    case 'pattern':
      return parent?.['pattern'] === '\\S' ? 'must not be blank' : 'has an invalid format';
    case 'format':
      return FORMAT_MESSAGES[String(p['format'])] ?? `must be a valid ${String(p['format'])}`;
    case 'enum':
      return `must be one of: ${(p['allowedValues'] as unknown[]).map(String).join(', ')}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(p['comparison'])} ${String(p['limit'])}`;
    case 'minItems':
      return `must have at least ${String(p['limit'])} item(s)`;
    case 'maxItems':
      return `must have at most ${String(p['limit'])} item(s)`;
    case 'uniqueItems':
      return 'must not contain duplicates';
    default:
      return error.message ?? 'is invalid';
  }
}

export function toFieldProblems(errors: ErrorObject[] | null | undefined): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const error of errors ?? []) {
    const field = fieldName(error);
    if (seen.has(field)) continue;
    seen.add(field);
    problems.push({ field, message: messageFor(error) });
  }
  return problems;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text PostgreSQL cannot store: U+0000, and lone UTF-16 surrogates (JSON allows the escape, but it
 * is not Unicode text). Such a string would fail in the database as a 500; it is refused here like
 * any other bad field. Fields are named as ajv names them.
 */
function unstorableTextProblems(value: unknown, path: string, problems: FieldProblem[]): FieldProblem[] {
  if (typeof value === 'string') {
    const field = path || '(body)';
    if (value.includes('\u0000')) problems.push({ field, message: 'must not contain NUL characters' });
    else if (LONE_SURROGATE.test(value)) problems.push({ field, message: 'must be valid Unicode text' });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => unstorableTextProblems(item, `${path}[${i}]`, problems));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value))
      unstorableTextProblems(item, path ? `${path}.${key}` : key, problems);
  }
  return problems;
}

const cache = new WeakMap<TSchema, ValidateFunction>();

/** Validates (and strips unknown properties from) `value`; throws ValidationError naming each bad field. */
export function validate<S extends TSchema>(schema: S, value: unknown): Static<S> {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  if (!fn(value)) throw new ValidationError(toFieldProblems(fn.errors));
  const textProblems = unstorableTextProblems(value, '', []);
  if (textProblems.length > 0) throw new ValidationError(textProblems);
  return value as Static<S>;
}
