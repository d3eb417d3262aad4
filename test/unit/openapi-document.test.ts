import { readFileSync } from 'node:fs';
import path from 'node:path';
import { currentOpenApiDocument } from '../../src/api/openapi-document';

describe('committed OpenAPI document', () => {
  it('matches the route table (run `npm run openapi:write` after changing routes)', () => {
    const committed: unknown = JSON.parse(readFileSync(path.resolve(__dirname, '../../docs/openapi.json'), 'utf8'));
    expect(JSON.parse(JSON.stringify(currentOpenApiDocument()))).toEqual(committed);
  });

  it('gives every operation a unique operationId and every seed key at most one operation', () => {
    const doc = currentOpenApiDocument();
    const operations = Object.values(doc.paths ?? {}).flatMap((item) => Object.values(item as object)) as Array<{
      operationId: string;
      'x-seed-op'?: string;
    }>;
    const ids = operations.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const seeds = operations.map((o) => o['x-seed-op']).filter(Boolean);
    expect(new Set(seeds).size).toBe(seeds.length);
    expect(seeds.length).toBeGreaterThanOrEqual(6);
  });
});
