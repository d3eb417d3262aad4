import type { TSchema } from '@sinclair/typebox';
import { OpenApiBuilder, type OperationObject, type ParameterObject, type SchemaObject } from 'openapi3-ts/oas31';
import type { RouteDefinition } from './route';
import { STRING_FORMATS } from './schema-formats';

/** Plain JSON copy of a TypeBox schema (drops TypeBox's symbol keys). */
function plain(schema: TSchema): SchemaObject {
  return JSON.parse(JSON.stringify(schema)) as SchemaObject;
}

const VALIDATOR_KEYWORDS = new Set(['x-message', 'x-utc']);

/**
 * An input schema as a generic client should read it: a field with a default is not required (the
 * validator fills it in), and a custom format carries its description and a pattern.
 */
function documentedInput(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(documentedInput);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (VALIDATOR_KEYWORDS.has(key)) continue;
    out[key] =
      key === 'properties' && typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).map(([name, s]) => [name, documentedInput(s)]))
        : documentedInput(value);
  }
  const properties = out['properties'] as Record<string, { default?: unknown }> | undefined;
  if (Array.isArray(out['required']) && properties) {
    const required = (out['required'] as string[]).filter((name) => properties[name]?.default === undefined);
    if (required.length > 0) out['required'] = required;
    else delete out['required'];
  }
  const format = typeof out['format'] === 'string' ? STRING_FORMATS[out['format']] : undefined;
  if (format) {
    out['pattern'] ??= format.pattern;
    out['description'] = out['description']
      ? `${String(out['description'])} — ${format.description}`
      : format.description;
  }
  return out;
}

const inputOf = (schema: TSchema) => documentedInput(plain(schema)) as SchemaObject;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid input: `data.errors` lists each bad field (unknown fields, ranges, formats, NUL or lone surrogates in text)',
  401: 'not authenticated (admin: missing, expired or revoked token)',
  403: 'the admin lacks the permission of this operation',
  404: 'a referenced record does not exist',
  409: 'conflicts with existing data or with WeCom’s state',
  413: 'request body too large',
  415: 'the body is not JSON (Content-Type application/json), or its charset or compression is not supported',
  429: 'rate limited; retry after the Retry-After header’s seconds',
  503: 'a dependency (PostgreSQL, Temporal or WeCom) is unavailable; retry later (Retry-After when known)',
};

/** What 401 and 503 mean for the HR system's signed calls. */
const NEXUS_ERROR_DESCRIPTIONS: Record<number, string> = {
  401: 'the signature headers are missing, the timestamp is outside the window, or the signature is wrong or replayed',
  503: 'the Nexus integration is not configured (NEXUS_SECRET), or PostgreSQL is unavailable',
};
/** What an error status means for this operation: a multipart upload is refused for reasons of its own. */
function errorDescription(route: RouteDefinition, status: number): string {
  if (route.multipartBody && status === 413)
    return `the file in part ${route.multipartBody.field} is over the size limit`;
  if (route.multipartBody && status === 415) return 'the body is not multipart/form-data, or it is compressed';
  if (route.multipartBody && status === 400) {
    return (
      `invalid input, \`data.errors\` names the field: the part ${route.multipartBody.field} is missing, ` +
      'repeated, not a file or of a kind not accepted, another part was sent, or the body is not readable multipart'
    );
  }
  if (route.auth === 'nexus' && NEXUS_ERROR_DESCRIPTIONS[status]) return NEXUS_ERROR_DESCRIPTIONS[status];
  return ERROR_DESCRIPTIONS[status] ?? 'error';
}

/** The error statuses an operation can answer, from what it takes and who may call it, plus its own. */
function errorStatuses(route: RouteDefinition): number[] {
  const statuses = new Set<number>(route.errors ?? []);
  if (route.body || route.query || route.params || route.textBody || route.multipartBody) statuses.add(400);
  if (route.auth === 'admin') [401, 403].forEach((s) => statuses.add(s));
  if (route.auth === 'nexus') [401, 503].forEach((s) => statuses.add(s));
  if (route.params) statuses.add(404);
  if (route.method === 'POST') [413, 415].forEach((s) => statuses.add(s));
  return [...statuses].sort((a, b) => a - b);
}

function parametersOf(schema: TSchema | undefined, where: 'query' | 'path'): ParameterObject[] {
  if (!schema) return [];
  const object = inputOf(schema);
  const required = new Set(object.required ?? []);
  return Object.entries(object.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: s as SchemaObject,
  }));
}

