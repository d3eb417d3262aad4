import { SimClock } from './clock';
import { ALNUM, HEX, Random, deriveSeed } from './random';

export type EmployeeStatus = 1 | 2 | 4 | 5;

export interface SimDepartment {
  id: number;
  name: string;
  nameEn?: string;
  parentId: number;
  order: number;
  leaders: string[];
}

export interface SimEmployee {
  seq: number;
  userid: string;
  name: string;
  departments: number[];
  orders: number[];
  isLeaderInDept: number[];
  position: string;
  mobile: string;
  gender: '0' | '1' | '2';
  email: string;
  avatar: string;
  alias: string;
  status: EmployeeStatus;
  mainDepartment: number;
  openUserid: string;
  /** Has the customer-contact feature (listed by get_follow_user_list). */
  customerContact: boolean;
}

export interface SimCustomer {
  seq: number;
  externalUserid: string;
  name: string;
  type: 1 | 2;
  gender: 0 | 1 | 2;
  avatar: string;
  unionid?: string;
  position?: string;
  corpName?: string;
  corpFullName?: string;
  /** Ordered by relation seq. */
  relations: SimRelation[];
}

export interface SimRelation {
  seq: number;
  customer: SimCustomer;
  userid: string;
  remark: string;
  description: string;
  createtime: number;
  addWay: number;
  state?: string;
  operUserid: string;
  remarkMobiles: string[];
  remarkCorpName?: string;
  /** Corp tag ids, in the order they were marked. */
  tagIds: string[];
}

export interface SimTag {
  id: string;
  groupId: string;
  name: string;
  createTime: number;
  order: number;
  deleted: boolean;
}

export interface SimTagGroup {
  id: string;
  name: string;
  createTime: number;
  order: number;
  deleted: boolean;
  tags: SimTag[];
}

export interface SimChatMember {
  userid: string;
  type: 1 | 2;
  unionid?: string;
  joinTime: number;
  joinScene: 1 | 2 | 3;
  invitor?: string;
  groupNickname?: string;
  name: string;
  state?: string;
}

export interface SimGroupChat {
  seq: number;
  chatId: string;
  name: string;
  owner: string;
  createTime: number;
  notice: string;
  members: SimChatMember[];
  admins: string[];
  memberVersion: string;
  /** 0 normal, 1 owner resigned, 2 inheriting, 3 inherited. */
  status: 0 | 1 | 2 | 3;
}

/** transfer_result status: 1 done, 2 waiting, 3 refused, 4 takeover's customer limit reached. */
export type TransferStatus = 1 | 2 | 3 | 4;

export interface SimTransfer {
  seq: number;
  externalUserid: string;
  handover: string;
  takeover: string;
  startedAt: number;
  status: TransferStatus;
  takeoverTime?: number;
}

export interface SimContactWay {
  configId: string;
  createdAt: number;
  type: number;
  scene: number;
  style?: number;
  remark?: string;
  skipVerify: boolean;
  state?: string;
  user: string[];
  party: number[];
  isTemp: boolean;
  expiresIn?: number;
  chatExpiresIn?: number;
  unionid?: string;
  conclusions?: unknown;
  qrCode?: string;
}

export interface SimJoinWay {
  configId: string;
  scene: number;
  remark?: string;
  autoCreateRoom: number;
  roomBaseName?: string;
  roomBaseId?: number;
  chatIds: string[];
  state?: string;
  qrCode?: string;
}

export interface SimAcquisitionLink {
  linkId: string;
  name: string;
  url: string;
  createTime: number;
  skipVerify: boolean;
  userList: string[];
  departmentList: number[];
  priorityOption?: { priority_type: number; priority_userid_list?: string[] };
  markSource: boolean;
}

/** The corp's acquisition-link quota (获客助手额度): each customer added through a link uses one. */
export interface SimAcquisitionQuota {
  /** Used so far, all time. */
  total: number;
  balance: number;
  /** Parts of the balance that expire, by the day they expire (00:00 of that day, unix seconds). */
  quotaList: Array<{ expireDate: number; balance: number }>;
}

/** Below this many the corp is told its balance is low (WeCom: fewer than 20 left). */
export const ACQUISITION_QUOTA_LOW = 20;

