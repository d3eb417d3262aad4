import type { TSchema } from '@sinclair/typebox';
import { OpenApiBuilder, type OperationObject, type ParameterObject, type SchemaObject } from 'openapi3-ts/oas31';
import type { RouteDefinition } from './route';

/** Plain JSON copy of a TypeBox schema (drops TypeBox's symbol keys and our x-message hints stay as extensions). */
function plain(schema: TSchema): SchemaObject {
  return JSON.parse(JSON.stringify(schema)) as SchemaObject;
}

function parametersOf(schema: TSchema | undefined, where: 'query' | 'path'): ParameterObject[] {
  if (!schema) return [];
  const object = plain(schema);
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

/** The OpenAPI 3.1 document generated from the route table: the schemas that validate are the ones documented. */
export function buildOpenApiDocument(routes: RouteDefinition[]) {
  const builder = OpenApiBuilder.create()
    .addOpenApiVersion('3.1.0')
    .addInfo({
      title: 'SCRM backend API',
      version: '0.1.0',
      description:
        'Admin API (JWT in the `token` header) and the partner clue-collection API. Every response is the envelope {code, msg, data}.',
    })
    .addSecurityScheme('token', { type: 'apiKey', in: 'header', name: 'token' });
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
        default: { description: 'error', content: { 'application/json': { schema: ERROR_ENVELOPE } } },
      },
    };
    if (route.seedOp) operation['x-seed-op'] = route.seedOp;
    if (route.auth === 'admin') operation.security = [{ token: [] }];
    if (route.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: plain(route.body) } } };
    } else if (route.textBody) {
      operation.requestBody = {
        required: true,
        description: route.textBody.description,
        content: { 'text/xml': { schema: { type: 'string' } } },
      };
    }
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, OperationObject>)[route.method.toLowerCase()] = operation;
  }
  for (const [path, item] of Object.entries(paths)) builder.addPath(path, item);
  return builder.getSpec();
}