function envelopeOf(data: SchemaObject): SchemaObject {
  return {
    type: 'object',
    required: ['code', 'msg', 'data'],
    properties: {
      code: { type: 'string', description: '"200" on success; otherwise the HTTP status as a string' },
      msg: { type: 'string' },
      data,
    },
  };
}

const ERROR_ENVELOPE: SchemaObject = envelopeOf({ description: 'null, or { errors: [{ field, message }] } for 400' });

const API_DESCRIPTION = [
  'Admin API (JWT in the `token` header) and the partner clue-collection API. Every response is the envelope ' +
    '{code, msg, data}; `code` is the HTTP status as a string ("200" on success).',
  '',
  'Rules every operation follows:',
  '- Bodies are JSON (`Content-Type: application/json`, UTF-8); another content type is refused with 415.',
  '- Uploads (user/uploadAvatar) take `multipart/form-data` with one file part instead.',
  '- Admin operations refuse fields they do not declare (400 naming the field); the partner collect API ignores them.',
  '- Text may not contain NUL characters (U+0000) or lone UTF-16 surrogates (400 naming the field).',
  '- Date-times must carry an offset (Z or ±hh:mm up to ±15:59), lie between 1900 and 9999, and are handled in UTC.',
  '- A wrong method on an existing path answers 405 with an `Allow` header.',
  '- Messages are in Simplified Chinese when `Accept-Language` prefers zh, in English otherwise; field names stay as they are.',
].join('\n');

/** The OpenAPI 3.1 document generated from the route table: the schemas that validate are the ones documented. */
export function buildOpenApiDocument(routes: RouteDefinition[]) {
  const builder = OpenApiBuilder.create()
    .addOpenApiVersion('3.1.0')
    .addInfo({
      title: 'SCRM backend API',
      version: '0.1.0',
      description: API_DESCRIPTION,
    })
    .addServer({ url: '/', description: 'this API’s own origin (the admin API and the partner API share it)' })
    .addSecurityScheme('token', { type: 'apiKey', in: 'header', name: 'token' })
    .addSecurityScheme('nexusTimestamp', {
      type: 'apiKey',
      in: 'header',
      name: 'X-Nexus-Timestamp',
      description: 'HR-system (Nexus) calls: the Unix time in seconds; more than 5 minutes off is refused',
    })
    .addSecurityScheme('nexusSignature', {
      type: 'apiKey',
      in: 'header',
      name: 'X-Nexus-Signature',
      description:
        'HR-system (Nexus) calls: lowercase hex HMAC-SHA256, keyed with the shared secret NEXUS_SECRET, of the ' +
        'timestamp header, a newline and the exact bytes of the body (`<timestamp>\\n<body>`). Compared in constant ' +
        'time; a signature already received is a replay and refused, so every call carries a fresh timestamp or body.',
    });
  const paths: Record<string, Record<string, OperationObject>> = {};
  for (const route of routes) {
    const operation: OperationObject & { 'x-seed-op'?: string } = {
      operationId: route.operationId,
      summary: route.summary,
      description: route.description,
      tags: [route.tag],
      parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
      responses: {
        '200': route.rawResponse
          ? {
              description: route.rawResponse.description,
              content: { [route.rawResponse.contentType]: { schema: { type: 'string', format: 'binary' } } },
            }
          : {
              description: 'success',
              content: { 'application/json': { schema: envelopeOf(plain(route.response)) } },
            },
        ...Object.fromEntries(
          errorStatuses(route).map((status) => [
            String(status),
            {
              description: errorDescription(route, status),
              content: { 'application/json': { schema: ERROR_ENVELOPE } },
            },
          ]),
        ),
        default: {
          description: 'unexpected error (500), always the envelope without internals',
          content: { 'application/json': { schema: ERROR_ENVELOPE } },
        },
      },
    };
    if (route.seedOp) operation['x-seed-op'] = route.seedOp;
    operation.security = route.auth === 'admin' ? [{ token: [] }] : [];
    if (route.auth === 'nexus') operation.security = [{ nexusTimestamp: [], nexusSignature: [] }];
    if (route.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: inputOf(route.body) } } };
    } else if (route.multipartBody) {
      const { field, description } = route.multipartBody;
      operation.requestBody = {
        required: true,
        description,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: [field],
              properties: { [field]: { type: 'string', format: 'binary' } },
              additionalProperties: false,
            },
          },
        },
      };
    } else if (route.textBody) {
      operation.requestBody = {
        required: true,
        description: route.textBody.description,
        content: { '*/*': { schema: { type: 'string' } } },
      };
    }
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, OperationObject>)[route.method.toLowerCase()] = operation;
  }
  for (const [path, item] of Object.entries(paths)) builder.addPath(path, item);
  return builder.getSpec();
}
