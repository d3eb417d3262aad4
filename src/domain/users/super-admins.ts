import type { Executor } from '../../db/knex';
import { countActiveSuperAdmins, lockSuperAdminRole } from '../../db/queries/users';
import { ConflictError, ForbiddenError } from '../errors';

/** Who is asking, as far as the rules about super admins care. */
export interface Actor {
  id: string;
  username: string;
  superAdmin: boolean;
}

export { lockSuperAdminRole };

/**
 * Refuses a change that takes `userIds` (active super admins now) out of the active super admins
 * when nobody would be left. Call it in the transaction of the change, after lockSuperAdminRole:
 * concurrent removals then take turns and the second one counts what the first one left.
 */
export async function refuseRemovingLastSuperAdmin(trx: Executor, userIds: readonly string[]): Promise<void> {
  if ((await countActiveSuperAdmins(trx, userIds)) === 0) {
    throw new ConflictError('the installation must keep at least one active super admin', 'LAST_SUPER_ADMIN');
  }
}

/**
 * Only a super admin may change a super admin (or hand out the role): otherwise anyone allowed to
 * reset passwords or assign roles could make themselves one.
 */
export function requireSuperAdminActor(actor: Actor): void {
  if (!actor.superAdmin) {
    throw new ForbiddenError(
      'only a super admin may change a super admin or the super-admin role',
      'SUPER_ADMIN_REQUIRED',
    );
  }
}
