/** Per-corp counters that tests read through the control API. */
export class CorpStats {
  total = 0;
  readonly calls: Record<string, number> = {};
  readonly errors: Record<string, Record<string, number>> = {};
  callbacksSent = 0;
  callbacksDelivered = 0;
  callbacksFailed = 0;
  callbackAttempts = 0;

  countCall(path: string): void {
    this.total++;
    this.calls[path] = (this.calls[path] ?? 0) + 1;
  }

  countError(path: string, errcode: number): void {
    const byCode = (this.errors[path] ??= {});
    byCode[String(errcode)] = (byCode[String(errcode)] ?? 0) + 1;
  }

  toJSON() {
    return {
      apiCalls: { total: this.total, byPath: { ...this.calls }, errorsByPath: structuredClone(this.errors) },
      callbacks: {
        sent: this.callbacksSent,
        delivered: this.callbacksDelivered,
        failed: this.callbacksFailed,
        attempts: this.callbackAttempts,
      },
    };
  }
}
