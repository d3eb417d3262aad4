import type Router from '@koa/router';
import { Type } from '@sinclair/typebox';
import type { EventFields } from '../callbacks';
import { GIVEN_CHARS, POSITIONS, SURNAMES } from '../names';
import { HEX } from '../random';
import type { CorpRegistry } from '../runtime';
import type { SimCorp, SimEmployee } from '../state';
import { ActionOptions, defineAction } from './emit';
import { ControlError, notFound } from './http';

const Opt = Type.Optional;
const Status = Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(4)]);
const Gender = Type.Union([Type.Literal('0'), Type.Literal('1'), Type.Literal('2')]);
const Userid = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });

const EmployeeFields = {
  name: Opt(Type.String({ minLength: 1, maxLength: 64 })),
  department: Opt(Type.Array(Type.Integer(), { minItems: 1, maxItems: 20 })),
  mainDepartment: Opt(Type.Integer()),
  position: Opt(Type.String()),
  mobile: Opt(Type.String()),
  gender: Opt(Gender),
  email: Opt(Type.String()),
  alias: Opt(Type.String()),
  status: Opt(Status),
  /** Has the customer-contact feature. */
  customerContact: Opt(Type.Boolean()),
};

const CreateEmployeeBody = Type.Object({ ...ActionOptions, userid: Opt(Userid), ...EmployeeFields });
const UpdateEmployeeBody = Type.Object({ ...ActionOptions, userid: Userid, ...EmployeeFields });
const DeleteEmployeeBody = Type.Object({ ...ActionOptions, userid: Userid });

const CreateDepartmentBody = Type.Object({
  ...ActionOptions,
  id: Opt(Type.Integer({ minimum: 2 })),
  name: Type.String({ minLength: 1, maxLength: 64 }),
  parentId: Type.Integer({ minimum: 1 }),
  order: Opt(Type.Integer({ minimum: 0 })),
});
const UpdateDepartmentBody = Type.Object({
  ...ActionOptions,
  id: Type.Integer({ minimum: 1 }),
  name: Opt(Type.String({ minLength: 1, maxLength: 64 })),
  parentId: Opt(Type.Integer({ minimum: 1 })),
});
const DeleteDepartmentBody = Type.Object({ ...ActionOptions, id: Type.Integer({ minimum: 2 }) });

function checkDepartments(corp: SimCorp, ids: readonly number[]): void {
  for (const id of ids) if (!corp.departments.has(id)) throw notFound(`department ${id}`);
}

function userFields(e: SimEmployee): Record<string, string | number> {
  return {
    Name: e.name,
    Department: e.departments.join(','),
    MainDepartment: e.mainDepartment,
    IsLeaderInDept: e.isLeaderInDept.join(','),
    Mobile: e.mobile,
    Position: e.position,
    Gender: Number(e.gender),
    Email: e.email,
    Status: e.status,
    Avatar: e.avatar,
    Alias: e.alias,
  };
}

function contactEvent(changeType: string, fields: Omit<EventFields, 'Event'>): EventFields {
  return { Event: 'change_contact', ChangeType: changeType, ...fields };
}

