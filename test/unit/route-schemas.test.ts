import type { AppDeps } from '../../src/api/app';
import { hasMessage } from '../../src/api/messages';
import { allRoutes } from '../../src/api/routes';
import { schemaNodes } from '../helpers/schema-walk';

const routes = allRoutes({} as AppDeps);

function inputNodes() {
  return routes.flatMap((route) =>
    (['body', 'query', 'params'] as const).flatMap((part) =>
      schemaNodes(route[part]).map((node) => ({ where: `${route.operationId} ${part}${node.path}`, ...node })),
    ),
  );
}

const isType = (schema: Record<string, unknown>, type: string) =>
  schema['type'] === type || (Array.isArray(schema['type']) && (schema['type'] as unknown[]).includes(type));

/**
 * Every value a request can carry has a range the database can hold: a field the schema accepts
 * but PostgreSQL cannot store would answer 500. New routes are held to it by these checks.
 */
describe('input schemas of every route', () => {
  it('give every integer and number a minimum and a maximum', () => {
    const unbounded = inputNodes()
      .filter((n) => (isType(n.schema, 'integer') || isType(n.schema, 'number')) && !n.schema['enum'])
      .filter((n) => n.schema['maximum'] === undefined || n.schema['minimum'] === undefined)
      .map((n) => n.where);
    expect(unbounded).toEqual([]);
  });

  it('give every string a maxLength (or a fixed set of values)', () => {
    const unbounded = inputNodes()
      .filter((n) => isType(n.schema, 'string') && !n.schema['enum'] && n.schema['const'] === undefined)
      .filter((n) => n.schema['maxLength'] === undefined)
      .map((n) => n.where);
    expect(unbounded).toEqual([]);
  });

  it('give every array a maxItems', () => {
    const unbounded = inputNodes()
      .filter((n) => isType(n.schema, 'array') && n.schema['maxItems'] === undefined)
      .map((n) => n.where);
    expect(unbounded).toEqual([]);
  });

  it('refuse undeclared fields on every object, except the routes that say they ignore them', () => {
    const open = routes
      .filter((route) => (route.unknownFields ?? 'refuse') === 'refuse')
      .flatMap((route) =>
        (['body', 'query', 'params'] as const).flatMap((part) =>
          schemaNodes(route[part])
            .filter((n) => isType(n.schema, 'object') && n.schema['additionalProperties'] !== false)
            .map((n) => `${route.operationId} ${part}${n.path}`),
        ),
      );
    expect(open).toEqual([]);
    expect(routes.filter((r) => r.unknownFields === 'ignore').map((r) => r.operationId)).toEqual(
      expect.arrayContaining(['collectClue']),
    );
  });

  it('name a message of the catalogue in every x-message', () => {
    const unknown = inputNodes()
      .filter((n) => typeof n.schema['x-message'] === 'string' && !hasMessage(n.schema['x-message']))
      .map((n) => `${n.where}: ${String(n.schema['x-message'])}`);
    expect(unknown).toEqual([]);
  });
});
