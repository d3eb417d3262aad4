import type { Db, Executor } from '../../db/knex';
import {
  findDeptById,
  insertDept,
  listDeptParents,
  pageDepts as pageDeptRows,
  updateDept,
  type DeptFilter,
  type WecomDeptRow,
  type WecomDeptValues,
} from '../../db/queries/wecom-depts';
import { ConflictError, NotFoundError, sqlState, SQLSTATE_UNIQUE_VIOLATION, ValidationError } from '../errors';

/** WeCom's root department has id 1 and parent 0. */
const NO_PARENT = '0';

export interface DeptInput {
  id?: string;
  deptId?: string;
  name?: string;
  nameEn?: string | null;
  parentId?: string;
  order?: number;
  leaders?: string[];
}

export async function getDept(db: Executor, corpId: string, id: string): Promise<WecomDeptRow> {
  const row = await findDeptById(db, corpId, id);
  if (!row) throw new NotFoundError('WeCom department', id, 'WECOM_DEPT_NOT_FOUND');
  return row;
}

export function pageDepts(db: Executor, corpId: string, filter: DeptFilter) {
  return pageDeptRows(db, corpId, filter);
}

/** The parent must be a live department of the corp (or 0 for a root) and must not lie below the department itself. */
async function checkParent(db: Executor, corpId: string, deptId: string, parentId: string): Promise<void> {
  if (parentId === NO_PARENT) return;
  if (parentId === deptId)
    throw ValidationError.field('parentId', 'a department cannot be its own parent', 'rule.ownParent');
  const parents = await listDeptParents(db, corpId);
  if (!parents.has(parentId))
    throw ValidationError.field('parentId', 'no such department in this corp', 'rule.noSuchDepartment');
  let cursor: string | null | undefined = parentId;
  for (let depth = 0; cursor && cursor !== NO_PARENT && depth <= parents.size; depth++) {
    if (cursor === deptId)
      throw ValidationError.field('parentId', 'would make the department its own ancestor', 'rule.ownAncestor');
    cursor = parents.get(cursor);
  }
}

function valuesOf(input: DeptInput): WecomDeptValues {
  const values: WecomDeptValues = {};
  if (input.name !== undefined) values.name = input.name.trim();
  if (input.nameEn !== undefined) values.name_en = input.nameEn?.trim() || null;
  if (input.parentId !== undefined) values.parent_id = input.parentId;
  if (input.order !== undefined) values.dept_order = String(input.order);
  if (input.leaders !== undefined) values.leaders = input.leaders;
  return values;
}

/**
 * Edits the local copy of a WeCom department (by `id`), or adds one (with its WeCom `deptId`).
 * This never writes to WeCom: the next department sync overwrites these fields with WeCom's
 * values, and marks a department WeCom does not know as deleted.
 */
export async function saveDept(db: Db, corpId: string, input: DeptInput, actor: string): Promise<WecomDeptRow> {
  return db.transaction(async (trx) => {
    const values = valuesOf(input);
    if (input.id) {
      const existing = await trx('wecom_dept').where({ corp_id: corpId, id: input.id }).forUpdate().first('dept_id');
      if (!existing) throw new NotFoundError('WeCom department', input.id, 'WECOM_DEPT_NOT_FOUND');
      const deptId = (existing as { dept_id: string }).dept_id;
      if (input.deptId !== undefined && input.deptId !== deptId) {
        throw ValidationError.field('deptId', 'cannot be changed; it is the WeCom department id', 'rule.deptIdFixed');
      }
      if (input.parentId !== undefined) await checkParent(trx, corpId, deptId, input.parentId);
      return (await updateDept(trx, corpId, input.id, values, actor)) as WecomDeptRow;
    }
    if (input.deptId === undefined)
      throw ValidationError.field('deptId', 'is required to add a department', 'rule.requiredForNewDepartment');
    if (values.name === undefined)
      throw ValidationError.field('name', 'is required to add a department', 'rule.requiredForNewDepartment');
    const deptId = input.deptId;
    await checkParent(trx, corpId, deptId, input.parentId ?? NO_PARENT);
    try {
      return await insertDept(trx, corpId, deptId, { ...values, name: values.name }, actor);
    } catch (error) {
      if (sqlState(error) === SQLSTATE_UNIQUE_VIOLATION) {
        throw new ConflictError(`WeCom department ${deptId} already exists`, 'WECOM_DEPT_EXISTS');
      }
      throw error;
    }
  });
}
