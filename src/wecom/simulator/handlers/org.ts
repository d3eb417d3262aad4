import { decodeCursor, encodeCursor, maxPageOf } from '../cursor';
import { WecomError } from '../errors';
import { presentDepartment, presentUser } from '../present';
import type { SimCorp, SimEmployee } from '../state';
import type { HandlerTable } from './types';

const USERID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

function departmentId(corp: SimCorp, raw: string): number {
  const id = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!corp.departments.has(id)) throw new WecomError(60123);
  return id;
}

/** The department and all its descendants, parents before children. */
export function subtree(corp: SimCorp, rootId: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of corp.departments.values()) {
    if (d.id === rootId) continue;
    const list = children.get(d.parentId) ?? [];
    list.push(d.id);
    children.set(d.parentId, list);
  }
  const out: number[] = [];
  const queue = [rootId];
  while (queue.length > 0) {
    const id = queue.shift() as number;
    out.push(id);
    queue.push(...(children.get(id) ?? []));
  }
  return out;
}

/** The visible member for userid: 40003 for a malformed id, 46004 for a deleted one, 60111 when unknown. */
export function requireUser(corp: SimCorp, userid: string): SimEmployee {
  if (!USERID_PATTERN.test(userid)) throw new WecomError(40003);
  const employee = corp.employee(userid);
  if (employee) return employee;
  if (corp.deletedUserids.has(userid)) throw new WecomError(46004);
  throw new WecomError(60111);
}

export const orgHandlers = {
  listDepartments: ({ corp }, { query }) => {
    const ids = query.id === undefined || query.id === '' ? null : new Set(subtree(corp, departmentId(corp, query.id)));
    const department = [...corp.departments.values()]
      .filter((d) => ids === null || ids.has(d.id))
      .map(presentDepartment);
    return { department };
  },
  getUser: ({ corp }, { query }) => presentUser(requireUser(corp, query.userid)),
  listUsers: ({ corp }, { query }) => {
    const root = departmentId(corp, query.department_id);
    const ids = new Set(query.fetch_child === '1' ? subtree(corp, root) : [root]);
    const userlist = [...corp.employees.values()].filter((e) => e.departments.some((d) => ids.has(d))).map(presentUser);
    return { userlist };
  },
  listUserIds: ({ corp }, { body }) => {
    const limit = Math.min(body.limit ?? maxPageOf('listUserIds'), maxPageOf('listUserIds'));
    const [afterSeq, deptIndex] = body.cursor ? decodeCursor('uid', body.cursor, 2) : [0, 0];
    const employees = [...corp.employees.values()];
    const dept_user: Array<{ userid: string; department: number }> = [];
    let next_cursor = '';
    for (const employee of employees) {
      if (employee.seq < (afterSeq as number)) continue;
      const start = employee.seq === afterSeq ? (deptIndex as number) : 0;
      for (let i = start; i < employee.departments.length; i++) {
        if (dept_user.length === limit) {
          next_cursor = encodeCursor('uid', [employee.seq, i]);
          return { next_cursor, dept_user };
        }
        dept_user.push({ userid: employee.userid, department: employee.departments[i] as number });
      }
    }
    return { next_cursor, dept_user };
  },
} satisfies Partial<HandlerTable>;
