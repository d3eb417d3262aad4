import { Type } from '@sinclair/typebox';
import { CollectClueBody } from '../../src/api/open/clues/collect-schema';
import { IdString, OptionalText, RequiredText, StringEnum, validate } from '../../src/api/validation';
import { DomainError, ValidationError, type FieldProblem } from '../../src/domain/errors';

/** Runs validate() and returns the problems it reports (fails the test if it does not throw). */
function problemsOf(schema: Parameters<typeof validate>[0], value: unknown): FieldProblem[] {
  try {
    validate(schema, value);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).problems.map(({ field, message }) => ({ field, message }));
  }
  throw new Error('expected validate() to throw a ValidationError');
}

const messageFor = (problems: FieldProblem[], field: string) => problems.find((p) => p.field === field)?.message;

describe('validate() with a small TypeBox schema', () => {
  const Person = Type.Object({
    name: RequiredText(20),
    nickname: OptionalText(10),
    age: Type.Integer({ minimum: 0, maximum: 150 }),
    role: StringEnum(['admin', 'agent'] as const),
    id: Type.Optional(IdString),
    tags: Type.Optional(Type.Array(Type.String(), { maxItems: 2, uniqueItems: true })),
    address: Type.Optional(Type.Object({ city: RequiredText(20) })),
  });

  it('returns the value when it is valid', () => {
    const value = { name: 'Li Lei', age: 30, role: 'admin' };
    expect(validate(Person, value)).toEqual({
      name: 'Li Lei',
      age: 30,
      role: 'admin',
    });
  });

  it('throws a ValidationError (a DomainError with kind "validation") listing every bad field', () => {
    let caught: unknown;
    try {
      validate(Person, { name: '', age: -1, role: 'root' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect(caught).toBeInstanceOf(DomainError);
    const error = caught as ValidationError;
    expect(error.kind).toBe('validation');
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.problems.map(({ field, message }) => ({ field, message }))).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'must not be empty' },
        { field: 'age', message: 'must be >= 0' },
        { field: 'role', message: 'must be one of: admin, agent' },
      ]),
    );
    expect(error.message).toContain('age: must be >= 0');
  });

  it('reports one problem per field', () => {
    const problems = problemsOf(Person, { name: '', age: 1, role: 'agent' }); // minLength and pattern both fail
    expect(problems.filter((p) => p.field === 'name')).toHaveLength(1);
  });

  it('accepts ids up to the PostgreSQL bigint maximum and refuses larger, zero-led or non-digit ones', () => {
    const base = { name: 'a', age: 1, role: 'agent' };
    expect(validate(Person, { ...base, id: '9223372036854775807' }).id).toBe('9223372036854775807');
    for (const id of ['9223372036854775808', '9999999999999999999', '01', '0', '12a', '']) {
      expect(messageFor(problemsOf(Person, { ...base, id }), 'id')).toBe('must be a positive integer id');
    }
  });

  it('names nested and array fields with dotted/bracketed paths', () => {
    const problems = problemsOf(Person, {
      name: 'a',
      age: 1,
      role: 'agent',
      tags: ['x', 5],
      address: {},
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        { field: 'tags[1]', message: 'must be string' },
        { field: 'address.city', message: 'is required' },
      ]),
    );
  });

  it('uses x-message overrides and array messages', () => {
    expect(messageFor(problemsOf(Person, { name: 'a', age: 1, role: 'agent', id: '0' }), 'id')).toBe(
      'must be a positive integer id',
    );
    expect(
      messageFor(
        problemsOf(Person, {
          name: 'a',
          age: 1,
          role: 'agent',
          tags: ['x', 'x'],
        }),
        'tags',
      ),
    ).toBe('must not contain duplicates');
    expect(
      messageFor(
        problemsOf(Person, {
          name: 'a',
          age: 1,
          role: 'agent',
          tags: ['x', 'y', 'z'],
        }),
        'tags',
      ),
    ).toBe('must have at most 2 item(s)');
  });

  it('refuses NUL characters anywhere, naming nested and array fields', () => {
    const problems = problemsOf(Person, {
      name: 'a\u0000',
      age: 3,
      role: 'admin',
      tags: ['ok', 'b\u0000'],
      address: { city: '\u0000x' },
    });
    expect(problems).toEqual([
      { field: 'name', message: 'must not contain NUL characters' },
      { field: 'tags[1]', message: 'must not contain NUL characters' },
      { field: 'address.city', message: 'must not contain NUL characters' },
    ]);
  });

  it('refuses lone UTF-16 surrogates and accepts proper pairs (emoji)', () => {
    expect(problemsOf(Person, { name: 'x\ud800', age: 3, role: 'admin' })).toEqual([
      { field: 'name', message: 'must be valid Unicode text' },
    ]);
    expect(problemsOf(Person, { name: '\udc00x', age: 3, role: 'admin' })).toEqual([
      { field: 'name', message: 'must be valid Unicode text' },
    ]);
    expect(validate(Person, { name: '王😀', age: 3, role: 'admin' })).toMatchObject({ name: '王😀' });
  });

  it('reports a non-object body as "(body)"', () => {
    expect(problemsOf(Person, 'nope')).toEqual([{ field: '(body)', message: 'must be object' }]);
  });
});

