import { Type, type Static } from '@sinclair/typebox';
import {
  findTransfer,
  listTransferItems,
  pageTransfers,
  type TransferItemRow,
} from '../../../db/queries/customer-transfers';
import { NotFoundError } from '../../../domain/errors';
import { requestTransfer } from '../../../domain/transfers/request-transfer';
import { customerTransferWorkflowId } from '../../../temporal/names';
import type { AppDeps } from '../../app';
import { PageOf, PagingFields } from '../../paging';
import { defineRoute, type RouteDefinition } from '../../route';
import { IdString } from '../../validation';
import { corpViewerOf } from '../viewer';
import { WecomUserid as wecomUserid } from '../../validation';

const externalUserid = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^\\S+$',
  'x-message': 'field.externalUserid',
});

const ITEM_STATES = ['rejected', 'pending', 'waiting', 'succeeded', 'failed'] as const;

const TransferItemView = Type.Object({
  externalUserid: Type.String(),
  handoverUserid: Type.Union([Type.String(), Type.Null()]),
  takeoverUserid: Type.String(),
  clueId: Type.Union([Type.String(), Type.Null()]),
  state: Type.Unsafe<(typeof ITEM_STATES)[number]>({
    type: 'string',
    enum: [...ITEM_STATES],
    description:
      'rejected: failed the local check, never sent; pending: not answered by WeCom yet; waiting: WeCom status 2; ' +
      'succeeded: status 1; failed: refused by WeCom (errcode) or final status 3/4/5',
  }),
  checkResult: Type.Union([Type.String(), Type.Null()], { description: 'the local rule the customer broke' }),
  errcode: Type.Union([Type.Integer(), Type.Null()], { description: 'transfer_customer’s answer for the customer' }),
  status: Type.Union([Type.Integer(), Type.Null()], {
    description: 'transfer_result: 1 done, 2 waiting, 3 refused, 4 takeover at its limit, 5 no record',
  }),
  takeoverTime: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  final: Type.Boolean(),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'what happened, in Chinese' }),
});