/** Address-book changes made in the admin console; each pushes change_contact. */
export function registerOrgActions(router: Router, registry: CorpRegistry): void {
  defineAction(router, registry, 'employee-created', CreateEmployeeBody, ({ corp }, body) => {
    const userid = body.userid ?? `user${corp.rng.string(8, HEX)}`;
    if (corp.employee(userid)) throw new ControlError(409, 'ALREADY_EXISTS', `member ${userid} already exists`);
    const department = body.department ?? [1];
    checkDepartments(corp, department);
    const mainDepartment = body.mainDepartment ?? (department[0] as number);
    if (!department.includes(mainDepartment))
      throw new ControlError(400, 'INVALID_BODY', 'mainDepartment not in department');
    const status = body.status ?? 1;
    const employee = corp.addEmployee({
      userid,
      name: body.name ?? corp.rng.pick(SURNAMES) + corp.rng.pick(GIVEN_CHARS) + corp.rng.pick(GIVEN_CHARS),
      departments: [...department],
      orders: department.map(() => 0),
      isLeaderInDept: department.map(() => 0),
      position: body.position ?? corp.rng.pick(POSITIONS),
      mobile: body.mobile ?? `138${corp.rng.string(8, '0123456789')}`,
      gender: body.gender ?? '1',
      email: body.email ?? `${userid}@example.com`,
      avatar: `https://wework.qpic.cn/wwhead/${corp.rng.string(40, HEX)}/0`,
      alias: body.alias ?? '',
      status,
      mainDepartment,
      openUserid: corp.newId('wo'),
      customerContact: body.customerContact ?? status === 1,
    });
    return {
      done: { userid },
      events: [contactEvent('create_user', { UserID: userid, ...userFields(employee) })],
    };
  });

  defineAction(router, registry, 'employee-updated', UpdateEmployeeBody, ({ corp }, body) => {
    const employee = corp.employee(body.userid);
    if (!employee) throw notFound(`member ${body.userid}`);
    const changed: Record<string, string | number> = {};
    if (body.department !== undefined) {
      checkDepartments(corp, body.department);
      const main =
        body.mainDepartment ??
        (body.department.includes(employee.mainDepartment) ? employee.mainDepartment : body.department[0]);
      employee.departments = [...body.department];
      employee.orders = body.department.map(() => 0);
      employee.isLeaderInDept = body.department.map(() => 0);
      employee.mainDepartment = main as number;
      changed['Department'] = employee.departments.join(',');
      changed['MainDepartment'] = employee.mainDepartment;
      changed['IsLeaderInDept'] = employee.isLeaderInDept.join(',');
    } else if (body.mainDepartment !== undefined) {
      if (!employee.departments.includes(body.mainDepartment)) {
        throw new ControlError(400, 'INVALID_BODY', 'mainDepartment not in the member departments');
      }
      employee.mainDepartment = body.mainDepartment;
      changed['MainDepartment'] = body.mainDepartment;
    }
    if (body.name !== undefined) changed['Name'] = employee.name = body.name;
    if (body.position !== undefined) changed['Position'] = employee.position = body.position;
    if (body.mobile !== undefined) changed['Mobile'] = employee.mobile = body.mobile;
    if (body.email !== undefined) changed['Email'] = employee.email = body.email;
    if (body.alias !== undefined) changed['Alias'] = employee.alias = body.alias;
    if (body.gender !== undefined) {
      employee.gender = body.gender;
      changed['Gender'] = Number(body.gender);
    }
    if (body.status !== undefined) changed['Status'] = employee.status = body.status;
    if (body.customerContact !== undefined) employee.customerContact = body.customerContact;
    // Only what changed is pushed, as WeCom does for update_user.
    return {
      done: { userid: employee.userid, changed: Object.keys(changed) },
      events: [contactEvent('update_user', { UserID: employee.userid, ...changed })],
    };
  });

  defineAction(router, registry, 'employee-deleted', DeleteEmployeeBody, ({ corp }, body) => {
    const employee = corp.employee(body.userid);
    if (!employee) throw notFound(`member ${body.userid}`);
    corp.employees.delete(employee.userid);
    corp.deletedUserids.add(employee.userid);
    for (const department of corp.departments.values()) {
      department.leaders = department.leaders.filter((u) => u !== employee.userid);
    }
    // Their groups wait for resigned-member inheritance; their customers stay until reassigned.
    let orphaned = 0;
    for (const chat of corp.chats.values()) {
      if (chat.owner === employee.userid) {
        chat.status = 1;
        orphaned++;
      }
    }
    return {
      done: { userid: employee.userid, groupsAwaitingInheritance: orphaned },
      events: [contactEvent('delete_user', { UserID: employee.userid })],
    };
  });

  defineAction(router, registry, 'department-created', CreateDepartmentBody, ({ corp }, body) => {
    checkDepartments(corp, [body.parentId]);
    const id = body.id ?? Math.max(...corp.departments.keys()) + 1;
    if (corp.departments.has(id)) throw new ControlError(409, 'ALREADY_EXISTS', `department ${id} already exists`);
    const order = body.order ?? 0;
    corp.departments.set(id, { id, name: body.name, parentId: body.parentId, order, leaders: [] });
    return {
      done: { id },
      events: [contactEvent('create_party', { Id: id, Name: body.name, ParentId: body.parentId, Order: order })],
    };
  });

  defineAction(router, registry, 'department-updated', UpdateDepartmentBody, ({ corp }, body) => {
    const department = corp.departments.get(body.id);
    if (!department) throw notFound(`department ${body.id}`);
    const fields: Record<string, string | number> = {};
    if (body.parentId !== undefined) {
      if (body.id === 1) throw new ControlError(400, 'INVALID_BODY', 'the root department has no parent');
      checkDepartments(corp, [body.parentId]);
      let cursor: number | undefined = body.parentId;
      while (cursor !== undefined && cursor !== 0) {
        if (cursor === body.id) throw new ControlError(400, 'INVALID_BODY', 'a department cannot move under itself');
        cursor = corp.departments.get(cursor)?.parentId;
      }
      department.parentId = body.parentId;
      fields['ParentId'] = body.parentId;
    }
    if (body.name !== undefined) {
      department.name = body.name;
      fields['Name'] = body.name;
    }
    return { done: { id: body.id }, events: [contactEvent('update_party', { Id: body.id, ...fields })] };
  });

  defineAction(router, registry, 'department-deleted', DeleteDepartmentBody, ({ corp }, body) => {
    if (!corp.departments.has(body.id)) throw notFound(`department ${body.id}`);
    if ([...corp.departments.values()].some((d) => d.parentId === body.id)) {
      throw new ControlError(409, 'NOT_EMPTY', `department ${body.id} has sub-departments`);
    }
    if ([...corp.employees.values()].some((e) => e.departments.includes(body.id))) {
      throw new ControlError(409, 'NOT_EMPTY', `department ${body.id} has members`);
    }
    corp.departments.delete(body.id);
    return { done: { id: body.id }, events: [contactEvent('delete_party', { Id: body.id })] };
  });
}
