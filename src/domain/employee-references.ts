import type { Executor } from '../db/knex';
import { findUserByUsername } from '../db/queries/users';
import { liveEmployeeUserids } from '../db/queries/wecom-employees';
import { ValidationError } from './errors';

/** A field of a request that names a WeCom employee by userid. */
export interface EmployeeReference {
  field: string;
  userid: string;
}

/**
 * Refuses references to anyone who is not a live employee of the corp's mirror (userids are
 * case-insensitive, as in WeCom): one 400 naming every such field.
 */
export async function requireEmployees(
  db: Executor,
  corpId: string,
  references: readonly EmployeeReference[],
): Promise<void> {
  const live = await liveEmployeeUserids(
    db,
    corpId,
    references.map((r) => r.userid),
  );
  const unknown = references.filter((r) => !live.has(r.userid.toLowerCase()));
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map((r) => ({
        field: r.field,
        message: `no employee ${r.userid} in WeCom corp ${corpId}`,
        messageKey: 'field.unknownEmployee',
        params: { userid: r.userid, corpId },
      })),
    );
  }
}

/** The WeCom corp an admin (by username) works on, when the account is bound to one. */
export async function corpOfActor(db: Executor, username: string): Promise<string | undefined> {
  return (await findUserByUsername(db, username))?.corp_id ?? undefined;
}
