import { Type, type Static } from '@sinclair/typebox';
import type { MenuRow } from '../../../db/queries/menus';
import type { MenuNode } from '../../../domain/menus/menu-tree';
import { IdString, StringEnum } from '../../validation';

export const MENU_TYPES = ['directory', 'menu', 'button'] as const;

/** `clue:page`, `system:user:list`: a prefix and one or more parts, separated by colons. */
export const Permission = Type.String({
  pattern: '^[A-Za-z][A-Za-z0-9]*(:[A-Za-z0-9_-]+)+$',
  maxLength: 100,
  description: 'permission string, e.g. clue:page',
});

export const SaveMenuBody = Type.Object(
  {
    id: Type.Optional(IdString),
    parentId: Type.Optional(Type.Union([IdString, Type.Null()], { description: 'absent or null: a top-level node' })),
    type: StringEnum(MENU_TYPES),
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    order: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    path: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    icon: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    visible: Type.Optional(Type.Boolean()),
    permission: Type.Optional(Type.Union([Permission, Type.Null()], { description: 'required for a button' })),
  },
  { additionalProperties: false },
);

const menuFields = {
  id: Type.String(),
  parentId: Type.Union([Type.String(), Type.Null()]),
  type: StringEnum(MENU_TYPES),
  name: Type.String(),
  order: Type.Integer(),
  path: Type.Union([Type.String(), Type.Null()]),
  icon: Type.Union([Type.String(), Type.Null()]),
  visible: Type.Boolean(),
  permission: Type.Union([Type.String(), Type.Null()]),
  builtIn: Type.Boolean({
    description: 'created from the route table: type and permission are fixed and it cannot be deleted',
  }),
};

export const MenuView = Type.Object(menuFields);

export const MenuTreeView = Type.Object({
  ...menuFields,
  children: Type.Array(Type.Object({}, { additionalProperties: true, description: 'nodes below, of this same shape' })),
});

export function presentMenu(row: MenuRow): Static<typeof MenuView> {
  return {
    id: row.id,
    parentId: row.parent_id,
    type: row.menu_type,
    name: row.name,
    order: row.order_num,
    path: row.path,
    icon: row.icon,
    visible: row.visible,
    permission: row.permission,
    builtIn: row.code !== null,
  };
}

export interface MenuTreeItem extends Static<typeof MenuView> {
  children: MenuTreeItem[];
}

export function presentMenuTree(nodes: MenuNode[]): MenuTreeItem[] {
  return nodes.map((node) => ({ ...presentMenu(node.row), children: presentMenuTree(node.children) }));
}
