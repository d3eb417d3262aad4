/**
 * Domain errors: what went wrong in business terms. The API maps `kind` to an HTTP status and
 * the envelope code; activities map `retryable` to Temporal's retry decision. Domain code never
 * throws HTTP errors.
 */
export type ErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  /** Stable UPPER_SNAKE identifier clients and logs can match on. */
  abstract readonly code: string;
  /** Optional structured detail (e.g. the failing fields). Never contains secrets. */
  readonly details?: unknown;
  /** Values for the `{name}` placeholders of the error's translated messages (never secrets). */
  readonly params: Readonly<Record<string, string>>;

  constructor(message: string, details?: unknown, params: Record<string, string> = {}) {
    super(message);
    this.details = details;
    this.params = params;
  }
}

export interface FieldProblem {
  field: string;
  /** English text; the API translates it when `messageKey` names an entry of its catalogue. */
  message: string;
  messageKey?: string;
  params?: Record<string, string | number>;
}

export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly kind = 'validation' as const;
  readonly code = 'VALIDATION_FAILED';
  readonly problems: FieldProblem[];

  constructor(problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
    this.problems = problems;
  }

  /** One bad field; `messageKey` names the catalogue entry whose English is `message`. */
  static field(
    field: string,
    message: string,
    messageKey?: string,
    params?: Record<string, string | number>,
  ): ValidationError {
    return new ValidationError([
      { field, message, ...(messageKey !== undefined ? { messageKey } : {}), ...(params ? { params } : {}) },
    ]);
  }
}

/**
 * The problems of one request, gathered so that a save with several bad fields answers all of
 * them in one 400 (and changes nothing). `problem` takes what ValidationError.field takes.
 */
export class ProblemList {
  private readonly problems: FieldProblem[] = [];

  problem(field: string, message: string, messageKey: string, params?: Record<string, string | number>): void {
    this.problems.push({ field, message, messageKey, ...(params ? { params } : {}) });
  }

  get empty(): boolean {
    return this.problems.length === 0;
  }

  /** Throws the gathered problems as one ValidationError, if there are any. */
  throwIfAny(): void {
    if (this.problems.length > 0) throw new ValidationError(this.problems);
  }
}

export class UnauthorizedError extends DomainError {
  override readonly name = 'UnauthorizedError';
  readonly kind = 'unauthorized' as const;
  readonly code: string;
  constructor(message: string, code = 'UNAUTHORIZED') {
    super(message);
    this.code = code;
  }
}

export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
  readonly kind = 'forbidden' as const;
  readonly code: string;
  constructor(message: string, code = 'FORBIDDEN', params: Record<string, string> = {}) {
    super(message, undefined, params);
    this.code = code;
  }
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly kind = 'not_found' as const;
  readonly code: string;
  /** The id that was looked for, as the caller gave it (for messages in other languages). */
  readonly id: string;
  constructor(what: string, id: string | number, code = 'NOT_FOUND') {
    super(`${what} ${id} not found`);
    this.code = code;
    this.id = String(id);
  }
}

export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  readonly kind = 'conflict' as const;
  readonly code: string;
  constructor(message: string, code = 'CONFLICT', params: Record<string, string> = {}) {
    super(message, undefined, params);
    this.code = code;
  }
}

export class RateLimitedError extends DomainError {
  override readonly name = 'RateLimitedError';
  readonly kind = 'rate_limited' as const;
  readonly code: string;
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, code = 'RATE_LIMITED', params: Record<string, string> = {}) {
    super(message, undefined, params);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class UnavailableError extends DomainError {
  override readonly name = 'UnavailableError';
  readonly kind = 'unavailable' as const;
  readonly code: string;
  /** When set, the client is told to retry after this many seconds (Retry-After). */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, code = 'DEPENDENCY_UNAVAILABLE', retryAfterSeconds?: number) {
    super(message);
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** SQLSTATE of a PostgreSQL error, when the error came from the database. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export const SQLSTATE_UNIQUE_VIOLATION = '23505';
export const SQLSTATE_FOREIGN_KEY_VIOLATION = '23503';
/** lock_timeout ran out (or NOWAIT found the lock taken). */
export const SQLSTATE_LOCK_NOT_AVAILABLE = '55P03';
