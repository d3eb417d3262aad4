import { randomBytes } from 'node:crypto';

export const TOKEN_TTL_SECONDS = 7200;

interface IssuedToken {
  corpId: string;
  expiresAt: number;
}

export type TokenCheck = { ok: true; corpId: string } | { ok: false; errcode: 40014 | 42001 };

/** access_tokens of every corp: unknown → 40014, past expiry on the corp's clock → 42001. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly current = new Map<string, string>();

  /** The corp's live token, or a new one when it has none or it expired (WeCom hands out the same token until then). */
  issue(corpId: string, nowSeconds: number): { token: string; expiresIn: number } {
    const existing = this.current.get(corpId);
    const issued = existing === undefined ? undefined : this.tokens.get(existing);
    if (existing !== undefined && issued && issued.expiresAt > nowSeconds) {
      return { token: existing, expiresIn: issued.expiresAt - nowSeconds };
    }
    const token = randomBytes(96).toString('base64url');
    this.tokens.set(token, { corpId, expiresAt: nowSeconds + TOKEN_TTL_SECONDS });
    this.current.set(corpId, token);
    return { token, expiresIn: TOKEN_TTL_SECONDS };
  }

  /** The corp a token belongs to; `now` reads that corp's clock. */
  check(token: string, now: (corpId: string) => number | undefined): TokenCheck {
    const issued = this.tokens.get(token);
    if (!issued) return { ok: false, errcode: 40014 };
    const nowSeconds = now(issued.corpId);
    if (nowSeconds === undefined) return { ok: false, errcode: 40014 };
    if (nowSeconds >= issued.expiresAt) return { ok: false, errcode: 42001 };
    return { ok: true, corpId: issued.corpId };
  }

  /** Early invalidation: `revoke` forgets the tokens (40014), `expire` ends their life now (42001). */
  invalidate(corpId: string, mode: 'revoke' | 'expire', nowSeconds: number): number {
    let count = 0;
    for (const [token, issued] of this.tokens) {
      if (issued.corpId !== corpId) continue;
      count++;
      if (mode === 'revoke') this.tokens.delete(token);
      else issued.expiresAt = Math.min(issued.expiresAt, nowSeconds);
    }
    this.current.delete(corpId);
    return count;
  }

  forget(corpId: string): void {
    for (const [token, issued] of this.tokens) if (issued.corpId === corpId) this.tokens.delete(token);
    this.current.delete(corpId);
  }
}

/** A cached ticket (jsapi or agent_config) with the same life rules as a token. */
export class TicketCache {
  private ticket: { value: string; expiresAt: number } | undefined;

  get(nowSeconds: number): { ticket: string; expiresIn: number } {
    if (!this.ticket || this.ticket.expiresAt <= nowSeconds) {
      this.ticket = { value: randomBytes(64).toString('base64url'), expiresAt: nowSeconds + TOKEN_TTL_SECONDS };
    }
    return { ticket: this.ticket.value, expiresIn: this.ticket.expiresAt - nowSeconds };
  }

  clear(): void {
    this.ticket = undefined;
  }
}
