import type { EndpointResponse } from '../../endpoints';
import { decodeCursor, encodeCursor, maxPageOf } from '../cursor';
import { WecomError } from '../errors';
import type { SimTransfer } from '../state';
import { MAX_TRANSFERS_IN_WINDOW, recentTransfers } from '../transfers';
import { requireFollower } from './contacts';
import type { HandlerTable } from './types';

type StartItem = EndpointResponse<'transferCustomer'>['customer'][number];
type ResultItem = EndpointResponse<'transferResult'>['customer'][number];

export const transferHandlers = {
  transferCustomer: ({ corp }, { body }) => {
    if (body.handover_userid === body.takeover_userid) throw new WecomError(40130);
    requireFollower(corp, body.handover_userid);
    const takeover = requireFollower(corp, body.takeover_userid);
    if (takeover.status !== 1) throw new WecomError(41054, 'takeover member is not activated');
    const customer: StartItem[] = body.external_userid.map((externalUserid) => {
      const target = corp.customers.get(externalUserid);
      if (!target) return { external_userid: externalUserid, errcode: 40096 };
      if (!target.relations.some((r) => r.userid === body.handover_userid)) {
        return { external_userid: externalUserid, errcode: 40131 };
      }
      if (corp.transfers.some((t) => t.externalUserid === externalUserid && t.status === 2)) {
        return { external_userid: externalUserid, errcode: 40129 };
      }
      if (recentTransfers(corp, externalUserid) >= MAX_TRANSFERS_IN_WINDOW) {
        return { external_userid: externalUserid, errcode: 40128 };
      }
      corp.addTransfer({
        externalUserid,
        handover: body.handover_userid,
        takeover: body.takeover_userid,
        startedAt: corp.now(),
        status: 2,
      });
      return { external_userid: externalUserid, errcode: 0 };
    });
    return { customer };
  },

  transferResult: ({ corp }, { body }) => {
    const pageSize = maxPageOf('transferResult');
    const [afterSeq = 0] = body.cursor ? decodeCursor('tr', body.cursor, 1) : [];
    // One row per customer: the latest transfer between these two members.
    const latest = new Map<string, SimTransfer>();
    for (const t of corp.transfers) {
      if (t.handover !== body.handover_userid || t.takeover !== body.takeover_userid) continue;
      latest.delete(t.externalUserid);
      latest.set(t.externalUserid, t);
    }
    const matching = [...latest.values()].filter((t) => t.seq > afterSeq);
    const page = matching.slice(0, pageSize);
    const customer: ResultItem[] = page.map((t) => {
      const item: ResultItem = { external_userid: t.externalUserid, status: t.status };
      if (t.takeoverTime !== undefined) item.takeover_time = t.takeoverTime;
      return item;
    });
    const last = page[page.length - 1];
    const next_cursor = matching.length > pageSize && last ? encodeCursor('tr', [last.seq]) : '';
    return { customer, next_cursor };
  },
} satisfies Partial<HandlerTable>;
