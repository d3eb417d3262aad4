import type Router from '@koa/router';
import { Type } from '@sinclair/typebox';
import type { CorpRegistry } from '../runtime';
import { decideTransfer } from '../transfers';
import { ActionOptions, defineAction } from './emit';
import { notFound } from './http';

const DecideBody = Type.Object({
  ...ActionOptions,
  externalUserid: Type.String({ minLength: 1 }),
  handoverUserid: Type.Optional(Type.String()),
  takeoverUserid: Type.Optional(Type.String()),
  /** accept → status 1; refuse → 3 (transfer_fail customer_refused); limit → 4 (customer_limit_exceed). */
  outcome: Type.Union([Type.Literal('accept'), Type.Literal('refuse'), Type.Literal('limit')]),
});

/** The customer's side of a waiting in-service transfer, decided before WeCom's 24 hours run out. */
export function registerTransferActions(router: Router, registry: CorpRegistry): void {
  defineAction(router, registry, 'transfer-decided', DecideBody, ({ corp }, body) => {
    const transfer = corp.transfers.find(
      (t) =>
        t.status === 2 &&
        t.externalUserid === body.externalUserid &&
        (body.handoverUserid === undefined || t.handover === body.handoverUserid) &&
        (body.takeoverUserid === undefined || t.takeover === body.takeoverUserid),
    );
    if (!transfer) throw notFound(`waiting transfer of ${body.externalUserid}`);
    const events = decideTransfer(corp, transfer, body.outcome);
    return {
      done: {
        externalUserid: transfer.externalUserid,
        handoverUserid: transfer.handover,
        takeoverUserid: transfer.takeover,
        status: transfer.status,
      },
      events,
    };
  });
}