describe('validate() with CollectClueBody', () => {
  const REQUIRED = [
    'secretKey',
    'businessId',
    'linkManName',
    'linkManTel',
    'remark',
    'source',
    'fromPage',
    'landPage',
    'submitPage',
    'device',
    'chat',
  ] as const;

  function clueBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      secretKey: 'pk_abcdef0123456789_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      businessId: 'biz-0001',
      linkManName: '张三',
      linkManTel: '+86 138-0013-8000',
      email: 'zhang@example.com',
      address: '北京市朝阳区',
      wechat: 'zhangsan',
      remark: '想了解产品报价',
      source: 1,
      fromPage: 'https://www.baidu.com/s?wd=crm',
      landPage: 'https://example.com/landing',
      submitPage: 'http://example.com/form',
      device: 'pc',
      tag: 'ad',
      se: 'baidu',
      chat: '访客: 你好\n客服: 您好',
      ...overrides,
    };
  }

  function without(field: string): Record<string, unknown> {
    const body = clueBody();
    delete body[field];
    return body;
  }

  it('accepts a complete body', () => {
    const body = clueBody();
    expect(validate(CollectClueBody, body)).toEqual(clueBody());
  });

  it('accepts a body with only the required fields', () => {
    const body = Object.fromEntries(REQUIRED.map((f) => [f, clueBody()[f]]));
    expect(() => validate(CollectClueBody, body)).not.toThrow();
  });

  it.each(REQUIRED)('reports a missing %s as "is required"', (field) => {
    expect(problemsOf(CollectClueBody, without(field))).toEqual([{ field, message: 'is required' }]);
  });

  it('reports every missing required field at once', () => {
    const problems = problemsOf(CollectClueBody, {});
    expect(problems.map((p) => p.field).sort()).toEqual([...REQUIRED].sort());
    expect(new Set(problems.map((p) => p.message))).toEqual(new Set(['is required']));
  });

  it.each(['12345', '1380013800', 'not a phone', '+1 415 555 0100'])('rejects phone %p with a phone message', (tel) => {
    const message = messageFor(problemsOf(CollectClueBody, clueBody({ linkManTel: tel })), 'linkManTel');
    expect(message).toMatch(/phone/);
  });

  it('rejects an unknown device', () => {
    expect(problemsOf(CollectClueBody, clueBody({ device: 'tablet' }))).toEqual([
      { field: 'device', message: 'must be one of: pc, mobile' },
    ]);
  });

  it('rejects source given as a string (no type coercion)', () => {
    expect(problemsOf(CollectClueBody, clueBody({ source: '1' }))).toEqual([
      { field: 'source', message: 'must be integer' },
    ]);
  });

  it('rejects a non-integer or out-of-range source', () => {
    expect(messageFor(problemsOf(CollectClueBody, clueBody({ source: 1.5 })), 'source')).toBe('must be integer');
    expect(messageFor(problemsOf(CollectClueBody, clueBody({ source: 0 })), 'source')).toBe('must be >= 1');
  });

  it.each(['ftp://x', 'not a url', 'javascript:alert(1)'])('rejects fromPage %p', (fromPage) => {
    expect(problemsOf(CollectClueBody, clueBody({ fromPage }))).toEqual([
      { field: 'fromPage', message: 'must be an http(s) URL' },
    ]);
  });

  it('rejects a blank linkManName', () => {
    expect(problemsOf(CollectClueBody, clueBody({ linkManName: '   ' }))).toEqual([
      { field: 'linkManName', message: 'must not be blank' },
    ]);
  });

  it('rejects an empty remark', () => {
    expect(messageFor(problemsOf(CollectClueBody, clueBody({ remark: '' })), 'remark')).toBe('must not be empty');
  });

  it('accepts chat of exactly 200000 characters and rejects one more', () => {
    expect(() => validate(CollectClueBody, clueBody({ chat: 'a'.repeat(200_000) }))).not.toThrow();
    expect(problemsOf(CollectClueBody, clueBody({ chat: 'a'.repeat(200_001) }))).toEqual([
      { field: 'chat', message: 'must be at most 200000 characters' },
    ]);
  });

  it('uses the custom message for a businessId with spaces', () => {
    expect(problemsOf(CollectClueBody, clueBody({ businessId: 'has space' }))).toEqual([
      {
        field: 'businessId',
        message: 'must be 1-64 printable ASCII characters without spaces',
      },
    ]);
  });

  it('accepts an empty email but rejects a malformed one', () => {
    expect(() => validate(CollectClueBody, clueBody({ email: '' }))).not.toThrow();
    expect(messageFor(problemsOf(CollectClueBody, clueBody({ email: 'nope' })), 'email')).toBe(
      'must be an email address',
    );
  });

  it('strips unknown properties instead of rejecting them (the partner API ignores extras)', () => {
    const body = clueBody({ extra: 'ignored', another: { nested: true } });
    const result = validate(CollectClueBody, body, 'ignore') as Record<string, unknown>;
    expect(result).not.toHaveProperty('extra');
    expect(result).not.toHaveProperty('another');
    expect(result).toEqual(clueBody());
  });

  it('reports several bad fields together', () => {
    const problems = problemsOf(CollectClueBody, clueBody({ device: 'tablet', source: '1', linkManName: '   ' }));
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.field).sort()).toEqual(['device', 'linkManName', 'source']);
  });
});