export interface SimWelcomeCode {
  code: string;
  userid: string;
  externalUserid: string;
  expiresAt: number;
  used: boolean;
}

/** A welcome message send_welcome_msg accepted, as it was sent. */
export interface SimWelcome {
  welcomeCode: string;
  userid: string;
  externalUserid: string;
  text?: string;
  attachments: Array<Record<string, unknown>>;
  sentAt: number;
  /** Wall-clock ISO time (ms) the simulator accepted it, for latency measurements against callback sends. */
  receivedAt: string;
}

export interface SimMedia {
  mediaId: string;
  type: string;
  size: number;
  createdAt: number;
}

/** Per-corp knobs the control API may change. */
export interface CorpSettings {
  callbackUrl?: string;
  callbackToken: string;
  encodingAesKey: string;
  callbackTimeoutMs: number;
  callbackRetryDelayMs: number;
  callbackRetries: number;
  /** Calls per minute per API path (WeCom: 10,000). */
  rateLimitPerMinute: number;
  rateLimitPerPath: Record<string, number>;
  /** Upper bound on one member's customers; a transfer beyond it ends with status 4. */
  customerLimitPerMember: number;
}

export interface CorpCredentials {
  corpId: string;
  secret: string;
  agentId: number;
}

/** Everything generated from (seed, size): the part two corps of the same seed share byte for byte. */
export interface CorpData {
  departments: Map<number, SimDepartment>;
  employees: Map<string, SimEmployee>;
  customers: Map<string, SimCustomer>;
  tagGroups: SimTagGroup[];
  chats: Map<string, SimGroupChat>;
  relationSeq: number;
  employeeSeq: number;
  customerSeq: number;
  chatSeq: number;
}

export const ID_LENGTH = 30;

/** One corp's whole world: generated data, indexes, API-created objects, clock and settings. */
export class SimCorp {
  readonly clock = new SimClock();
  readonly departments: Map<number, SimDepartment>;
  readonly employees: Map<string, SimEmployee>;
  readonly customers: Map<string, SimCustomer>;
  readonly tagGroups: SimTagGroup[];
  readonly tagGroupById = new Map<string, SimTagGroup>();
  readonly tagById = new Map<string, SimTag>();
  readonly chats: Map<string, SimGroupChat>;
  /** Each member's relations ordered by seq, so a page is a binary search plus a slice. */
  readonly relationsByUser = new Map<string, SimRelation[]>();
  readonly deletedUserids = new Set<string>();
  /** Skip-verify adds the member has not accepted yet, by `${userid}|${externalUserid}`. */
  readonly halfRelations = new Map<string, { userid: string; externalUserid: string; state?: string }>();
  readonly transfers: SimTransfer[] = [];
  readonly contactWays = new Map<string, SimContactWay>();
  readonly joinWays = new Map<string, SimJoinWay>();
  readonly links = new Map<string, SimAcquisitionLink>();
  readonly acquisitionQuota: SimAcquisitionQuota = { total: 0, balance: 10_000, quotaList: [] };
  readonly welcomeCodes = new Map<string, SimWelcomeCode>();
  readonly media = new Map<string, SimMedia>();
  /** Welcome messages accepted, in the order they were sent. */
  readonly welcomes: SimWelcome[] = [];
  /** Ids for objects created after generation: deterministic for a given sequence of operations. */
  readonly rng: Random;
  private relationSeq: number;
  private employeeSeq: number;
  private customerSeq: number;
  private chatSeq: number;
  private transferSeq = 0;

  constructor(
    readonly credentials: CorpCredentials,
    readonly seed: number,
    readonly size: number,
    data: CorpData,
    readonly settings: CorpSettings,
  ) {
    this.departments = data.departments;
    this.employees = data.employees;
    this.customers = data.customers;
    this.tagGroups = data.tagGroups;
    this.chats = data.chats;
    this.relationSeq = data.relationSeq;
    this.employeeSeq = data.employeeSeq;
    this.customerSeq = data.customerSeq;
    this.chatSeq = data.chatSeq;
    this.rng = new Random(deriveSeed(seed, 'runtime'));
    for (const group of this.tagGroups) {
      this.tagGroupById.set(group.id, group);
      for (const tag of group.tags) this.tagById.set(tag.id, tag);
    }
    for (const employee of this.employees.values()) this.relationsByUser.set(employee.userid, []);
    const all: SimRelation[] = [];
    for (const customer of this.customers.values()) all.push(...customer.relations);
    all.sort((a, b) => a.seq - b.seq);
    for (const relation of all) this.userRelations(relation.userid).push(relation);
  }

