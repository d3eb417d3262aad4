import { Type, type Static } from '@sinclair/typebox';
import { deptTree } from '../../../domain/users/dept-tree';
import type { AppDeps } from '../../app';
import { defineRoute, type RouteDefinition } from '../../route';

const DeptNodeView = Type.Recursive(
  (Self) =>
    Type.Object({
      id: Type.String(),
      parentId: Type.Union([Type.String(), Type.Null()]),
      code: Type.Union([Type.String(), Type.Null()], { description: 'the HR system’s key of the department' }),
      name: Type.String(),
      order: Type.Integer(),
      leader: Type.Union([
        Type.Object({
          empNo: Type.String(),
          userId: Type.Union([Type.String(), Type.Null()], { description: 'null: no user has this employee number' }),
          realName: Type.Union([Type.String(), Type.Null()]),
        }),
        Type.Null(),
      ]),
      children: Type.Array(Self),
    }),
  { $id: 'SysDeptNode' },
);

export function deptRoutes(deps: AppDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/admin/dept/treeAll',
      operationId: 'deptTree',
      seedOp: 'dept.treeAll',
      summary: 'The whole department tree of the system (the HR system’s, not WeCom’s), with leaders',
      tag: 'system',
      auth: 'admin',
      permission: 'dept:treeAll',
      response: Type.Array(DeptNodeView),
      handle: async (): Promise<Array<Static<typeof DeptNodeView>>> => deptTree(deps.db),
    }),
  ];
}
