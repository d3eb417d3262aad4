import type { MenuRow } from '../../db/queries/menus';

export interface MenuNode {
  row: MenuRow;
  children: MenuNode[];
}

/** Nests rows (already in display order) under their parents; nodes whose parent is gone become roots. */
export function nestMenus(rows: MenuRow[]): MenuNode[] {
  const nodes = new Map(rows.map((row) => [row.id, { row, children: [] as MenuNode[] }]));
  const roots: MenuNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.row.parent_id ? nodes.get(node.row.parent_id) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/**
 * The part of the tree a user sees: visible nodes that are granted to one of the user's roles or
 * lead to one (a granted button shows its page and directory). A hidden node hides its subtree.
 */
export function visibleMenus(roots: MenuNode[], granted: (row: MenuRow) => boolean): MenuNode[] {
  const keep = (node: MenuNode): MenuNode | undefined => {
    if (!node.row.visible) return undefined;
    const children = node.children.map(keep).filter((child): child is MenuNode => child !== undefined);
    return granted(node.row) || children.length > 0 ? { row: node.row, children } : undefined;
  };
  return roots.map(keep).filter((node): node is MenuNode => node !== undefined);
}
