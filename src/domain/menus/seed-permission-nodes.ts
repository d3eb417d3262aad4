import type { Db } from '../../db/knex';
import { bumpGrantVersion } from '../../db/queries/access';

/** A node the route table implies (see api/permission-tree.ts). */
export interface SeedNode {
  code: string;
  parentCode: string | null;
  type: 'directory' | 'menu' | 'button';
  name: string;
  order: number;
  path: string | null;
  icon: string | null;
  permission: string | null;
}

/**
 * Inserts the nodes whose code is not in sys_menu yet, parents first. Nodes already there are left
 * as they are, wherever an admin moved or renamed them; any number of API processes may run this
 * at once. Returns how many nodes were added.
 */
export async function seedPermissionNodes(db: Db, nodes: SeedNode[]): Promise<number> {
  return db.transaction(async (trx) => {
    let added = 0;
    for (const node of nodes) {
      const result = await trx.raw<{ rowCount: number }>(
        `INSERT INTO sys_menu (parent_id, menu_type, name, order_num, path, icon, permission, code, cuser, muser)
         SELECT (SELECT id FROM sys_menu WHERE code = ?), ?, ?, ?, ?, ?, ?, ?, 'system', 'system'
         ON CONFLICT DO NOTHING`,
        [node.parentCode, node.type, node.name, node.order, node.path, node.icon, node.permission, node.code],
      );
      added += result.rowCount;
    }
    if (added > 0) await bumpGrantVersion(trx);
    return added;
  });
}
