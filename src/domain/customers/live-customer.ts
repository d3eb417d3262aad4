import type { Executor } from '../../db/knex';
import { findCustomerByExternalUserid } from '../../db/queries/wecom-customers';
import { employeeNames } from '../../db/queries/wecom-employees';
import type { WecomApi } from '../../wecom/api';
import {
  readExternalContact,
  type ExternalContactDetail,
  type ExternalContactFollowUser,
} from '../../wecom/read-external-contact';
import { NotFoundError } from '../errors';
import { wecomCallError } from './wecom-errors';
import { ownerInScope, type CorpViewer } from '../../db/queries/data-scope';

export type LiveContact = ExternalContactDetail;
export type LiveFollowUser = ExternalContactFollowUser;

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
  viewer: CorpViewer,
  externalUserid: string,
): Promise<LiveCustomer> {
  const corpId = viewer.corpId;
  const api = await openWecom();
  const unknown = () => new NotFoundError('WeCom customer', externalUserid, 'WECOM_CUSTOMER_NOT_FOUND');
  let read: Awaited<ReturnType<typeof readExternalContact>>;
  try {
    read = await readExternalContact(api, externalUserid);
  } catch (error) {
    throw wecomCallError(error, unknown);
  }
  // Data scope by what WeCom answers now: the follow users the viewer may see, and a customer
  // none of whose follow users is in scope reads as unknown.
  const followUsers = [];
  for (const follow of read.followUsers) if (await ownerInScope(db, viewer, follow.userid)) followUsers.push(follow);
  if (followUsers.length === 0 && !viewer.scope.all) throw unknown();
  const mirrored = await findCustomerByExternalUserid(db, corpId, externalUserid);
  return {
    contact: read.contact,
    followUsers,
    employeeNames: await employeeNames(
      db,
      corpId,
      followUsers.map((f) => f.userid),
    ),
    mirrorCustomerId: mirrored?.id ?? null,
  };
}
