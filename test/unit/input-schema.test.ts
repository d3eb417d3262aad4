import { Type } from '@sinclair/typebox';
import { inputSchema } from '../../src/api/input-schema';
import { parseDateTime } from '../../src/api/schema-formats';
import { validate } from '../../src/api/validation';
import { ValidationError, type FieldProblem } from '../../src/domain/errors';

function problemsOf(run: () => unknown): Array<Pick<FieldProblem, 'field' | 'message'>> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).problems.map(({ field, message }) => ({ field, message }));
  }
  throw new Error('expected a ValidationError');
}

const Filter = Type.Object({
  userid: Type.Optional(Type.String({ maxLength: 64 })),
  range: Type.Optional(Type.Object({ from: Type.String({ format: 'date-time' }) })),
  items: Type.Optional(Type.Array(Type.Object({ n: Type.Integer({ minimum: 0, maximum: 9 }) }), { maxItems: 3 })),
});

describe('inputSchema (refuse)', () => {
  const strict = inputSchema(Filter, 'refuse');

  it('refuses an undeclared field at any depth, naming it', () => {
    expect(problemsOf(() => validate(strict, { userId: 'x' }))).toEqual([
      { field: 'userId', message: 'is not a known field' },
    ]);
    expect(problemsOf(() => validate(strict, { range: { from: '2026-01-01T00:00:00Z', to: 'x' } }))).toEqual([
      { field: 'range.to', message: 'is not a known field' },
    ]);
    expect(problemsOf(() => validate(strict, { items: [{ n: 1, m: 2 }] }))).toEqual([
      { field: 'items[0].m', message: 'is not a known field' },
    ]);
  });

  it('hands date-times over in UTC', () => {
    const value = validate(strict, { range: { from: '2026-01-01T08:00:00+08:00' } });
    expect(value.range?.from).toBe('2026-01-01T00:00:00.000Z');
  });

  it('does not change the schema it was given', () => {
    expect((Filter as Record<string, unknown>)['additionalProperties']).toBeUndefined();
    expect(validate(Filter, { userId: 'x' })).toEqual({ userId: 'x' });
  });

  it('gives a formatted string its format’s maxLength', () => {
    const schema = inputSchema(Type.Object({ at: Type.String({ format: 'date-time' }) }), 'refuse');
    expect((schema.properties.at as unknown as { maxLength: number }).maxLength).toBe(35);
  });
});

describe('inputSchema (ignore)', () => {
  it('strips undeclared fields instead of refusing them', () => {
    const lenient = inputSchema(Filter, 'ignore');
    expect(validate(lenient, { userid: 'a', extra: 1 }, 'ignore')).toEqual({ userid: 'a' });
  });
});

describe('date-time format', () => {
  const At = inputSchema(Type.Object({ at: Type.String({ format: 'date-time' }) }), 'refuse');

  it.each([
    '2026-01-01T00:00:00+16:00',
    '2026-01-01T00:00:00-16:00',
    '2026-01-01T00:00:00+15:60',
    '0000-01-01T00:00:00Z',
    '1899-12-31T23:59:59Z',
    '2026-02-30T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:00',
    '2026-01-01',
  ])('refuses %p', (at) => {
    expect(problemsOf(() => validate(At, { at }))).toEqual([
      { field: 'at', message: expect.stringContaining('ISO 8601 date-time') as string },
    ]);
  });

  it.each([
    ['2026-01-01T00:00:00+15:59', '2025-12-31T08:01:00.000Z'],
    ['2026-01-01T00:00:00-15:59', '2026-01-01T15:59:00.000Z'],
    ['1900-01-01T00:00:00Z', '1900-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['2024-02-29t12:00:00.5z', '2024-02-29T12:00:00.500Z'],
  ])('accepts %p as %p', (at, utc) => {
    expect(validate(At, { at }).at).toBe(utc);
    expect(parseDateTime(at)?.toISOString()).toBe(utc);
  });
});

describe('date format', () => {
  const Day = inputSchema(Type.Object({ day: Type.String({ format: 'date' }) }), 'refuse');
  it.each(['0000-01-01', '2026-13-01', '2026-02-29', '26-01-01'])('refuses %p', (day) => {
    expect(problemsOf(() => validate(Day, { day }))[0]?.field).toBe('day');
  });
  it('accepts a real day', () => {
    expect(validate(Day, { day: '2024-02-29' }).day).toBe('2024-02-29');
  });
});

describe('query and path text', () => {
  const Paging = Type.Object({
    pageNum: Type.Integer({ minimum: 1, default: 1 }),
    pageSize: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
    asc: Type.Optional(Type.Boolean()),
  });

  it('fills integers and booleans from the text a query string carries', () => {
    expect(validate(Paging, { pageSize: '50', asc: 'true' }, 'refuse', { fromText: true })).toEqual({
      pageNum: 1,
      pageSize: 50,
      asc: true,
    });
  });

  it('still refuses text that is not a number, or out of range, naming the field', () => {
    expect(problemsOf(() => validate(Paging, { pageSize: 'lots' }, 'refuse', { fromText: true }))).toEqual([
      { field: 'pageSize', message: 'must be integer' },
    ]);
    expect(problemsOf(() => validate(Paging, { pageSize: '500' }, 'refuse', { fromText: true }))).toEqual([
      { field: 'pageSize', message: 'must be <= 200' },
    ]);
  });

  it('never coerces a JSON body: a number sent as text there is an error', () => {
    expect(problemsOf(() => validate(Paging, { pageSize: '50' }))).toEqual([
      { field: 'pageSize', message: 'must be integer' },
    ]);
  });
});
