import type { MessageKey } from './messages';

/**
 * A request refused by the HTTP layer itself, before any handler ran (wrong content type, bad
 * encoding, unknown method). Domain code never throws it; it throws DomainError subclasses.
 */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  readonly status: number;
  readonly code: string;
  readonly messageKey: MessageKey;
  readonly params: Record<string, string | number>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    messageKey: MessageKey,
    params: Record<string, string | number> = {},
    headers: Record<string, string> = {},
  ) {
    super(`${code} (${messageKey})`);
    this.status = status;
    this.code = code;
    this.messageKey = messageKey;
    this.params = params;
    this.headers = headers;
  }
}
