import {
  WecomApiError,
  WecomCredentialsError,
  WecomNetworkError,
  describeErrcode,
  formatWecomErrorMessage,
  isRetryableErrcode,
  isTokenRejectedErrcode,
} from '../../src/wecom/errors';

describe('isRetryableErrcode', () => {
  it.each([-1, 6000, 45009, 45033])('%p is retryable', (errcode) => {
    expect(isRetryableErrcode(errcode)).toBe(true);
  });

  it.each([0, 40001, 40003, 40013, 40014, 40068, 40071, 40096, 41001, 42001, 48002, 60011, 60020, 84061, 99999])(
    '%p is permanent',
    (errcode) => {
      expect(isRetryableErrcode(errcode)).toBe(false);
    },
  );
});

describe('isTokenRejectedErrcode', () => {
  it('covers the invalid and expired token answers only', () => {
    expect([40001, 40014, 42001].every(isTokenRejectedErrcode)).toBe(true);
    expect([40013, 41001, 60011, -1].some(isTokenRejectedErrcode)).toBe(false);
  });
});

describe('messages', () => {
  it('names the meaning of known codes', () => {
    expect(describeErrcode(60011)).toBe('no privilege for member/department/tag');
    expect(formatWecomErrorMessage(60011, 'no privilege to access/modify contact/party/agent , hint: [1]')).toBe(
      'WeCom 60011 (no privilege for member/department/tag): no privilege to access/modify contact/party/agent , hint: [1]',
    );
  });

  it('still formats unknown codes', () => {
    expect(describeErrcode(12345)).toBeUndefined();
    expect(formatWecomErrorMessage(12345, 'odd')).toBe('WeCom 12345: odd');
  });

  it('has a meaning for every code of the common table', () => {
    const common = [-1, 6000, 40001, 40003, 40013, 40014, 40056, 40068, 40071, 40096, 41001, 42001, 45009, 45033];
    const more = [46004, 48002, 60011, 60020, 60111, 81013, 81017, 84061, 84074];
    for (const code of [...common, ...more]) expect(describeErrcode(code)).toEqual(expect.any(String));
  });
});

describe('error classes', () => {
  it('WecomApiError carries the WeCom answer and derives retryable from the code', () => {
    const error = new WecomApiError({
      errcode: 45033,
      errmsg: 'api concurrent out of limit',
      path: 'externalcontact/list',
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(WecomApiError);
    expect(error.name).toBe('WecomApiError');
    expect(error.code).toBe('WECOM_API_ERROR');
    expect(error.errcode).toBe(45033);
    expect(error.path).toBe('externalcontact/list');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.message).toBe('WeCom 45033 (API concurrency limit exceeded): api concurrent out of limit');

    const permanent = new WecomApiError({
      errcode: 84061,
      errmsg: 'not external contact',
      path: 'externalcontact/remark',
    });
    expect(permanent.retryable).toBe(false);

    const limited = new WecomApiError({ errcode: 45009, errmsg: 'freq', path: 'p', retryAfterMs: 1500 });
    expect(limited.retryable).toBe(true);
    expect(limited.retryAfterMs).toBe(1500);
  });

  it('WecomCredentialsError is a permanent WecomApiError naming the corp', () => {
    const error = new WecomCredentialsError({
      errcode: 40001,
      errmsg: 'invalid credential',
      path: 'gettoken',
      corpId: 'ww1',
    });
    expect(error).toBeInstanceOf(WecomApiError);
    expect(error.name).toBe('WecomCredentialsError');
    expect(error.code).toBe('WECOM_CREDENTIALS_INVALID');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('WeCom 40001 (invalid secret)');
    expect(error.message).toContain('ww1');
  });

  it('WecomNetworkError is retryable unless told otherwise and keeps its cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new WecomNetworkError('WeCom user/get failed', { path: 'user/get', cause });
    expect(error.name).toBe('WecomNetworkError');
    expect(error.code).toBe('WECOM_NETWORK_ERROR');
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(new WecomNetworkError('x', { path: 'p', status: 404, retryable: false }).retryable).toBe(false);
  });
});
