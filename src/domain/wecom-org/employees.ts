import type { Db, Executor } from '../../db/knex';
import { listDeptsByDeptIds } from '../../db/queries/wecom-depts';
import {
  findEmployeeById,
  findEmployeeByUserid,
  insertEmployee,
  pageEmployees as pageEmployeeRows,
  searchEmployeesByName as searchRows,
  updateEmployee,
  type EmployeeFilter,
  type WecomEmployeeRow,
  type WecomEmployeeValues,
} from '../../db/queries/wecom-employees';
import { ConflictError, NotFoundError, sqlState, SQLSTATE_UNIQUE_VIOLATION, ValidationError } from '../errors';
import { normalizeChinaPhone } from '../phone';

/** At most this many employees answer a name search (a name box, not an export). */
export const NAME_SEARCH_LIMIT = 200;

export interface EmployeeInput {
  id?: string;
  userid?: string;
  name?: string;
  alias?: string | null;
  position?: string | null;
  mobile?: string | null;
  email?: string | null;
  gender?: number | null;
  status?: number;
  mainDepartment?: string | null;
  departments?: string[];
  hasContactFeature?: boolean;
}

export async function getEmployee(db: Executor, corpId: string, id: string): Promise<WecomEmployeeRow> {
  const row = await findEmployeeById(db, corpId, id);
  if (!row) throw new NotFoundError('WeCom employee', id, 'WECOM_EMPLOYEE_NOT_FOUND');
  return row;
}

export async function getEmployeeByUserid(db: Executor, corpId: string, userid: string): Promise<WecomEmployeeRow> {
  const row = await findEmployeeByUserid(db, corpId, userid);
  if (!row) throw new NotFoundError('WeCom employee', userid, 'WECOM_EMPLOYEE_NOT_FOUND');
  return row;
}

export function searchEmployeesByName(db: Executor, corpId: string, name: string): Promise<WecomEmployeeRow[]> {
  return searchRows(db, corpId, name.trim(), NAME_SEARCH_LIMIT);
}

export function pageEmployees(db: Executor, corpId: string, filter: EmployeeFilter) {
  return pageEmployeeRows(db, corpId, filter);
}

function valuesOf(input: EmployeeInput): WecomEmployeeValues {
  const values: WecomEmployeeValues = {};
  const text = (value: string | null) => value?.trim() || null;
  if (input.name !== undefined) values.name = input.name.trim();
  if (input.alias !== undefined) values.alias = text(input.alias);
  if (input.position !== undefined) values.position = text(input.position);
  if (input.email !== undefined) values.email = text(input.email);
  if (input.gender !== undefined) values.gender = input.gender;
  if (input.status !== undefined) values.status = input.status;
  if (input.hasContactFeature !== undefined) values.has_contact_feature = input.hasContactFeature;
  if (input.departments !== undefined) values.departments = input.departments;
  if (input.mainDepartment !== undefined) values.main_department = input.mainDepartment;
  if (input.mobile !== undefined) {
    const mobile = text(input.mobile);
    const normalized = mobile === null ? null : normalizeChinaPhone(mobile);
    if (mobile !== null && normalized === null) {
      throw ValidationError.field('mobile', 'must be a phone number used in China, e.g. 13812345678', 'rule.cnMobile');
    }
    values.mobile = normalized;
  }
  return values;
}

/** Departments must be the corp's live departments, and the main department one of them. */
async function checkDepartments(
  db: Executor,
  corpId: string,
  departments: readonly string[],
  mainDepartment: string | null | undefined,
): Promise<void> {
  const known = new Set((await listDeptsByDeptIds(db, corpId, departments)).map((d) => d.dept_id));
  departments.forEach((deptId, i) => {
    if (!known.has(deptId))
      throw ValidationError.field(`departments[${i}]`, 'no such department in this corp', 'rule.noSuchDepartment');
  });
  if (mainDepartment != null && !departments.includes(mainDepartment)) {
    throw ValidationError.field(
      'mainDepartment',
      'must be one of the employee’s departments',
      'rule.mainDepartmentNotListed',
    );
  }
}

/**
 * Edits the local copy of a WeCom employee (by `id`), or adds one (with its WeCom `userid`).
 * This never writes to WeCom: the next employee sync overwrites these fields with WeCom's
 * values, and marks an employee WeCom does not know as deleted.
 */
export async function saveEmployee(
  db: Db,
  corpId: string,
  input: EmployeeInput,
  actor: string,
): Promise<WecomEmployeeRow> {
  const values = valuesOf(input);
  return db.transaction(async (trx) => {
    if (input.id) {
      const existing = (await trx('wecom_employee').where({ corp_id: corpId, id: input.id }).forUpdate().first()) as
        WecomEmployeeRow | undefined;
      if (!existing) throw new NotFoundError('WeCom employee', input.id, 'WECOM_EMPLOYEE_NOT_FOUND');
      if (input.userid !== undefined && input.userid !== existing.userid) {
        throw ValidationError.field('userid', 'cannot be changed; it is the WeCom userid', 'rule.useridFixed');
      }
      if (input.departments !== undefined || input.mainDepartment !== undefined) {
        await checkDepartments(
          trx,
          corpId,
          input.departments ?? existing.departments,
          input.mainDepartment !== undefined ? input.mainDepartment : existing.main_department,
        );
      }
      return (await updateEmployee(trx, corpId, input.id, values, actor)) as WecomEmployeeRow;
    }
    if (input.userid === undefined)
      throw ValidationError.field('userid', 'is required to add an employee', 'rule.requiredForNewEmployee');
    if (values.name === undefined)
      throw ValidationError.field('name', 'is required to add an employee', 'rule.requiredForNewEmployee');
    if (await findEmployeeByUserid(trx, corpId, input.userid)) {
      throw new ConflictError(`WeCom employee ${input.userid} already exists`, 'WECOM_EMPLOYEE_EXISTS');
    }
    await checkDepartments(trx, corpId, input.departments ?? [], input.mainDepartment);
    try {
      return await insertEmployee(trx, corpId, input.userid, { ...values, name: values.name }, actor);
    } catch (error) {
      if (sqlState(error) === SQLSTATE_UNIQUE_VIOLATION) {
        throw new ConflictError(`WeCom employee ${input.userid} already exists`, 'WECOM_EMPLOYEE_EXISTS');
      }
      throw error;
    }
  });
}
