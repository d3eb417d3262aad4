import type { TimelineRow } from '../../db/queries/timeline';

/** Who did what an entry tells: a signed-in admin, a partner's API, a WeCom employee or customer, or the product itself. */
export type TimelineActorType = 'admin' | 'partner' | 'employee' | 'customer' | 'system';

export interface TimelineActor {
  type: TimelineActorType;
  /** admin username, `partner:<id>`, employee userid or external userid; null for the system. */
  id: string | null;
}

/** How the intake path signs what a partner's API wrote (clue.cuser / clue_event.cuser). */
const PARTNER_PREFIX = 'partner:';

/** add_way codes of relations WeCom created without the customer asking: shared by a member, assigned (transfers). */
export const ASSIGNED_ADD_WAYS = new Set(['201', '202']);

type Detail = Record<string, unknown>;

const SYSTEM: TimelineActor = { type: 'system', id: null };

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The partner id of a `partner:<id>` signature; null for anything else. */
export function partnerIdOf(actor: string | null): string | null {
  const id = actor?.startsWith(PARTNER_PREFIX) ? actor.slice(PARTNER_PREFIX.length) : '';
  return /^\d+$/.test(id) ? id : null;
}

/**
 * The stored signature (cuser) names admins and partners; what WeCom reported carries no
 * signature, so its actor follows from what happened: the customer adds, leaves and joins, an
 * employee deletes or edits, WeCom itself completes transfers and assignments.
 */
export function timelineActorOf(row: TimelineRow): TimelineActor {
  if (row.actor !== null) {
    return { type: partnerIdOf(row.actor) === null ? 'admin' : 'partner', id: row.actor };
  }
  const d: Detail = row.detail ?? {};
  const customer: TimelineActor = { type: 'customer', id: row.external_userid };
  const employee = str(d.userid) ? ({ type: 'employee', id: str(d.userid) } as const) : SYSTEM;
  switch (row.kind) {
    case 'wecom_added':
      return ASSIGNED_ADD_WAYS.has(String(d.addWay)) ? SYSTEM : customer;
    case 'acquired':
    case 'acq_chat_started':
    case 'group_joined':
      return customer;
    case 'group_left':
      return d.quitScene === 1 ? SYSTEM : customer;
    case 'wecom_ended':
      return String(d.status) === '1' ? employee : String(d.status) === '2' ? customer : SYSTEM;
    case 'wecom_edited':
      return employee;
    case 'transfer_failed':
      // Status 3: the customer refused the transfer in WeCom.
      return d.status === 3 ? customer : SYSTEM;
    default:
      return SYSTEM;
  }
}
