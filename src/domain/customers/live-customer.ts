import type { Executor } from '../../db/knex';
import { findCustomerByExternalUserid } from '../../db/queries/wecom-customers';
import { employeeNames } from '../../db/queries/wecom-employees';
import type { WecomApi } from '../../wecom/api';
import type { EndpointResponse } from '../../wecom/endpoints';
import { NotFoundError } from '../errors';
import { wecomCallError } from './wecom-errors';

type ContactAnswer = EndpointResponse<'getExternalContact'>;
export type LiveContact = ContactAnswer['external_contact'];
export type LiveFollowUser = ContactAnswer['follow_user'][number];

/** More follow users than WeCom pages (500 each) times this is not a real customer; stop rather than loop. */
const MAX_PAGES = 100;

export interface LiveCustomer {
  contact: LiveContact;
  followUsers: LiveFollowUser[];
  /** Names of the follow users known to the mirror. */
  employeeNames: Map<string, string>;
  /** The mirrored customer's id, when the mirror has this customer. */
  mirrorCustomerId: string | null;
}

/**
 * Reads a customer and all its follow users from WeCom now (externalcontact/get, following
 * next_cursor). Read-only: the mirror is not updated.
 */
export async function fetchLiveCustomer(
  db: Executor,
  openWecom: () => Promise<WecomApi>,
  corpId: string,
  externalUserid: string,
): Promise<LiveCustomer> {
  const api = await openWecom();
  const unknown = () => new NotFoundError('WeCom customer', externalUserid, 'WECOM_CUSTOMER_NOT_FOUND');
  let contact: LiveContact | undefined;
  const followUsers = new Map<string, LiveFollowUser>();
  const cursorsSeen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    let answer: ContactAnswer;
    try {
      answer = await api.call('getExternalContact', {
        query: cursor === undefined ? { external_userid: externalUserid } : { external_userid: externalUserid, cursor },
      });
    } catch (error) {
      throw wecomCallError(error, unknown);
    }
    contact = answer.external_contact;
    for (const f of answer.follow_user) followUsers.set(f.userid, f);
    const next = answer.next_cursor;
    if (!next || cursorsSeen.has(next)) break;
    cursorsSeen.add(next);
    cursor = next;
  }
  if (!contact) throw unknown();
  const mirrored = await findCustomerByExternalUserid(db, corpId, externalUserid);
  return {
    contact,
    followUsers: [...followUsers.values()],
    employeeNames: await employeeNames(db, corpId, [...followUsers.keys()]),
    mirrorCustomerId: mirrored?.id ?? null,
  };
}
