import type { TSchema } from '@sinclair/typebox';
import { STRING_FORMATS } from './schema-formats';
import type { UnknownFields } from './validation';

type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function walk(node: unknown, unknownFields: UnknownFields): unknown {
  if (Array.isArray(node)) return node.map((item) => walk(item, unknownFields));
  if (!isPlainObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    // `properties` and `patternProperties` map field names to schemas: their keys are data, not keywords.
    out[key] =
      (key === 'properties' || key === 'patternProperties') && isPlainObject(value)
        ? Object.fromEntries(Object.entries(value).map(([name, s]) => [name, walk(s, unknownFields)]))
        : walk(value, unknownFields);
  }
  const isObject = out['type'] === 'object' || isPlainObject(out['properties']);
  if (isObject && out['additionalProperties'] === undefined && unknownFields === 'refuse') {
    out['additionalProperties'] = false;
  }
  const format = typeof out['format'] === 'string' ? STRING_FORMATS[out['format']] : undefined;
  if (out['type'] === 'string' && format && out['maxLength'] === undefined) out['maxLength'] = format.maxLength;
  if (out['type'] === 'string' && out['format'] === 'date-time') out['x-utc'] = true;
  return out;
}

/**
 * The schema a route's input is validated and documented with: a copy of the TypeBox schema in
 * which every object refuses fields it does not declare (unless the route ignores them, or the
 * schema says otherwise) and every date-time is normalised to UTC; a formatted string
 * without its own maxLength gets its format's. Doing it here, once, means a
 * new route cannot forget it.
 */
export function inputSchema<S extends TSchema>(schema: S, unknownFields: UnknownFields): S {
  return walk(schema, unknownFields) as S;
}
