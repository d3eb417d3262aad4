import type { DeptWithLeaderRow } from '../../src/db/queries/depts';
import { buildDeptTree } from '../../src/domain/users/dept-tree';

const row = (id: string, parentId: string | null, extra: Partial<DeptWithLeaderRow> = {}): DeptWithLeaderRow => ({
  id,
  parent_id: parentId,
  code: `c${id}`,
  name: `d${id}`,
  order_num: 0,
  leader_emp_no: null,
  leader_user_id: null,
  leader_real_name: null,
  is_del: 0,
  ctime: new Date(0),
  mtime: new Date(0),
  ...extra,
});

const shape = (nodes: ReturnType<typeof buildDeptTree>): unknown => nodes.map((n) => ({ [n.id]: shape(n.children) }));

describe('buildDeptTree', () => {
  it('nests departments under their parents in the order given', () => {
    const tree = buildDeptTree([row('1', null), row('3', '1'), row('2', '1'), row('4', '2')]);
    expect(shape(tree)).toEqual([{ 1: [{ 3: [] }, { 2: [{ 4: [] }] }] }]);
  });

  it('shows a department whose parent is missing as a root', () => {
    expect(shape(buildDeptTree([row('1', null), row('5', '99')]))).toEqual([{ 1: [] }, { 5: [] }]);
  });

  it('keeps every member of a parent cycle written by hand, as roots', () => {
    const tree = buildDeptTree([row('1', '2'), row('2', '1'), row('3', '3')]);
    expect(tree.map((n) => n.id).sort()).toEqual(['1', '2', '3']);
  });

  it('gives the leader only when the department names one', () => {
    const [withLeader, without] = buildDeptTree([
      row('1', null, { leader_emp_no: 'E1', leader_user_id: '7', leader_real_name: '张三' }),
      row('2', null),
    ]);
    expect(withLeader?.leader).toEqual({ empNo: 'E1', userId: '7', realName: '张三' });
    expect(without?.leader).toBeNull();
  });
});
