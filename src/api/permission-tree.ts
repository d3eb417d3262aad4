import type { SeedNode } from '../domain/menus/seed-permission-nodes';
import type { RouteDefinition } from './route';
import seedOperations from './seed-operations.json';

/** A node of the menu tree the route table implies; `code` is how the boot step finds it again. */
export type PermissionNode = SeedNode;

interface Page {
  /** The first part of its permissions (`clue` for `clue:page`). */
  prefix: string;
  name: string;
  path: string;
}

interface Directory {
  key: string;
  name: string;
  icon: string;
  pages: Page[];
}

/**
 * Where each permission sits in the menu a front end draws: module → page → button. The pages
 * group permissions by their prefix; a route whose prefix no page claims fails the unit test.
 */
export const MENU_LAYOUT: Directory[] = [
  {
    key: 'clue',
    name: '线索管理',
    icon: 'funnel',
    pages: [
      { prefix: 'clue', name: '线索公海', path: '/clue/pool' },
      { prefix: 'clueDetail', name: '线索详情', path: '/clue/detail' },
      { prefix: 'clueTag', name: '线索系统标签', path: '/clue/tags' },
      { prefix: 'distributionPolicy', name: '分配策略', path: '/clue/policies' },
      { prefix: 'partner', name: '合作方', path: '/clue/partners' },
    ],
  },
  {
    key: 'customer',
    name: '客户管理',
    icon: 'user',
    pages: [
      { prefix: 'customer', name: '客户信息', path: '/customer/list' },
      { prefix: 'relation', name: '客户员工关系', path: '/customer/relations' },
      { prefix: 'customerTag', name: '客户标签', path: '/customer/tags' },
      { prefix: 'customerTagging', name: '客户打标签', path: '/customer/tagging' },
    ],
  },
  {
    key: 'tag',
    name: '标签管理',
    icon: 'tags',
    pages: [
      { prefix: 'corpTag', name: '企业客户标签', path: '/tag/corp' },
      { prefix: 'selfTag', name: 'SCRM自建标签', path: '/tag/self' },
    ],
  },
  {
    key: 'group',
    name: '客户群',
    icon: 'team',
    pages: [
      { prefix: 'group', name: '客户群信息', path: '/group/list' },
      { prefix: 'groupMember', name: '客户群成员', path: '/group/members' },
      { prefix: 'chatGroup', name: '企微聊天群', path: '/group/chats' },
      { prefix: 'groupJoinQr', name: '加入群聊二维码', path: '/group/join-qr' },
    ],
  },
  {
    key: 'acquisition',
    name: '获客',
    icon: 'qrcode',
    pages: [
      { prefix: 'channel', name: '获客渠道', path: '/acquisition/channels' },
      { prefix: 'acqLink', name: '获客链接', path: '/acquisition/links' },
      { prefix: 'acqQr', name: '获客二维码', path: '/acquisition/qr' },
      { prefix: 'miniLink', name: '小程序推广链接', path: '/acquisition/mini-links' },
      { prefix: 'material', name: '素材管理', path: '/acquisition/materials' },
    ],
  },
  {
    key: 'wecom',
    name: '企业微信',
    icon: 'wechat',
    pages: [
      { prefix: 'employee', name: '企微员工', path: '/wecom/employees' },
      { prefix: 'wecomDept', name: '企微部门', path: '/wecom/depts' },
      { prefix: 'wecom', name: '企微接入', path: '/wecom/settings' },
      { prefix: 'sync', name: '企微同步', path: '/wecom/syncs' },
    ],
  },
  {
    key: 'system',
    name: '系统管理',
    icon: 'setting',
    pages: [
      { prefix: 'user', name: '用户管理', path: '/system/users' },
      { prefix: 'role', name: '角色管理', path: '/system/roles' },
      { prefix: 'menu', name: '菜单管理', path: '/system/menus' },
      { prefix: 'dept', name: '部门管理', path: '/system/depts' },
    ],
  },
];

