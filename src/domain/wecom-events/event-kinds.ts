import type { XmlElement } from '../../wecom/callback-xml';

/**
 * What an identical copy of an event means. WeCom's events say who and when (to the second), not
 * what changed, so a copy is either a redelivery or a second change within the same second.
 * - `refresh`: applied as a fresh read of WeCom's live state; a copy that arrives after that read
 *   began is applied again (reading twice is harmless, missing the second change is not).
 * - `once`: acts or records a fact that must happen once (a welcome code, an end, a removal); a
 *   copy only counts as received.
 */
export type CopyRule = 'refresh' | 'once';

/** The rule of every event kind the mirror applies; a kind not listed (recorded only) is `once`. */
const COPY_RULES: Readonly<Record<string, CopyRule>> = {
  // The welcome code in an add may be used once.
  'change_external_contact/add_external_contact': 'once',
  'change_external_contact/add_half_external_contact': 'once',
  'change_external_contact/edit_external_contact': 'refresh',
  'change_external_contact/del_external_contact': 'once',
  'change_external_contact/del_follow_user': 'once',
  'change_external_contact/transfer_fail': 'once',
  'change_external_chat/create': 'refresh',
  'change_external_chat/update': 'refresh',
  'change_external_chat/dismiss': 'once',
  'change_external_tag/create': 'refresh',
  'change_external_tag/update': 'refresh',
  'change_external_tag/shuffle': 'refresh',
  'change_external_tag/delete': 'once',
  'change_contact/create_user': 'refresh',
  'change_contact/update_user': 'refresh',
  'change_contact/delete_user': 'once',
  'change_contact/create_party': 'refresh',
  'change_contact/update_party': 'refresh',
  'change_contact/delete_party': 'once',
  // Counted or recorded facts (a profile opened, a first chat, a quota notice).
  'customer_acquisition/balance_low': 'once',
  'customer_acquisition/balance_exhausted': 'once',
  'customer_acquisition/quota_expire_soon': 'once',
  'customer_acquisition/balance_increased': 'once',
  'customer_acquisition/link_unavailable': 'once',
  'customer_acquisition/delete_link': 'once',
  'customer_acquisition/open_profile': 'once',
  'customer_acquisition/friend_request': 'once',
  'customer_acquisition/customer_start_chat': 'once',
};

export function copyRuleOf(fields: XmlElement): CopyRule {
  const text = (key: string) => {
    const value = fields[key];
    return typeof value === 'string' ? value : '';
  };
  return COPY_RULES[`${text('Event')}/${text('ChangeType')}`] ?? 'once';
}