const TransferView = Type.Object({
  id: Type.String(),
  workflowId: Type.Union([Type.String(), Type.Null()]),
  handoverUserid: Type.Union([Type.String(), Type.Null()]),
  takeoverUserid: Type.String(),
  transferMsg: Type.Union([Type.String(), Type.Null()]),
  status: Type.Unsafe<'running' | 'done'>({ type: 'string', enum: ['running', 'done'] }),
  cuser: Type.Union([Type.String(), Type.Null()]),
  ctime: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const TransferDetailView = Type.Composite([TransferView, Type.Object({ items: Type.Array(TransferItemView) })]);

function itemState(item: TransferItemRow): (typeof ITEM_STATES)[number] {
  if (item.check_result !== null) return 'rejected';
  if (item.final) return item.status === 1 ? 'succeeded' : 'failed';
  return item.status === 2 ? 'waiting' : 'pending';
}

function presentItem(item: TransferItemRow): Static<typeof TransferItemView> {
  return {
    externalUserid: item.external_userid,
    handoverUserid: item.handover_userid,
    takeoverUserid: item.takeover_userid,
    clueId: item.clue_id === null ? null : String(item.clue_id),
    state: itemState(item),
    checkResult: item.check_result,
    errcode: item.errcode,
    status: item.status,
    takeoverTime: item.takeover_time ? item.takeover_time.toISOString() : null,
    final: item.final,
    reason: item.reason,
  };
}

function presentTransfer(
  transfer: Awaited<ReturnType<typeof findTransfer>> & object,
  hasWorkflow: boolean,
): Static<typeof TransferView> {
  return {
    id: String(transfer.id),
    workflowId: hasWorkflow ? customerTransferWorkflowId(String(transfer.id)) : null,
    handoverUserid: transfer.handover_userid,
    takeoverUserid: transfer.takeover_userid,
    transferMsg: transfer.transfer_msg,
    status: transfer.status,
    cuser: transfer.cuser,
    ctime: transfer.ctime.toISOString(),
    finishedAt: transfer.finished_at ? transfer.finished_at.toISOString() : null,
  };
}

export function customerTransferRoutes(deps: AppDeps): RouteDefinition[] {
  const actor = (ctx: { user?: { username: string } | undefined }) => ctx.user?.username ?? 'system';
  return [
    defineRoute({
      method: 'POST',
      path: '/admin/clue/transferOwner',
      operationId: 'transferCustomerOwner',
      seedOp: 'clueDetail.transferOwner',
      summary: 'Transfer WeCom customers to another employee while both work here (在职继承), as a workflow',
      description:
        'Customers by externalUserids and/or clueIds (the WeCom customers linked to each clue). Each is first ' +
        'checked here against WeCom’s rules — a valid relation with the handover (handoverUserid, or the ' +
        'customer’s one current follow user when absent), a takeover other than the handover, no transfer under ' +
        'way, at most 2 transfers in 90 days — and the ones that cannot go are answered as rejected with a Chinese ' +
        'reason. The rest go to the transfer’s workflow: transfer_customer in chunks of 100, then transfer_result ' +
        'until every customer is final (WeCom completes the takeover after 24 h unless the customer refuses). ' +
        'Progress: GET /admin/clue/transfer. A bad request (no customer, takeover not an active employee, a clue ' +
        'without customer) is a 400 that stores nothing.',
      tag: 'clues',
      auth: 'admin',
      permission: 'clueDetail:transferOwner',
      body: Type.Object(
        {
          externalUserids: Type.Optional(Type.Array(externalUserid, { maxItems: 1000, uniqueItems: true })),
          clueIds: Type.Optional(Type.Array(IdString, { maxItems: 1000, uniqueItems: true })),
          handoverUserid: Type.Optional(
            wecomUserid('the employee the customers leave; absent: each one’s follow user'),
          ),
          takeoverUserid: wecomUserid('the employee who takes the customers over'),
          transferMsg: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 200,
              description: 'what WeCom shows the customer (transfer_success_msg)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      response: TransferDetailView,
      handle: async ({ body }, ctx) => {
        const { transfer, items } = await requestTransfer(deps.db, corpViewerOf(ctx, deps), body, actor(ctx));
        const toSend = items.filter((i) => i.check_result === null).length;
        if (toSend > 0) {
          deps.transfers.enqueue({
            id: String(transfer.id),
            corpId: transfer.corp_id,
            takeoverUserid: transfer.takeover_userid,
            customers: toSend,
          });
        }
        return { ...presentTransfer(transfer, toSend > 0), items: items.map(presentItem) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/admin/clue/transfer',
      operationId: 'getCustomerTransfer',
      errors: [404],
      summary: 'An in-service transfer with every customer’s status',
      tag: 'clues',
      auth: 'admin',
      permission: 'clueDetail:transferGet',
      query: Type.Object({ id: IdString }, { additionalProperties: false }),
      response: TransferDetailView,
      handle: async ({ query }, ctx) => {
        const transfer = await findTransfer(deps.db, corpViewerOf(ctx, deps), query.id);
        if (!transfer) throw new NotFoundError('customer transfer', query.id, 'TRANSFER_NOT_FOUND');
        const items = await listTransferItems(deps.db, transfer.id);
        const sent = items.some((i) => i.check_result === null);
        return { ...presentTransfer(transfer, sent), items: items.map(presentItem) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/admin/clue/transfer/page',
      operationId: 'pageCustomerTransfers',
      summary: 'Page through the corp’s in-service transfers, newest first, with counts per state',
      tag: 'clues',
      auth: 'admin',
      permission: 'clueDetail:transferPage',
      body: Type.Object(PagingFields, { additionalProperties: false }),
      response: PageOf(
        Type.Composite([
          TransferView,
          Type.Object({ customers: Type.Integer(), finalCustomers: Type.Integer(), succeeded: Type.Integer() }),
        ]),
      ),
      handle: async ({ body }, ctx) => {
        const page = await pageTransfers(deps.db, corpViewerOf(ctx, deps), body);
        return {
          list: page.list.map((t) => ({
            ...presentTransfer(t, true),
            customers: t.item_count,
            finalCustomers: t.final_count,
            succeeded: t.done_count,
          })),
          total: page.total,
          pageNum: body.pageNum,
          pageSize: body.pageSize,
        };
      },
    }),
  ];
}