/** Button names of permissions that no seed operation names in Chinese. */
const BUTTON_NAMES: Record<string, string> = {
  'wecom:jsConfig': '获取JS-SDK配置',
  'wecom:callbackTest': '测试回调配置',
  'distributionPolicy:save': '添加或者修改',
  'distributionPolicy:page': '分页查询',
  'distributionPolicy:get': '根据id查询',
  'distributionPolicy:delete': '删除',
  'partner:save': '新增合作方',
  'partner:createKey': '签发密钥',
  'partner:revokeKey': '吊销密钥',
  'partner:keys': '查询密钥',
  'sync:status': '查询同步进度',
  'clueDetail:transferGet': '查询在职继承进度',
  'clueDetail:transferPage': '分页查询在职继承记录',
  'clue:importTemplate': '下载线索导入模板',
  'clue:importStatus': '查询线索导入进度',
  'clue:importErrors': '下载线索导入错误报告',
  'clue:mergeResult': '查询客户合并进度',
  'material:save': '添加或者修改文本、链接素材',
  'acqLink:quotaNotices': '查询获客助手额度提醒',
  'acqLink:stats': '获客统计（按天、按员工）',
  // The seed's name lists every type and scope: longer than a menu name may be.
  'material:listByType': '按照类型查询所有素材',
  'miniLink:saveApp': '配置小程序AppSecret',
  'miniLink:listApps': '查询已配置的小程序',
};

const seedNames = new Map(seedOperations.map((op) => [op.key, op.name]));

/** The permission a seed operation's route names: its key with a colon (`corpTag.saveGroup` → `corpTag:saveGroup`). */
export function permissionOfSeedOp(seedOp: string): string {
  return seedOp.replace('.', ':');
}

/**
 * The permission an admin route needs, as the route names it. An admin route without one (other
 * than a self-service route) is a programming error, caught when the route table is built.
 */
export function routePermission(route: RouteDefinition): string | undefined {
  if (route.auth !== 'admin' || route.selfService) return undefined;
  if (!route.permission) throw new Error(`admin route ${route.method} ${route.path} has no permission`);
  return route.permission;
}

function buttonName(route: RouteDefinition, permission: string): string {
  return BUTTON_NAMES[permission] ?? (route.seedOp && seedNames.get(route.seedOp)) ?? route.summary;
}

/** The directory → page → button nodes for the permissions of `routes` (pages without routes are left out). */
export function permissionTree(routes: RouteDefinition[]): PermissionNode[] {
  const buttonsByPrefix = new Map<string, PermissionNode[]>();
  for (const route of routes) {
    const permission = routePermission(route);
    if (!permission) continue;
    const prefix = permission.split(':')[0] as string;
    const buttons = buttonsByPrefix.get(prefix) ?? [];
    if (buttons.some((b) => b.permission === permission)) continue;
    buttons.push({
      code: permission,
      parentCode: `page:${prefix}`,
      type: 'button',
      name: buttonName(route, permission),
      order: buttons.length + 1,
      path: null,
      icon: null,
      permission,
    });
    buttonsByPrefix.set(prefix, buttons);
  }
  const nodes: PermissionNode[] = [];
  MENU_LAYOUT.forEach((directory, d) => {
    const pages = directory.pages.filter((page) => buttonsByPrefix.has(page.prefix));
    if (pages.length === 0) return;
    nodes.push({
      code: `dir:${directory.key}`,
      parentCode: null,
      type: 'directory',
      name: directory.name,
      order: d + 1,
      path: `/${directory.key}`,
      icon: directory.icon,
      permission: null,
    });
    pages.forEach((page, p) => {
      nodes.push({
        code: `page:${page.prefix}`,
        parentCode: `dir:${directory.key}`,
        type: 'menu',
        name: page.name,
        order: p + 1,
        path: page.path,
        icon: null,
        permission: null,
      });
      nodes.push(...(buttonsByPrefix.get(page.prefix) ?? []));
    });
  });
  return nodes;
}

/** Permission prefixes of `routes` that no page of MENU_LAYOUT claims (the unit test wants none). */
export function unplacedPermissions(routes: RouteDefinition[]): string[] {
  const prefixes = new Set(MENU_LAYOUT.flatMap((d) => d.pages.map((p) => p.prefix)));
  return routes
    .map(routePermission)
    .filter((permission): permission is string => !!permission && !prefixes.has(permission.split(':')[0] as string));
}
