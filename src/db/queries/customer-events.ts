import type { Executor } from '../knex';

export interface CustomerEventInsert {
  corpId: string;
  externalUserid: string;
  /** Stable snake_case name, rendered into timeline text by the timeline presenter. */
  kind: string;
  detail?: Record<string, unknown> | null;
  /** Who did it: an admin username, or null for WeCom / the system. */
  cuser?: string | null;
  ctime?: Date;
}

/** Records events on WeCom customers; call inside the transaction that made the change. */
export async function insertCustomerEvents(db: Executor, events: CustomerEventInsert[]): Promise<void> {
  if (events.length === 0) return;
  await db('customer_event').insert(
    events.map((e) => ({
      corp_id: e.corpId,
      external_userid: e.externalUserid,
      kind: e.kind,
      detail: e.detail ? JSON.stringify(e.detail) : null,
      cuser: e.cuser ?? null,
      ...(e.ctime ? { ctime: e.ctime } : {}),
    })),
  );
}
