import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { mirrorDept, mirrorEmployee } from '../helpers/mirror-org';

interface Page<T> {
  list: T[];
  total: number;
  pageNum: number;
  pageSize: number;
}
interface Dept {
  id: string;
  deptId: string;
  name: string;
  nameEn: string | null;
  parentId: string | null;
  order: number;
  leaders: string[];
  deleted: boolean;
  ctime: string;
}
interface Employee {
  id: string;
  userid: string;
  name: string;
  mobile: string | null;
  status: number | null;
  departments: string[];
  mainDepartment: string | null;
  hasContactFeature: boolean;
  deleted: boolean;
}
interface Problems {
  errors: Array<{ field: string; message: string }>;
}

describe('WeCom departments and employees (mirror)', () => {
  let db: Db;

  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => db.destroy());

  /** A fresh corp with an admin bound to it. */
  async function corpWithAdmin() {
    const corpId = uid('corp-');
    const admin = await createAdmin(db, sharedApiUrl, { corpId });
    return { corpId, token: admin.token };
  }

  describe('departments', () => {
    it('pages the corp’s departments with name and parent filters and whitelisted sorting', async () => {
      const { corpId, token } = await corpWithAdmin();
      const other = uid('corp-');
      await mirrorDept(db, corpId, { dept_id: '1', name: '总部', parent_id: '0', dept_order: '100' });
      await mirrorDept(db, corpId, { dept_id: '2', name: '销售一部', parent_id: '1', dept_order: '30' });
      await mirrorDept(db, corpId, { dept_id: '3', name: '销售二部', parent_id: '1', dept_order: '20' });
      await mirrorDept(db, corpId, { dept_id: '4', name: '100%_达成组', parent_id: '2', dept_order: '10' });
      await mirrorDept(db, corpId, { dept_id: '5', name: '销售旧部', parent_id: '1', is_del: 1, del_time: new Date() });
      await mirrorDept(db, other, { dept_id: '2', name: '销售一部', parent_id: '1' });

      const all = await call<Page<Dept>>(sharedApiUrl, 'POST', '/admin/wecom/dept/page', {
        token,
        body: { pageNum: 1, pageSize: 10 },
      });
      expect(all.status).toBe(200);
      expect(all.body.data.total).toBe(4);
      // Default order: WeCom order, larger first.
      expect(all.body.data.list.map((d) => d.deptId)).toEqual(['1', '2', '3', '4']);
      expect(all.body.data.list[0]).toMatchObject({ name: '总部', parentId: '0', order: 100, deleted: false });
      expect(all.body.data.list[0]!.ctime).toMatch(/^\d{4}-\d\d-\d\dT/);

      const byName = await call<Page<Dept>>(sharedApiUrl, 'POST', '/admin/wecom/dept/page', {
        token,
        body: { pageNum: 1, pageSize: 10, name: '销售', includeDeleted: true, sortField: 'deptId', sortOrder: 'desc' },
      });
      expect(byName.body.data.list.map((d) => d.deptId)).toEqual(['5', '3', '2']);
      expect(byName.body.data.list[0]!.deleted).toBe(true);

      // % and _ are literal characters, not wildcards.
      const literal = await call<Page<Dept>>(sharedApiUrl, 'POST', '/admin/wecom/dept/page', {
        token,
        body: { pageNum: 1, pageSize: 10, name: '%_' },
      });
      expect(literal.body.data.list.map((d) => d.deptId)).toEqual(['4']);

      const children = await call<Page<Dept>>(sharedApiUrl, 'POST', '/admin/wecom/dept/page', {
        token,
        body: { pageNum: 1, pageSize: 1, parentId: '1', sortField: 'order', sortOrder: 'asc' },
      });
      expect(children.body.data).toMatchObject({ total: 2, pageNum: 1, pageSize: 1 });
      expect(children.body.data.list.map((d) => d.deptId)).toEqual(['3']);

      const badSort = await call<Problems>(sharedApiUrl, 'POST', '/admin/wecom/dept/page', {
        token,
        body: { pageNum: 1, pageSize: 10, sortField: 'name; drop table wecom_dept' },
      });
      expect(badSort.status).toBe(400);
      expect(badSort.body.data.errors.map((e) => e.field)).toContain('sortField');
    });

    it('gets a department by id, and answers 404 for another corp’s or an unknown id, 400 for a bad id', async () => {
      const { corpId, token } = await corpWithAdmin();
      const mine = await mirrorDept(db, corpId, { dept_id: '7', name: '市场部', leaders: ['zhangsan'] });
      const foreign = await mirrorDept(db, uid('corp-'), { dept_id: '7', name: '市场部' });

      const got = await call<Dept>(sharedApiUrl, 'GET', `/admin/wecom/dept/${mine.id}`, { token });
      expect(got.status).toBe(200);
      expect(got.body.data).toMatchObject({ id: mine.id, deptId: '7', name: '市场部', leaders: ['zhangsan'] });

      expect((await call(sharedApiUrl, 'GET', `/admin/wecom/dept/${foreign.id}`, { token })).status).toBe(404);
      expect((await call(sharedApiUrl, 'GET', '/admin/wecom/dept/999999999999', { token })).status).toBe(404);
      const bad = await call<Problems>(sharedApiUrl, 'GET', '/admin/wecom/dept/abc', { token });
      expect(bad.status).toBe(400);
      expect(bad.body.data.errors[0]!.field).toBe('id');
    });

    it('edits and adds local department records, refusing bad parents, duplicates and unknown ids without writing', async () => {
      const { corpId, token } = await corpWithAdmin();
      const root = await mirrorDept(db, corpId, { dept_id: '1', name: '总部', parent_id: '0' });
      const sales = await mirrorDept(db, corpId, { dept_id: '2', name: '销售部', parent_id: '1' });
      const team = await mirrorDept(db, corpId, { dept_id: '3', name: '一组', parent_id: '2' });
      const foreign = await mirrorDept(db, uid('corp-'), { dept_id: '9', name: '别家' });

      const edited = await call<Dept>(sharedApiUrl, 'POST', '/admin/wecom/dept/save', {
        token,
        body: { id: sales.id, name: ' 销售中心 ', nameEn: 'Sales', order: 42, leaders: ['lisi'] },
      });
      expect(edited.status).toBe(200);
      expect(edited.body.data).toMatchObject({
        id: sales.id,
        deptId: '2',
        name: '销售中心',
        nameEn: 'Sales',
        order: 42,
      });
      const stored = await db('wecom_dept').where({ id: sales.id }).first();
      expect(stored).toMatchObject({ name: '销售中心', name_en: 'Sales', dept_order: '42', leaders: ['lisi'] });

      const added = await call<Dept>(sharedApiUrl, 'POST', '/admin/wecom/dept/save', {
        token,
        body: { deptId: '10', name: '新部门', parentId: '2' },
      });
      expect(added.status).toBe(200);
      expect(added.body.data).toMatchObject({ deptId: '10', name: '新部门', parentId: '2', order: 0 });
      expect(await db('wecom_dept').where({ corp_id: corpId, dept_id: '10' }).first()).toMatchObject({
        name: '新部门',
        parent_id: '2',
      });

      const failures: Array<[unknown, number, string | undefined]> = [
        [{ deptId: '10', name: '重复' }, 409, undefined],
        [{ deptId: '11', name: '孤儿', parentId: '404' }, 400, 'parentId'],
        [{ id: sales.id, parentId: team.dept_id }, 400, 'parentId'],
        [{ id: root.id, parentId: '1' }, 400, 'parentId'],
        [{ id: sales.id, deptId: '99', name: '改号' }, 400, 'deptId'],
        [{ name: '缺少部门号' }, 400, 'deptId'],
        [{ id: sales.id, name: '   ' }, 400, 'name'],
        [{ id: '999999999999', name: '不存在' }, 404, undefined],
        [{ id: foreign.id, name: '别家的' }, 404, undefined],
      ];
      for (const [body, status, field] of failures) {
        const response = await call<Problems | null>(sharedApiUrl, 'POST', '/admin/wecom/dept/save', { token, body });
        expect({ body, status: response.status }).toEqual({ body, status });
        expect(response.body.code).toBe(String(status));
        if (field) expect((response.body.data as Problems).errors.map((e) => e.field)).toContain(field);
      }
      // Nothing written by the refused calls.
      expect(await db('wecom_dept').where({ id: sales.id }).first()).toMatchObject({
        name: '销售中心',
        parent_id: '1',
      });
      expect(await db('wecom_dept').where({ id: root.id }).first()).toMatchObject({ parent_id: '0' });
      expect(await db('wecom_dept').where({ id: foreign.id }).first()).toMatchObject({ name: '别家' });
      expect(await db('wecom_dept').where({ corp_id: corpId, dept_id: '11' })).toHaveLength(0);
      expect(await db('wecom_dept').where({ corp_id: corpId })).toHaveLength(4);
    });

    it('starts the department sync and answers its workflow id', async () => {
      const { corpId, token } = await corpWithAdmin();
      const response = await call<{ workflowId: string; runId: string }>(
        sharedApiUrl,
        'POST',
        '/admin/wecom/dept/sync',
        { token },
      );
      expect(response.status).toBe(200);
      expect(response.body.data.workflowId).toBe(`wecom-sync-departments-${corpId}`);
      expect(response.body.data.runId).toEqual(expect.any(String));
    });
  });

  describe('employees', () => {
    it('searches by name: fuzzy, case-insensitive, % and _ taken literally, live employees of the corp only', async () => {
      const { corpId, token } = await corpWithAdmin();
      await mirrorEmployee(db, corpId, { userid: 'amy', name: 'Amy Wang' });
      await mirrorEmployee(db, corpId, { userid: 'tammy', name: 'LAMY Li' });
      await mirrorEmployee(db, corpId, { userid: 'pct', name: 'Sam 100%_off' });
      await mirrorEmployee(db, corpId, { userid: 'pct2', name: 'Sam 100xyoff' });
      await mirrorEmployee(db, corpId, { userid: 'gone', name: 'Amy Gone', is_del: 1 });
      await mirrorEmployee(db, uid('corp-'), { userid: 'amy', name: 'Amy Elsewhere' });

      const amy = await call<Employee[]>(sharedApiUrl, 'GET', '/admin/wecom/employee/searchByName?name=aMy', { token });
      expect(amy.status).toBe(200);
      expect(amy.body.data.map((e) => e.userid).sort()).toEqual(['amy', 'tammy']);

      const literal = await call<Employee[]>(
        sharedApiUrl,
        'GET',
        `/admin/wecom/employee/searchByName?name=${encodeURIComponent('0%_o')}`,
        { token },
      );
      expect(literal.body.data.map((e) => e.userid)).toEqual(['pct']);

      const missing = await call<Problems>(sharedApiUrl, 'GET', '/admin/wecom/employee/searchByName', { token });
      expect(missing.status).toBe(400);
      expect(missing.body.data.errors[0]!.field).toBe('name');
    });

    it('pages employees by name, department, status and contact feature, with whitelisted sorting', async () => {
      const { corpId, token } = await corpWithAdmin();
      await mirrorEmployee(db, corpId, { userid: 'u1', name: '王一', departments: ['2'], status: 1 });
      await mirrorEmployee(db, corpId, { userid: 'u2', name: '王二', departments: ['2', '3'], status: 2 });
      await mirrorEmployee(db, corpId, {
        userid: 'u3',
        name: '李三',
        departments: ['3'],
        status: 1,
        has_contact_feature: false,
      });
      await mirrorEmployee(db, corpId, { userid: 'u4', name: '王四', departments: ['2'], status: 5, is_del: 1 });
      await mirrorEmployee(db, uid('corp-'), { userid: 'u1', name: '王一', departments: ['2'] });

      const page = (body: Record<string, unknown>) =>
        call<Page<Employee>>(sharedApiUrl, 'POST', '/admin/wecom/employee/page', {
          token,
          body: { pageNum: 1, pageSize: 20, ...body },
        });
      expect((await page({})).body.data.list.map((e) => e.userid)).toEqual(['u1', 'u2', 'u3']);
      expect((await page({ departmentId: '2' })).body.data.list.map((e) => e.userid)).toEqual(['u1', 'u2']);
      expect((await page({ name: '王', status: [2] })).body.data.list.map((e) => e.userid)).toEqual(['u2']);
      expect((await page({ hasContactFeature: false })).body.data.list.map((e) => e.userid)).toEqual(['u3']);
      const sorted = await page({ includeDeleted: true, sortField: 'userid', sortOrder: 'desc', pageSize: 2 });
      expect(sorted.body.data).toMatchObject({ total: 4, pageSize: 2 });
      expect(sorted.body.data.list.map((e) => [e.userid, e.deleted])).toEqual([
        ['u4', true],
        ['u3', false],
      ]);
      expect((await page({ sortField: 'mobile' })).status).toBe(400);
      const badStatus = await page({ status: [3] });
      expect(badStatus.status).toBe(400);
      expect((badStatus.body.data as unknown as Problems).errors[0]!.field).toBe('status[0]');
    });

    it('gets an employee by id and by userid (case-insensitive); another corp’s employee is 404', async () => {
      const { corpId, token } = await corpWithAdmin();
      const mine = await mirrorEmployee(db, corpId, { userid: 'ZhangSan', name: '张三', mobile: '13800138000' });
      const foreign = await mirrorEmployee(db, uid('corp-'), { userid: 'lisi', name: '李四' });

      const byId = await call<Employee>(sharedApiUrl, 'GET', `/admin/wecom/employee/${mine.id}`, { token });
      expect(byId.status).toBe(200);
      expect(byId.body.data).toMatchObject({ id: mine.id, userid: 'ZhangSan', name: '张三', mobile: '13800138000' });

      const byUserid = await call<Employee>(sharedApiUrl, 'GET', '/admin/wecom/employee/byUserid?userid=zhangsan', {
        token,
      });
      expect(byUserid.status).toBe(200);
      expect(byUserid.body.data.id).toBe(mine.id);

      expect((await call(sharedApiUrl, 'GET', `/admin/wecom/employee/${foreign.id}`, { token })).status).toBe(404);
      expect((await call(sharedApiUrl, 'GET', '/admin/wecom/employee/byUserid?userid=lisi', { token })).status).toBe(
        404,
      );
      const bad = await call<Problems>(sharedApiUrl, 'GET', '/admin/wecom/employee/byUserid?userid=bad%20id', {
        token,
      });
      expect(bad.status).toBe(400);
      expect(bad.body.data.errors[0]!.field).toBe('userid');
    });

    it('edits and adds local employee records; bad input, unknown ids and duplicates change nothing', async () => {
      const { corpId, token } = await corpWithAdmin();
      await mirrorDept(db, corpId, { dept_id: '1', parent_id: '0' });
      await mirrorDept(db, corpId, { dept_id: '2', parent_id: '1' });
      const emp = await mirrorEmployee(db, corpId, { userid: 'wangwu', name: '王五', departments: ['1'] });
      const foreign = await mirrorEmployee(db, uid('corp-'), { userid: 'wangwu', name: '王五' });

      const edited = await call<Employee>(sharedApiUrl, 'POST', '/admin/wecom/employee/save', {
        token,
        body: { id: emp.id, mobile: '+86 139-0013-9000', departments: ['1', '2'], mainDepartment: '2', status: 2 },
      });
      expect(edited.status).toBe(200);
      expect(edited.body.data).toMatchObject({
        mobile: '13900139000',
        departments: ['1', '2'],
        mainDepartment: '2',
        status: 2,
        name: '王五',
      });
      const stored = await db('wecom_employee').where({ id: emp.id }).first();
      expect(stored).toMatchObject({ mobile: '13900139000', main_department: '2', status: 2 });
      expect(stored.departments.map(String)).toEqual(['1', '2']);

      const added = await call<Employee>(sharedApiUrl, 'POST', '/admin/wecom/employee/save', {
        token,
        body: { userid: 'zhaoliu', name: '赵六', departments: ['2'], mainDepartment: '2', hasContactFeature: true },
      });
      expect(added.status).toBe(200);
      expect(added.body.data).toMatchObject({ userid: 'zhaoliu', name: '赵六', hasContactFeature: true });
      expect(await db('wecom_employee').where({ corp_id: corpId, userid: 'zhaoliu' }).first()).toMatchObject({
        name: '赵六',
        main_department: '2',
      });

      const failures: Array<[unknown, number, string | undefined]> = [
        [{ id: emp.id, mobile: '12345' }, 400, 'mobile'],
        [{ id: emp.id, departments: ['1', '77'] }, 400, 'departments[1]'],
        [{ id: emp.id, mainDepartment: '1', departments: ['2'] }, 400, 'mainDepartment'],
        [{ id: emp.id, email: 'not-an-email' }, 400, 'email'],
        [{ id: emp.id, userid: 'renamed' }, 400, 'userid'],
        [{ userid: 'ZHAOLIU', name: '赵六二' }, 409, undefined],
        [{ name: '无账号' }, 400, 'userid'],
        [{ userid: 'noname' }, 400, 'name'],
        [{ id: '999999999999', name: 'x' }, 404, undefined],
        [{ id: foreign.id, name: '别家的' }, 404, undefined],
      ];
      for (const [body, status, field] of failures) {
        const response = await call<Problems | null>(sharedApiUrl, 'POST', '/admin/wecom/employee/save', {
          token,
          body,
        });
        expect({ body, status: response.status }).toEqual({ body, status });
        if (field) expect((response.body.data as Problems).errors.map((e) => e.field)).toContain(field);
      }
      expect(await db('wecom_employee').where({ id: emp.id }).first()).toMatchObject({
        mobile: '13900139000',
        main_department: '2',
        userid: 'wangwu',
        email: null,
      });
      expect(await db('wecom_employee').where({ id: foreign.id }).first()).toMatchObject({ name: '王五' });
      expect(await db('wecom_employee').where({ corp_id: corpId })).toHaveLength(2);
    });

    it('starts the employee sync and answers its workflow id', async () => {
      const { corpId, token } = await corpWithAdmin();
      const response = await call<{ workflowId: string }>(sharedApiUrl, 'POST', '/admin/wecom/employee/sync', {
        token,
      });
      expect(response.status).toBe(200);
      expect(response.body.data.workflowId).toBe(`wecom-sync-employees-${corpId}`);
    });
  });
});
