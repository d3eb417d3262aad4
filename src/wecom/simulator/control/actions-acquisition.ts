import type Router from '@koa/router';
import { Type } from '@sinclair/typebox';
import type { EventFields } from '../callbacks';
import type { CorpRegistry } from '../runtime';
import { ACQUISITION_QUOTA_LOW, type SimAcquisitionLink, type SimCorp } from '../state';
import { ActionOptions, defineAction } from './emit';
import { ControlError, notFound } from './http';

const Opt = Type.Optional;

const LinkBody = Type.Object({ ...ActionOptions, linkId: Type.String({ minLength: 1 }) });

const OpenBody = Type.Object({
  ...ActionOptions,
  linkId: Type.String({ minLength: 1 }),
  /** The link's customer_channel, sent back as State. */
  customerChannel: Opt(Type.String({ maxLength: 64 })),
  /** What WeCom calls the visit: friend_request (doc 97299, default) or open_profile. */
  changeType: Opt(Type.Union([Type.Literal('friend_request'), Type.Literal('open_profile')])),
});

const QuotaBody = Type.Object({
  ...ActionOptions,
  changeType: Type.Union([
    Type.Literal('balance_low'),
    Type.Literal('balance_exhausted'),
    Type.Literal('quota_expire_soon'),
    Type.Literal('balance_increased'),
  ]),
  /** quota_expire_soon: unix seconds when the quota expires, and how much of it (kept in the quota list). */
  expireTime: Opt(Type.Integer({ minimum: 0 })),
  expireQuotaNum: Opt(Type.Integer({ minimum: 0 })),
  /** The balance from now on (what customer_acquisition_quota answers). */
  balance: Opt(Type.Integer({ minimum: 0 })),
});

const ChatBody = Type.Object({
  ...ActionOptions,
  userid: Type.String({ minLength: 1 }),
  externalUserid: Type.String({ minLength: 1 }),
});

/**
 * A customer added through an acquisition link uses one of the corp's quota; crossing below the
 * low mark or reaching zero sends the notice WeCom sends then. Returns those notices.
 */
export function useAcquisitionQuota(corp: SimCorp): EventFields[] {
  const quota = corp.acquisitionQuota;
  if (quota.balance <= 0) return [];
  const before = quota.balance;
  quota.balance -= 1;
  quota.total += 1;
  if (quota.balance === 0) return [{ Event: 'customer_acquisition', ChangeType: 'balance_exhausted' }];
  if (before >= ACQUISITION_QUOTA_LOW && quota.balance < ACQUISITION_QUOTA_LOW) {
    return [{ Event: 'customer_acquisition', ChangeType: 'balance_low' }];
  }
  return [];
}

function requireLink(corp: SimCorp, linkId: string): SimAcquisitionLink {
  const link = corp.links.get(linkId);
  if (!link) throw notFound(`acquisition link ${linkId}`);
  return link;
}

/** WeCom's customer_acquisition callbacks (获客助手): link status, visits, quota and first chats. */
export function registerAcquisitionActions(router: Router, registry: CorpRegistry): void {
  defineAction(router, registry, 'acquisition-link-unavailable', LinkBody, ({ corp }, body) => {
    const link = requireLink(corp, body.linkId);
    return {
      done: { linkId: link.linkId },
      events: [{ Event: 'customer_acquisition', ChangeType: 'link_unavailable', LinkId: link.linkId }],
    };
  });

  defineAction(router, registry, 'acquisition-link-deleted', LinkBody, ({ corp }, body) => {
    // Deleted in the admin console (an API delete fires no callback): gone for the API too.
    corp.links.delete(requireLink(corp, body.linkId).linkId);
    return {
      done: { linkId: body.linkId },
      events: [{ Event: 'customer_acquisition', ChangeType: 'delete_link', LinkId: body.linkId }],
    };
  });

  defineAction(router, registry, 'customer-opens-link', OpenBody, ({ corp }, body) => {
    const link = requireLink(corp, body.linkId);
    const changeType = body.changeType ?? 'friend_request';
    return {
      done: { linkId: link.linkId, changeType, state: body.customerChannel ?? null },
      events: [
        { Event: 'customer_acquisition', ChangeType: changeType, LinkId: link.linkId, State: body.customerChannel },
      ],
    };
  });

  defineAction(router, registry, 'acquisition-quota', QuotaBody, ({ corp }, body) => {
    const expiring = body.changeType === 'quota_expire_soon';
    if (!expiring && (body.expireTime !== undefined || body.expireQuotaNum !== undefined)) {
      throw new ControlError(400, 'BAD_QUOTA', 'expireTime and expireQuotaNum belong to quota_expire_soon only');
    }
    const quota = corp.acquisitionQuota;
    if (body.balance !== undefined) quota.balance = body.balance;
    if (expiring && body.expireTime !== undefined && body.expireQuotaNum !== undefined) {
      quota.quotaList.push({ expireDate: body.expireTime, balance: body.expireQuotaNum });
    }
    return {
      done: { changeType: body.changeType, balance: quota.balance },
      events: [
        {
          Event: 'customer_acquisition',
          ChangeType: body.changeType,
          ...(expiring
            ? {
                ExpireTime: body.expireTime === undefined ? undefined : String(body.expireTime),
                ExpireQuotaNum: body.expireQuotaNum === undefined ? undefined : String(body.expireQuotaNum),
              }
            : {}),
        },
      ],
    };
  });

  defineAction(router, registry, 'customer-starts-chat', ChatBody, ({ corp }, body) => {
    if (!corp.relation(body.userid, body.externalUserid)) {
      throw notFound(`relation between ${body.userid} and ${body.externalUserid}`);
    }
    return {
      done: { userid: body.userid, externalUserid: body.externalUserid },
      events: [
        {
          Event: 'customer_acquisition',
          ChangeType: 'customer_start_chat',
          UserID: body.userid,
          ExternalUserID: body.externalUserid,
        },
      ],
    };
  });
}
