import { Type } from '@sinclair/typebox';
import { readLiveQuota, readQuotaNotices, type QuotaNotice } from '../../../domain/acquisition/acq-callbacks';
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

const QuotaView = Type.Object({
  total: Type.Integer({ description: 'quota used so far, all time' }),
  balance: Type.Integer({ description: 'quota left' }),
  expiring: Type.Array(Type.Object({ expireDate: Type.String(), balance: Type.Integer() }), {
    description: 'parts of the balance that expire, by day',
  }),
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
        `says the balance grew; \`list\` the latest ${NOTICES_SHOWN}. Each callback counts once however often it is delivered. ` +
        '`quota` is the balance WeCom states now (customer_acquisition_quota).',
      tag: 'acquisition links',
      auth: 'admin',
      permission: 'acqLink:quotaNotices',
      response: Type.Object({
        warning: Type.Union([NoticeView, Type.Null()]),
        list: Type.Array(NoticeView),
        quota: Type.Union([QuotaView, Type.Null()], { description: 'null when WeCom could not be read now' }),
        quotaError: Type.Union([Type.String({ description: 'why quota is null (Chinese)' }), Type.Null()]),
      }),
      handle: async (_input, ctx) => {
        const corpId = corpOf(ctx, deps);
        const [{ warning, list }, live] = await Promise.all([
          readQuotaNotices(deps.db, corpId, NOTICES_SHOWN),
          deps.wecom(corpId).then(readLiveQuota),
        ]);
        return {
          warning: warning && presentNotice(warning),
          list: list.map(presentNotice),
          quota: live.quota && {
            total: live.quota.total,
            balance: live.quota.balance,
            expiring: live.quota.expiring.map((q) => ({ expireDate: q.expireDate.toISOString(), balance: q.balance })),
          },
          quotaError: live.error,
        };
      },
    }),
  ];
}
