import {
  ADD_WAYS,
  CHAT_NAME_SUFFIXES,
  COMPANY_NAMES,
  DEPARTMENT_NAMES,
  DESCRIPTIONS,
  GIVEN_CHARS,
  PINYIN,
  POSITIONS,
  SURNAMES,
  TAG_CATALOGUE,
} from './names';
import { ALNUM, HEX, Random, deriveSeed } from './random';
import {
  ID_LENGTH,
  type CorpData,
  type EmployeeStatus,
  type SimChatMember,
  type SimCustomer,
  type SimDepartment,
  type SimEmployee,
  type SimGroupChat,
  type SimRelation,
  type SimTag,
  type SimTagGroup,
} from './state';

export interface GenerateOptions {
  /** Number of customers (external contacts). */
  customers: number;
  /** Default: customers / 50, at least 3. */
  employees?: number;
  /** Default: customers / 100, at least 2. */
  groups?: number;
}

/** Generated timestamps lie before this instant (2025-06-01T00:00:00Z), so they never depend on the wall clock. */
export const GENERATION_EPOCH = 1748736000;
const DAY = 86400;

/** Builds a corp's data from (seed, sizes) alone: equal inputs give byte-identical data. */
export function generateCorpData(seed: number, options: GenerateOptions): CorpData {
  const rng = new Random(deriveSeed(seed, 'corp'));
  const employeeCount = options.employees ?? Math.max(3, Math.round(options.customers / 50));
  const departments = generateDepartments(rng, Math.min(300, Math.max(2, Math.ceil(employeeCount / 8) + 1)));
  const employees = generateEmployees(rng, employeeCount, departments);
  const tagGroups = generateTagGroups(rng);
  const followers = [...employees.values()].filter((e) => e.customerContact && e.status === 1);
  const { customers, relationSeq } = generateCustomers(rng, options.customers, followers, tagGroups);
  const chatCount = options.groups ?? Math.max(2, Math.round(options.customers / 100));
  const chats = generateChats(rng, chatCount, followers, [...employees.values()], [...customers.values()]);
  return {
    departments,
    employees,
    customers,
    tagGroups,
    chats,
    relationSeq,
    employeeSeq: employees.size,
    customerSeq: customers.size,
    chatSeq: chats.size,
  };
}

function personName(rng: Random): string {
  return rng.pick(SURNAMES) + rng.pick(GIVEN_CHARS) + (rng.chance(0.6) ? rng.pick(GIVEN_CHARS) : '');
}

function mobile(rng: Random): string {
  return `1${rng.pick(['3', '5', '7', '8', '9'])}${rng.string(9, '0123456789')}`;
}

function generateDepartments(rng: Random, count: number): Map<number, SimDepartment> {
  const departments = new Map<number, SimDepartment>();
  departments.set(1, { id: 1, name: rng.pick(COMPANY_NAMES), parentId: 0, order: 100000000, leaders: [] });
  for (let id = 2; id <= count; id++) {
    // Parents are drawn from the older half so the tree stays a few levels deep.
    const parentId = rng.int(1, Math.max(1, Math.ceil((id - 1) / 2)));
    const base = DEPARTMENT_NAMES[(id - 2) % DEPARTMENT_NAMES.length] as string;
    const round = Math.floor((id - 2) / DEPARTMENT_NAMES.length);
    departments.set(id, {
      id,
      name: round === 0 ? base : `${base}${round + 1}`,
      nameEn: rng.chance(0.3) ? `dept-${id}` : undefined,
      parentId,
      order: rng.int(0, 100000000),
      leaders: [],
    });
  }
  return departments;
}

