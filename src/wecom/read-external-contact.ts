import type { WecomApi } from './api';
import type { EndpointResponse } from './endpoints';
import { WecomNetworkError } from './errors';

type ContactAnswer = EndpointResponse<'getExternalContact'>;
export type ExternalContactDetail = ContactAnswer['external_contact'];
export type ExternalContactFollowUser = ContactAnswer['follow_user'][number];

/** More follow users than WeCom pages (500 each) times this is not a real customer; stop rather than loop. */
const MAX_PAGES = 100;

/**
 * Reads one customer with every follow user: externalcontact/get pages follow users past 500
 * with a `cursor` in the query string. A cursor WeCom repeats ends the read instead of looping.
 */
export async function readExternalContact(
  api: WecomApi,
  externalUserid: string,
): Promise<{ contact: ExternalContactDetail; followUsers: ExternalContactFollowUser[] }> {
  const followUsers = new Map<string, ExternalContactFollowUser>();
  const cursorsSeen = new Set<string>();
  let contact: ExternalContactDetail | undefined;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await api.call('getExternalContact', {
      query: cursor === undefined ? { external_userid: externalUserid } : { external_userid: externalUserid, cursor },
    });
    contact = answer.external_contact;
    for (const follow of answer.follow_user) followUsers.set(follow.userid, follow);
    const next = answer.next_cursor;
    if (!next || cursorsSeen.has(next)) break;
    cursorsSeen.add(next);
    cursor = next;
  }
  if (contact === undefined) {
    throw new WecomNetworkError('WeCom externalcontact/get answered no page', { path: 'externalcontact/get' });
  }
  return { contact, followUsers: [...followUsers.values()] };
}
