import type { Knex } from 'knex';
import type { DataScope } from '../../domain/access/user-access';
import type { Executor } from '../knex';

/**
 * Who is asking, as far as data scope is concerned: built once per admin request from the
 * signed-in user (api/admin/viewer.ts) and passed down to every query that lists or reads rows
 * owned by WeCom employees (clues, customers, relations, group chats).
 */
export interface Viewer {
  /** The WeCom corp the viewer works on: their own, else the installation's; null when neither is set. */
  corpId: string | null;
  /** The installation's configured corp: users without a corp of their own belong to it. */
  defaultCorpId: string | null;
  scope: DataScope;
  /** The WeCom employee the viewer is bound to: their own rows, whatever the scope. */
  wecomUserid: string | null;
}

/** A viewer of a corp's mirrored rows (customers, relations, groups), which only exist per corp. */
export interface CorpViewer extends Viewer {
  corpId: string;
}

/**
 * Keeps the rows whose `ownerColumn` (a WeCom userid) the viewer may see: every row for scope
 * all (the query is left exactly as it was, so its plans do not change), else the rows owned by
 * the WeCom userids bound to live users of the scope's departments in the viewer's corp, plus the
 * viewer's own. The owners are collected into one array (an InitPlan) that the column is compared
 * with by `= ANY`: the same shape an index on the owner column answers, and one statement text
 * whatever the number of departments.
 */
export function whereOwnerInScope<Q extends Knex.QueryBuilder>(q: Q, viewer: Viewer, ownerColumn: string): Q {
  const scope = viewer.scope;
  if (scope.all) return q;
  const own = viewer.wecomUserid;
  if (scope.deptIds.length === 0) {
    // Nobody's departments: the viewer's own rows, or none when they are bound to no employee.
    return (own === null ? q.whereRaw('false') : q.where(ownerColumn, own)) as Q;
  }
  const members = `ARRAY(SELECT u.wecom_userid FROM sys_user u
                          WHERE u.dept_id = ANY (?::bigint[]) AND u.is_del = 0 AND u.wecom_userid IS NOT NULL
                            AND coalesce(u.corp_id, ?) IS NOT DISTINCT FROM ?)`;
  const bindings: Knex.RawBinding[] = [ownerColumn, scope.deptIds, viewer.defaultCorpId, viewer.corpId];
  if (own === null) return q.whereRaw(`?? = ANY (${members})`, bindings) as Q;
  return q.whereRaw(`?? = ANY (${members} || ?::varchar)`, [...bindings, own]) as Q;
}

/** Whether rows owned by the WeCom employee `userid` are in the viewer's scope. */
export async function ownerInScope(db: Executor, viewer: Viewer, userid: string): Promise<boolean> {
  if (viewer.scope.all) return true;
  const row = await whereOwnerInScope(
    db.select(db.raw('1')).fromRaw(db.raw('(SELECT ?::varchar AS owner) AS s', [userid])),
    viewer,
    's.owner',
  ).first();
  return row !== undefined;
}
