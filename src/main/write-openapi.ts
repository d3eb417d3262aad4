import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { currentOpenApiDocument } from '../api/openapi-document';

/** Regenerates docs/openapi.json, the committed copy of the API contract (drift shows in diffs and fails a test). */
const target = path.resolve(__dirname, '../../docs/openapi.json');
writeFileSync(target, `${JSON.stringify(currentOpenApiDocument(), null, 2)}\n`);
console.log(`wrote ${target}`);
