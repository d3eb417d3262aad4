import type { TimelineRow } from '../../db/queries/timeline';
import { ASSIGNED_ADD_WAYS } from './timeline-actor';

/** Names the text uses: WeCom employees by userid, admins by username, partners by their `partner:<id>` signature. */
export interface TimelineNames {
  employee(userid: unknown): string;
  admin(username: string | null): string;
  partner(actor: string | null): string;
}

type Detail = Record<string, unknown>;
type Render = (d: Detail, n: TimelineNames, row: TimelineRow) => string;

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const quoted = (v: unknown): string => `「${str(v) || '未命名'}」`;

const CLUE_SOURCES: Record<string, string> = { '2': '手动创建', '3': '通过 Excel 导入' };

const WAITING_REASONS: Record<string, string> = {
  OUTSIDE_WORKING_HOURS: '当前不在销售的工作时间',
  DAILY_LIMIT_REACHED: '销售今日分配已达上限',
  NO_MEMBERS: '分配策略中暂无可用的销售',
  NO_MATCHING_POLICY: '没有匹配的分配策略',
};

const CLUE_FIELDS: Record<string, string> = {
  linkManName: '姓名',
  linkManTel: '手机号',
  email: '邮箱',
  wechat: '微信',
  address: '地址',
  remark: '备注',
  status: '状态',
  tag: '标签',
};

const CONTACT_TYPES: Record<string, string> = { phone: '手机', wechat: '微信', email: '邮箱', qq: 'QQ', other: '其他' };

/** WeCom's add_way codes (externalcontact/get follow_user.add_way). */
const ADD_WAYS: Record<string, string> = {
  '1': '扫描二维码',
  '2': '搜索手机号',
  '3': '名片分享',
  '4': '群聊',
  '5': '手机通讯录',
  '6': '微信联系人',
  '8': '第三方应用自动添加',
  '9': '搜索邮箱',
  '10': '视频号',
  '16': '获客链接',
  '201': '内部成员共享',
  '202': '管理员或负责人分配',
};

const RELATION_ENDS: Record<string, (who: string) => string> = {
  '1': (who) => `${who} 删除了该客户`,
  '2': (who) => `客户删除了 ${who}`,
  '3': (who) => `客户已从 ${who} 处转接走`,
  '4': (who) => `企业微信中客户与 ${who} 已不是好友（同步时发现）`,
};

const WELCOME_OUTCOMES: Record<string, (d: Detail) => string> = {
  sent: () => '，欢迎语已发送',
  already_sent: () => '，欢迎语已由其他途径发送',
  expired: () => '，欢迎语未能在 20 秒内发出',
  failed: (d) => `，欢迎语发送失败（错误码 ${str(d.welcomeErrcode)}）`,
};

/** How the system found the clue of a customer it linked by itself (clue-link.ts ClueLinkCause). */
const LINK_CAUSES: Record<string, string> = {
  phone: '备注手机号',
  unionid: '落地页登记的访客 unionid',
};

function tagList(v: unknown): string {
  if (!Array.isArray(v)) return '';
  return v
    .map((t: unknown) => {
      const tag = (t ?? {}) as Detail;
      return str(tag.name) || str(tag.id) || str(t);
    })
    .join('、');
}

/** What system tags were put on or taken off: the clue itself, or one of its WeCom customers. */
function tagPlace(d: Detail): string {
  return d.place === 'customer' ? `企微客户${quoted(d.name)}` : '线索';
}

const businessIdOf = (d: Detail): string => (d.businessId ? `（业务编号 ${str(d.businessId)}）` : '');

function contact(d: Detail): string {
  return `${CONTACT_TYPES[str(d.type)] ?? '联系方式'} ${str(d.value)}`.trim();
}

