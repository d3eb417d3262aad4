import { inParameterBatches, MAX_BIND_PARAMETERS } from '../../src/db/queries/mirror-upsert';

describe('inParameterBatches', () => {
  it('keeps every statement under PostgreSQL’s 65,535 bind parameters, rows in order', () => {
    // 6,000 employees of 22 columns: 132,000 parameters in one statement.
    const rows = Array.from({ length: 6000 }, (_, i) => i);
    const batches = inParameterBatches(rows, 22);
    expect(batches.length).toBeGreaterThan(2);
    for (const batch of batches) expect(batch.length * 22).toBeLessThanOrEqual(MAX_BIND_PARAMETERS);
    expect(MAX_BIND_PARAMETERS).toBeLessThan(65_535);
    expect(batches.flat()).toEqual(rows);
  });

  it('leaves a small set in one statement', () => {
    expect(inParameterBatches([1, 2, 3], 20)).toEqual([[1, 2, 3]]);
    expect(inParameterBatches([], 20)).toEqual([]);
  });

  it('puts a row wider than the limit in a statement of its own', () => {
    expect(inParameterBatches([1, 2], 10, 5)).toEqual([[1], [2]]);
  });
});