  get corpId(): string {
    return this.credentials.corpId;
  }

  now(): number {
    return this.clock.nowSeconds();
  }

  userRelations(userid: string): SimRelation[] {
    let list = this.relationsByUser.get(userid);
    if (!list) {
      list = [];
      this.relationsByUser.set(userid, list);
    }
    return list;
  }

  /** The active (visible) employee, or undefined for unknown and deleted ids. */
  employee(userid: string): SimEmployee | undefined {
    return this.employees.get(userid);
  }

  relation(userid: string, externalUserid: string): SimRelation | undefined {
    return this.customers.get(externalUserid)?.relations.find((r) => r.userid === userid);
  }

  addRelation(customer: SimCustomer, fields: Omit<SimRelation, 'seq' | 'customer'>): SimRelation {
    const relation: SimRelation = { seq: ++this.relationSeq, customer, ...fields };
    customer.relations.push(relation);
    this.userRelations(relation.userid).push(relation);
    return relation;
  }

  removeRelation(relation: SimRelation): void {
    const list = this.userRelations(relation.userid);
    const index = lowerBound(list, relation.seq);
    if (list[index] === relation) list.splice(index, 1);
    const own = relation.customer.relations;
    const at = own.indexOf(relation);
    if (at >= 0) own.splice(at, 1);
  }

  addCustomer(fields: Omit<SimCustomer, 'seq' | 'relations' | 'externalUserid'> & { externalUserid?: string }) {
    const externalUserid = fields.externalUserid ?? this.newId('wm');
    const customer: SimCustomer = { ...fields, externalUserid, seq: ++this.customerSeq, relations: [] };
    this.customers.set(externalUserid, customer);
    return customer;
  }

  addEmployee(fields: Omit<SimEmployee, 'seq'>): SimEmployee {
    const employee: SimEmployee = { ...fields, seq: ++this.employeeSeq };
    this.employees.set(employee.userid, employee);
    this.deletedUserids.delete(employee.userid);
    this.userRelations(employee.userid);
    return employee;
  }

  addChat(fields: Omit<SimGroupChat, 'seq' | 'chatId'>): SimGroupChat {
    const chat: SimGroupChat = { ...fields, seq: ++this.chatSeq, chatId: this.newId('wr') };
    this.chats.set(chat.chatId, chat);
    return chat;
  }

  addTransfer(fields: Omit<SimTransfer, 'seq'>): SimTransfer {
    const transfer: SimTransfer = { ...fields, seq: ++this.transferSeq };
    this.transfers.push(transfer);
    return transfer;
  }

  addTagGroup(name: string, order: number): SimTagGroup {
    const group: SimTagGroup = { id: this.newId('et'), name, createTime: this.now(), order, deleted: false, tags: [] };
    this.tagGroups.push(group);
    this.tagGroupById.set(group.id, group);
    return group;
  }

  addTag(group: SimTagGroup, name: string, order: number): SimTag {
    const tag: SimTag = {
      id: this.newId('et'),
      groupId: group.id,
      name,
      createTime: this.now(),
      order,
      deleted: false,
    };
    group.tags.push(tag);
    this.tagById.set(tag.id, tag);
    return tag;
  }

  liveTagCount(): number {
    let count = 0;
    for (const group of this.tagGroups) if (!group.deleted) for (const tag of group.tags) if (!tag.deleted) count++;
    return count;
  }

  /** A prefixed opaque id like WeCom's (`wm…` customers, `wr…` chats, `et…` tags). */
  newId(prefix: string): string {
    return prefix + this.rng.string(ID_LENGTH, ALNUM);
  }

  newHex(length: number): string {
    return this.rng.string(length, HEX);
  }
}

/** First index whose relation seq is ≥ seq (list ordered by seq). */
export function lowerBound(list: readonly SimRelation[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as SimRelation).seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