const RENDERERS: Record<string, Render> = {
  intake: (d, n, row) => {
    const how = CLUE_SOURCES[str(d.source)];
    if (how) return `${n.admin(row.actor)} ${how}了线索`.trim();
    const partner = str(d.partnerName);
    return `${partner ? `合作方${quoted(partner)}` : '合作方'}推送了线索${businessIdOf(d)}`;
  },
  intake_update: (d, n, row) => `合作方${quoted(n.partner(row.actor))}再次推送了线索${businessIdOf(d)}，资料已更新`,
  imported: (d) => `来自 Excel 导入（导入批次 #${str(d.importId)}，第 ${str(d.row)} 行）`,
  duplicate_detected: (d) => `与线索 #${str(d.duplicateOfClueId)} 手机号相同，标记为疑似重复`,
  waiting: (d) => `暂未分配：${WAITING_REASONS[str(d.reason)] ?? '等待重新检查'}`,
  assigned: (d, n, row) =>
    d.kind === 'manual'
      ? `${n.admin(row.actor)} 将线索分配给 ${n.employee(d.employeeUserid)}`
      : `按分配策略自动分配给 ${n.employee(d.employeeUserid)}`,
  recycled: (d, n) =>
    `${n.employee(d.previousOwner)} 超时未跟进，线索已回收${d.next === 'pool' ? '到公海' : '并重新分配'}`,
  edited: (d, n, row) => {
    const fields = Array.isArray(d.fields) ? d.fields.map((f) => CLUE_FIELDS[str(f)] ?? str(f)) : [];
    return `${n.admin(row.actor)} 修改了线索资料${fields.length > 0 ? `（${fields.join('、')}）` : ''}`;
  },
  follow_up: (d, n, row) => {
    const who = d.userid ? n.employee(d.userid) : n.admin(row.actor);
    return `${who} 跟进${d.method ? `（${str(d.method)}）` : ''}：${str(d.content)}`;
  },
  wecom_customer_linked: (d, n, row) =>
    LINK_CAUSES[str(d.matchedBy)]
      ? `客户通过获客链接添加 ${n.employee(d.userid)} 后，按${LINK_CAUSES[str(d.matchedBy)]}自动将线索关联到企微客户${quoted(d.name)}`
      : `${n.admin(row.actor)} 将线索关联到企微客户${quoted(d.name)}`,
  wecom_customer_unlinked: (d, n, row) => `${n.admin(row.actor)} 解除了线索与企微客户${quoted(d.name)}的关联`,
  system_tags_added: (d, n, row) => `${n.admin(row.actor)} 为${tagPlace(d)}添加系统标签：${tagList(d.tags)}`,
  system_tags_removed: (d, n, row) =>
    d.reason === 'tag_deleted'
      ? `系统标签已被删除，${tagPlace(d)}不再带有：${tagList(d.tags)}`
      : `${n.admin(row.actor)} 移除了${tagPlace(d)}的系统标签：${tagList(d.tags)}`,
  contact_added: (d, n, row) => `${n.admin(row.actor)} 添加联系方式：${contact(d)}`,
  contact_updated: (d, n, row) => `${n.admin(row.actor)} 修改联系方式：${contact(d)}`,
  contact_removed: (d, n, row) => `${n.admin(row.actor)} 删除联系方式：${contact(d)}`,
  contact_primary: (d, n, row) => `${n.admin(row.actor)} 将 ${contact(d)} 设为主联系方式`,
  owner_transferred: (d, n) => `线索负责人由 ${n.employee(d.from)} 转为 ${n.employee(d.to)}（在职转接）`,
  merged_from: (d, n, row) => `${n.admin(row.actor)} 将线索 #${str(d.mergedClueId)} 合并到本线索`,
  merged_into: (d, n, row) => `${n.admin(row.actor)} 将本线索合并到线索 #${str(d.survivorId)}`,
  corp_tags_changed: (d, n, row) => {
    if (d.via === 'acquisition') {
      const source = `${d.linkKind === 'qr' ? '渠道活码' : '获客链接'}${quoted(d.linkName)}`;
      return `${source}为客户在 ${n.employee(d.userid)} 名下打上企业标签：${tagList(d.added)}`;
    }
    const parts = [
      tagList(d.added) ? `添加 ${tagList(d.added)}` : '',
      tagList(d.removed) ? `移除 ${tagList(d.removed)}` : '',
    ].filter(Boolean);
    return `${n.admin(row.actor)} 修改了客户在 ${n.employee(d.userid)} 名下的企业标签：${parts.join('；')}`;
  },
  transfer_requested: (d, n, row) =>
    `${n.admin(row.actor)} 发起在职转接：客户由 ${n.employee(d.handover)} 转给 ${n.employee(d.takeover)}`,
  transfer_succeeded: (d, n) => `在职转接完成：${n.employee(d.takeover)} 已接替 ${n.employee(d.handover)}`,
  transfer_failed: (d, n) =>
    `在职转接未完成（${n.employee(d.handover)} → ${n.employee(d.takeover)}）：${str(d.reason) || '企业微信拒绝'}`,
  wecom_added: (d, n) => {
    const way = ADD_WAYS[str(d.addWay)];
    // Shared or assigned (a transfer's takeover): WeCom made the relation, the customer added nobody.
    if (ASSIGNED_ADD_WAYS.has(str(d.addWay))) return `${n.employee(d.userid)} 成为客户的跟进人（${way}）`;
    return `客户添加了 ${n.employee(d.userid)} 为好友${way ? `（${way}）` : ''}`;
  },
  wecom_ended: (d, n) =>
    (RELATION_ENDS[str(d.status)] ?? ((who) => `客户与 ${who} 的好友关系已结束`))(n.employee(d.userid)),
  wecom_edited: (d, n) => `${n.employee(d.userid)} 修改了客户的备注或资料`,
  acquired: (d, n) => {
    const what = d.linkKind === 'qr' ? '渠道活码' : '获客链接';
    const channel = d.channelName ? `（渠道：${str(d.channelName)}）` : '';
    const welcome = WELCOME_OUTCOMES[str(d.welcomeStatus)]?.(d) ?? '';
    return `通过${what}${quoted(d.linkName)}${channel}添加 ${n.employee(d.userid)}${welcome}`;
  },
  acq_chat_started: (d, n) => `客户通过获客链接添加后，首次向 ${n.employee(d.userid)} 发送了消息`,
  group_joined: (d) => `加入群聊${quoted(d.chatName || d.chatId)}`,
  group_left: (d) =>
    d.quitScene === 1 ? `被移出群聊${quoted(d.chatName || d.chatId)}` : `退出群聊${quoted(d.chatName || d.chatId)}`,
};

/** The entry in words for the people reading a customer's history (Chinese). */
export function timelineText(row: TimelineRow, names: TimelineNames): string {
  const render = RENDERERS[row.kind];
  return render ? render(row.detail ?? {}, names, row) : `记录：${row.kind}`;
}

/** The WeCom userids an entry's text names, so their names can be read in one query. */
export function employeeIdsOf(row: TimelineRow): string[] {
  const d = row.detail ?? {};
  return ['userid', 'employeeUserid', 'previousOwner', 'from', 'to', 'handover', 'takeover']
    .map((k) => d[k])
    .filter((v): v is string => typeof v === 'string' && v !== '');
}