function generateEmployees(
  rng: Random,
  count: number,
  departments: Map<number, SimDepartment>,
): Map<string, SimEmployee> {
  const employees = new Map<string, SimEmployee>();
  const deptIds = [...departments.keys()];
  const leafish = deptIds.length > 1 ? deptIds.slice(1) : deptIds;
  for (let i = 0; i < count; i++) {
    const userid = `${rng.pick(PINYIN)}${String(i + 1).padStart(4, '0')}`;
    const main = rng.pick(leafish);
    const depts = rng.chance(0.1) && deptIds.length > 2 ? [...new Set([main, rng.pick(leafish)])] : [main];
    const isLeader = depts.map(() => (rng.chance(0.1) ? 1 : 0));
    depts.forEach((d, index) => {
      if (isLeader[index] === 1) departments.get(d)?.leaders.push(userid);
    });
    // The first three are always active with the customer-contact feature, so every corp has followers.
    const status: EmployeeStatus = i < 3 ? 1 : rng.pick([1, 1, 1, 1, 1, 1, 1, 1, 2, 4] as const);
    employees.set(userid, {
      seq: i + 1,
      userid,
      name: personName(rng),
      departments: depts,
      orders: depts.map(() => rng.int(0, 1000)),
      isLeaderInDept: isLeader,
      position: rng.pick(POSITIONS),
      mobile: mobile(rng),
      gender: rng.pick(['1', '2'] as const),
      email: `${userid}@example.com`,
      avatar: `https://wework.qpic.cn/wwhead/${rng.string(40, HEX)}/0`,
      alias: rng.chance(0.3) ? rng.pick(['Amy', 'Ben', 'Coco', 'David', 'Eric', 'Fiona', 'Grace', 'Henry']) : '',
      status,
      mainDepartment: main,
      openUserid: `wo${rng.string(ID_LENGTH, ALNUM)}`,
      customerContact: i < 3 || (status === 1 && rng.chance(0.85)),
    });
  }
  return employees;
}

function generateTagGroups(rng: Random): SimTagGroup[] {
  return TAG_CATALOGUE.map(({ group, tags }) => {
    const groupId = `et${rng.string(ID_LENGTH, ALNUM)}`;
    const createTime = GENERATION_EPOCH - rng.int(400, 800) * DAY;
    const chosen: SimTag[] = rng.sample(tags, rng.int(3, 8)).map((name) => ({
      id: `et${rng.string(ID_LENGTH, ALNUM)}`,
      groupId,
      name,
      createTime: createTime + rng.int(0, 30) * DAY,
      order: rng.int(0, 1000),
      deleted: false,
    }));
    return { id: groupId, name: group, createTime, order: rng.int(0, 1000), deleted: false, tags: chosen };
  });
}

function generateCustomers(
  rng: Random,
  count: number,
  followers: readonly SimEmployee[],
  tagGroups: readonly SimTagGroup[],
): { customers: Map<string, SimCustomer>; relationSeq: number } {
  const customers = new Map<string, SimCustomer>();
  const tagIds = tagGroups.flatMap((g) => g.tags.map((t) => t.id));
  let relationSeq = 0;
  for (let i = 0; i < count; i++) {
    let externalUserid = `wm${rng.string(ID_LENGTH, ALNUM)}`;
    while (customers.has(externalUserid)) externalUserid = `wm${rng.string(ID_LENGTH, ALNUM)}`;
    const type: 1 | 2 = rng.chance(0.9) ? 1 : 2;
    const customer: SimCustomer = {
      seq: i + 1,
      externalUserid,
      name: personName(rng),
      type,
      gender: rng.pick([0, 1, 1, 2, 2] as const),
      avatar: `http://wx.qlogo.cn/mmhead/${rng.string(40, ALNUM)}/0`,
      relations: [],
    };
    if (type === 1 && rng.chance(0.6)) customer.unionid = `o${rng.string(27, ALNUM)}`;
    if (type === 2) {
      customer.corpName = rng.pick(COMPANY_NAMES);
      customer.corpFullName = `${customer.corpName}有限公司`;
      customer.position = rng.pick(POSITIONS);
    }
    const roll = rng.next();
    const relationCount = roll < 0.7 ? 1 : roll < 0.92 ? 2 : 3;
    for (const follower of rng.sample(followers, relationCount)) {
      const addWay = rng.pick(ADD_WAYS);
      const relation: SimRelation = {
        seq: ++relationSeq,
        customer,
        userid: follower.userid,
        remark: rng.chance(0.4) ? customer.name : '',
        description: rng.pick(DESCRIPTIONS),
        createtime: GENERATION_EPOCH - rng.int(0, 730 * DAY),
        addWay,
        operUserid: rng.chance(0.7) ? follower.userid : externalUserid,
        remarkMobiles: rng.chance(0.2) ? [mobile(rng)] : [],
        tagIds: tagIds.length > 0 ? rng.sample(tagIds, rng.int(0, 3)) : [],
      };
      if (addWay === 16) relation.state = `link_${rng.int(1, 20)}`;
      else if (rng.chance(0.15)) relation.state = `qr_${rng.int(1, 50)}`;
      if (type === 2 && rng.chance(0.3)) relation.remarkCorpName = customer.corpName;
      customer.relations.push(relation);
    }
    customers.set(externalUserid, customer);
  }
  return { customers, relationSeq };
}

