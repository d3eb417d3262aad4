import { Type } from '@sinclair/typebox';
import { readQuotaNotices, type QuotaNotice } from '../../../domain/acquisition/acq-callbacks';
import type { AppDeps } from '../../app';
import { defineRoute, type RouteDefinition } from '../../route';
import { corpOf } from '../corp';

const NOTICES_SHOWN = 20;

const NoticeView = Type.Object({
  changeType: Type.String({ description: 'balance_low, balance_exhausted, quota_expire_soon or balance_increased' }),
  text: Type.String({ description: 'the notice in words (Chinese)' }),
  occurredAt: Type.String({ description: 'when WeCom sent it' }),
  expireTime: Type.Union([Type.String(), Type.Null()], { description: 'quota_expire_soon: when the quota expires' }),
  expireQuotaNum: Type.Union([Type.Integer(), Type.Null()], { description: 'quota_expire_soon: how much expires' }),
});

const presentNotice = (n: QuotaNotice) => ({
  changeType: n.changeType,
  text: n.text,
  occurredAt: n.occurredAt.toISOString(),
  expireTime: n.expireTime?.toISOString() ?? null,
  expireQuotaNum: n.expireQuotaNum,
});

/** The corp's acquisition-link quota notices, from WeCom's customer_acquisition callbacks. */
export function acqQuotaRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/admin/cust/get/link/quota/notices',
      operationId: 'getAcqQuotaNotices',
      summary: "The corp's acquisition-link quota notices from WeCom, newest first, and the warning standing now",
      description:
        'WeCom tells the corp through customer_acquisition callbacks when its acquisition-link quota runs low, ' +
        'runs out or is about to expire (and when it grows again). `warning` is the latest of them unless it ' +
        `says the balance grew; \`list\` the latest ${NOTICES_SHOWN}. Each callback counts once however often it is delivered.`,
      tag: 'acquisition links',
      auth: 'admin',
      permission: 'acqLink:quotaNotices',
      response: Type.Object({ warning: Type.Union([NoticeView, Type.Null()]), list: Type.Array(NoticeView) }),
      handle: async (_input, ctx) => {
        const { warning, list } = await readQuotaNotices(deps.db, corpOf(ctx, deps), NOTICES_SHOWN);
        return { warning: warning && presentNotice(warning), list: list.map(presentNotice) };
      },
    }),
  ];
}
