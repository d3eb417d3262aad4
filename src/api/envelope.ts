import type { ErrorKind } from '../domain/errors';

/** The response shape of every endpoint (SPEC 3): code is a string, "200" on success. */
export interface Envelope<T> {
  code: string;
  msg: string;
  data: T;
}

export function success<T>(data: T, msg = 'success'): Envelope<T> {
  return { code: '200', msg, data };
}

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};