function generateChats(
  rng: Random,
  count: number,
  followers: readonly SimEmployee[],
  employees: readonly SimEmployee[],
  customers: readonly SimCustomer[],
): Map<string, SimGroupChat> {
  const chats = new Map<string, SimGroupChat>();
  const active = employees.filter((e) => e.status === 1);
  for (let i = 0; i < count; i++) {
    const owner = rng.pick(followers);
    const createTime = GENERATION_EPOCH - rng.int(30, 700) * DAY;
    const joinTime = () => Math.min(GENERATION_EPOCH, createTime + rng.int(0, 30 * DAY));
    const members: SimChatMember[] = [
      { userid: owner.userid, type: 1, joinTime: createTime, joinScene: 1, name: owner.name },
    ];
    const others = active.filter((e) => e !== owner);
    const staff = rng.sample(others, rng.int(0, 3));
    for (const employee of staff) {
      members.push({
        userid: employee.userid,
        type: 1,
        joinTime: joinTime(),
        joinScene: 1,
        invitor: owner.userid,
        name: employee.name,
      });
    }
    const externals: Array<{ userid: string; name: string; unionid?: string }> = rng
      .sample(customers, rng.int(2, 30))
      .map((c) => ({ userid: c.externalUserid, name: c.name, unionid: c.unionid }));
    // A few members who are in the group without being anyone's customer, as in real groups.
    for (let s = rng.int(0, 2); s > 0; s--) {
      externals.push({ userid: `wm${rng.string(ID_LENGTH, ALNUM)}`, name: personName(rng) });
    }
    for (const external of externals) {
      const joinScene = rng.pick([1, 2, 3] as const);
      const member: SimChatMember = {
        userid: external.userid,
        type: 2,
        joinTime: joinTime(),
        joinScene,
        name: external.name,
      };
      if (external.unionid) member.unionid = external.unionid;
      if (joinScene !== 3) member.invitor = rng.pick(members.filter((m) => m.type === 1)).userid;
      if (rng.chance(0.1)) member.state = `jw_${rng.int(1, 20)}`;
      if (rng.chance(0.2)) member.groupNickname = `${external.name}-${rng.int(1, 99)}`;
      members.push(member);
    }
    const staffMembers = members.filter((m) => m.type === 1 && m.userid !== owner.userid);
    const admins = rng.sample(staffMembers, rng.int(0, 2)).map((m) => m.userid);
    const chatId = `wr${rng.string(ID_LENGTH, ALNUM)}`;
    chats.set(chatId, {
      seq: i + 1,
      chatId,
      name: `${rng.pick(CHAT_NAME_SUFFIXES)}${i + 1}`,
      owner: owner.userid,
      createTime,
      notice: rng.chance(0.5) ? '欢迎加入，有问题请随时联系群主' : '',
      members,
      admins,
      memberVersion: rng.string(32, HEX),
      status: 0,
    });
  }
  return chats;
}
