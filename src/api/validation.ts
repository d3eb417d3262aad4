import { Type, type TSchema, type Static } from '@sinclair/typebox';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { ValidationError, type FieldProblem } from '../domain/errors';
import { formatMessage, hasMessage, type MessageKey } from './messages';
import { parseDateTime, STRING_FORMATS } from './schema-formats';

/**
 * How a schema treats fields it does not declare: `refuse` answers 400 naming them (admin API:
 * a typo must not silently widen a filter or drop an edit), `ignore` strips them (the partner
 * API, whose callers send extras of their own).
 */
export type UnknownFields = 'refuse' | 'ignore';

function createAjv(unknownFields: UnknownFields, fromText: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    verbose: true,
    useDefaults: true,
    removeAdditional: unknownFields === 'ignore' ? 'all' : false,
    // A query string or path carries only text: "20" must be able to fill an integer there (never in a JSON body).
    coerceTypes: fromText,
  });
  for (const [name, format] of Object.entries(STRING_FORMATS)) {
    ajv.addFormat(name, { type: 'string', validate: format.validate });
  }
  // Per-property override of the error message (a catalogue key), for rules a keyword alone explains badly.
  ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
  // Date-times are handed to handlers in UTC, whatever offset the client wrote (see input-schema.ts).
  ajv.addKeyword({
    keyword: 'x-utc',
    modifying: true,
    errors: false,
    validate: (
      _on: unknown,
      data: unknown,
      _schema?: unknown,
      cxt?: { parentData: unknown; parentDataProperty: string | number },
    ) => {
      const instant = typeof data === 'string' ? parseDateTime(data) : null;
      if (instant && cxt?.parentData !== undefined) {
        (cxt.parentData as Record<string | number, unknown>)[cxt.parentDataProperty] = instant.toISOString();
      }
      return true;
    },
  });
  return ajv;
}

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
  maxLength: 19,
  format: 'bigint-id',
  'x-message': 'field.positiveId',
});

/**
 * An id in a body, as the seed operations write it (a JSON integer) or as this API returns ids
 * (a digit string, exact beyond 2^53); handlers get the digit string through idText.
 */
export const IdValue = Type.Union([IdString, Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })]);

/** The digit-string form of an IdValue. */
export const idText = (id: string | number): string => String(id);

function fieldName(error: ErrorObject): string {
  const base = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '');
  const child =
    error.keyword === 'required'
      ? String(error.params['missingProperty'])
      : error.keyword === 'additionalProperties'
        ? String(error.params['additionalProperty'])
        : undefined;
  if (child === undefined) return base || '(body)';
  return base ? `${base}.${child}` : child;
}

function problemKey(error: ErrorObject): { key: MessageKey; params?: Record<string, string | number> } {
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  const override = parent?.['x-message'];
  if (error.keyword !== 'required' && error.keyword !== 'additionalProperties' && typeof override === 'string') {
    if (hasMessage(override)) return { key: override };
  }
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { key: 'field.required' };
    case 'additionalProperties':
      return { key: 'field.unknown' };
    case 'type':
      return { key: 'field.type', params: { type: String(p['type']) } };
    case 'minLength':
      return p['limit'] === 1
        ? { key: 'field.notEmpty' }
        : { key: 'field.minLength', params: { limit: Number(p['limit']) } };
    case 'maxLength':
      return { key: 'field.maxLength', params: { limit: Number(p['limit']) } };
    case 'pattern':
      return { key: parent?.['pattern'] === '\\S' ? 'field.notBlank' : 'field.pattern' };
    case 'format': {
      const key = `format.${String(p['format'])}`;
      return hasMessage(key) ? { key } : { key: 'format.other', params: { format: String(p['format']) } };
    }
    case 'enum':
      return { key: 'field.enum', params: { values: (p['allowedValues'] as unknown[]).map(String).join(', ') } };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { key: 'field.compare', params: { comparison: String(p['comparison']), limit: Number(p['limit']) } };
    case 'minItems':
      return { key: 'field.minItems', params: { limit: Number(p['limit']) } };
    case 'maxItems':
      return { key: 'field.maxItems', params: { limit: Number(p['limit']) } };
    case 'uniqueItems':
      return { key: 'field.uniqueItems' };
    default:
      return { key: 'field.invalid' };
  }
}

function problem(field: string, key: MessageKey, params?: Record<string, string | number>): FieldProblem {
  return { field, message: formatMessage(key, params), messageKey: key, ...(params ? { params } : {}) };
}

export function toFieldProblems(errors: ErrorObject[] | null | undefined): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const error of errors ?? []) {
    const field = fieldName(error);
    if (seen.has(field)) continue;
    seen.add(field);
    const { key, params } = problemKey(error);
    problems.push(problem(field, key, params));
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
    if (value.includes('\u0000')) problems.push(problem(field, 'field.nul'));
    else if (LONE_SURROGATE.test(value)) problems.push(problem(field, 'field.unicode'));
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => unstorableTextProblems(item, `${path}[${i}]`, problems));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value))
      unstorableTextProblems(item, path ? `${path}.${key}` : key, problems);
  }
  return problems;
}

const validators = new Map<string, { ajv: Ajv; cache: WeakMap<TSchema, ValidateFunction> }>();
function validatorsFor(unknownFields: UnknownFields, fromText: boolean) {
  const key = `${unknownFields}:${fromText}`;
  let entry = validators.get(key);
  if (!entry) validators.set(key, (entry = { ajv: createAjv(unknownFields, fromText), cache: new WeakMap() }));
  return entry;
}

/**
 * Validates `value` (defaults filled in, date-times turned to UTC, undeclared fields refused or
 * stripped; with `fromText`, query and path text turned into the numbers and booleans the schema
 * declares); throws ValidationError naming each bad field.
 */
export function validate<S extends TSchema>(
  schema: S,
  value: unknown,
  unknownFields: UnknownFields = 'refuse',
  options: { fromText?: boolean } = {},
): Static<S> {
  const { ajv, cache } = validatorsFor(unknownFields, options.fromText === true);
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

/** A WeCom member's userid as WeCom allows it (letters, digits, _ . @ -), with a message that says so. */
export const WecomUserid = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[A-Za-z0-9_.@-]+$',
    'x-message': 'field.wecomUserid',
    description,
  });
