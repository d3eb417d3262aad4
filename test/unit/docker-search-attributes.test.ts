import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/names';

describe('docker/temporal-namespace.sh', () => {
  it('registers every search attribute the code sets, as Keyword', () => {
    const script = readFileSync(path.join(__dirname, '../../docker/temporal-namespace.sh'), 'utf8');
    const listed = /^SEARCH_ATTRIBUTES="([^"]*)"$/m.exec(script)?.[1]?.split(/\s+/) ?? [];
    const keys = Object.values(SEARCH_ATTRIBUTES);
    expect([...listed].sort()).toEqual(keys.map((key) => key.name).sort());
    expect(keys.every((key) => key.type === SearchAttributeType.KEYWORD)).toBe(true);
  });
});
