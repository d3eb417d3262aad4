import type Router from '@koa/router';
import { Type, type Static } from '@sinclair/typebox';
import type { EventFields } from '../callbacks';
import { WELCOME_CODE_TTL_SECONDS } from '../handlers/welcome';
import { GIVEN_CHARS, SURNAMES } from '../names';
import { ALNUM } from '../random';
import type { CorpRegistry } from '../runtime';
import type { SimCorp, SimCustomer, SimEmployee, SimRelation } from '../state';
import { subtree } from '../handlers/org';
import { ControlError, notFound } from './http';
import { useAcquisitionQuota } from './actions-acquisition';
import { ActionOptions, defineAction, type ActionResult } from './emit';

const Opt = Type.Optional;

const AddCustomerBody = Type.Object({
  ...ActionOptions,
  /** Member being added; default: one of the contact way / link members, else any follower. */
  userid: Opt(Type.String({ minLength: 1 })),
  /** Existing customer (or the id to give a new one); default: a new customer. */
  externalUserid: Opt(Type.String({ minLength: 1 })),
  customer: Opt(
    Type.Object({
      name: Opt(Type.String({ minLength: 1 })),
      type: Opt(Type.Union([Type.Literal(1), Type.Literal(2)])),
      gender: Opt(Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)])),
      unionid: Opt(Type.String()),
      corpName: Opt(Type.String()),
    }),
  ),
  /** The customer scanned this contact way (its state and members apply). */
  contactWayId: Opt(Type.String()),
  /** The customer came through this acquisition link; customerChannel becomes the state. */
  linkId: Opt(Type.String()),
  customerChannel: Opt(Type.String({ maxLength: 64 })),
  /** Explicit state (overrides the contact way's). */
  state: Opt(Type.String({ maxLength: 64 })),
  addWay: Opt(Type.Integer({ minimum: 0 })),
  /** Include a WelcomeCode (default true; never for a WeCom-user customer or after a half add). */
  welcomeCode: Opt(Type.Boolean()),
  /** add_half_external_contact: the member has not accepted yet (APIs answer 84061 until a full add). */
  half: Opt(Type.Boolean()),
  /** The remark mobiles the relation starts with (the phone the customer was found by, say). */
  remarkMobiles: Opt(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 5 })),
});

const PairBody = Type.Object({
  ...ActionOptions,
  userid: Type.String({ minLength: 1 }),
  externalUserid: Type.String({ minLength: 1 }),
});

const EditBody = Type.Object({
  ...ActionOptions,
  userid: Type.String({ minLength: 1 }),
  externalUserid: Type.String({ minLength: 1 }),
  remark: Opt(Type.String({ maxLength: 20 })),
  description: Opt(Type.String({ maxLength: 150 })),
  remarkMobiles: Opt(Type.Array(Type.String())),
  remarkCorpName: Opt(Type.String({ maxLength: 20 })),
  addTags: Opt(Type.Array(Type.String())),
  removeTags: Opt(Type.Array(Type.String())),
});

function requireFollowerEmployee(corp: SimCorp, userid: string): SimEmployee {
  const employee = corp.employee(userid);
  if (!employee) throw notFound(`member ${userid}`);
  if (!employee.customerContact || employee.status !== 1) {
    throw new ControlError(409, 'NOT_A_FOLLOWER', `member ${userid} is not an active member with customer contact`);
  }
  return employee;
}

function requirePair(corp: SimCorp, userid: string, externalUserid: string): SimRelation {
  const relation = corp.relation(userid, externalUserid);
  if (!relation) throw notFound(`relation between ${userid} and ${externalUserid}`);
  return relation;
}

function candidates(corp: SimCorp, users: readonly string[], departments: readonly number[]): SimEmployee[] {
  const ids = new Set(departments.flatMap((d) => (corp.departments.has(d) ? subtree(corp, d) : [])));
  const out = new Map<string, SimEmployee>();
  for (const userid of users) {
    const employee = corp.employee(userid);
    if (employee) out.set(userid, employee);
  }
  if (ids.size > 0) {
    for (const employee of corp.employees.values()) {
      if (employee.departments.some((d) => ids.has(d))) out.set(employee.userid, employee);
    }
  }
  return [...out.values()].filter((e) => e.customerContact && e.status === 1);
}

function newCustomer(corp: SimCorp, externalUserid: string | undefined, given: Partial<SimCustomer>): SimCustomer {
  const type = given.type ?? 1;
  const name = given.name ?? corp.rng.pick(SURNAMES) + corp.rng.pick(GIVEN_CHARS) + corp.rng.pick(GIVEN_CHARS);
  const customer = corp.addCustomer({
    externalUserid,
    name,
    type,
    gender: given.gender ?? corp.rng.pick([0, 1, 2] as const),
    avatar: `http://wx.qlogo.cn/mmhead/${corp.rng.string(40, ALNUM)}/0`,
  });
  if (given.unionid !== undefined) customer.unionid = given.unionid;
  if (type === 2) {
    customer.corpName = given.corpName ?? '合作伙伴公司';
    customer.corpFullName = `${customer.corpName}有限公司`;
    customer.position = '采购经理';
  }
  return customer;
}

function issueWelcomeCode(corp: SimCorp, userid: string, externalUserid: string): string {
  const code = corp.newId('');
  corp.welcomeCodes.set(code, {
    code,
    userid,
    externalUserid,
    expiresAt: corp.now() + WELCOME_CODE_TTL_SECONDS,
    used: false,
  });
  return code;
}

const ScanBody = Type.Object({
  ...ActionOptions,
  /** The contact way (「联系我」 code) scanned; its state and members apply. */
  configId: Opt(Type.String({ minLength: 1 })),
  /** The acquisition link opened; customerChannel becomes the state. */
  linkId: Opt(Type.String({ minLength: 1 })),
  customerChannel: Opt(Type.String({ maxLength: 64 })),
  externalUserid: Opt(Type.String({ minLength: 1 })),
  customer: AddCustomerBody.properties.customer,
  half: Opt(Type.Boolean()),
  remarkMobiles: AddCustomerBody.properties.remarkMobiles,
});

/** How far each multi-person code or link got through its members, per corp (WeCom's own rotation). */
const rotations = new WeakMap<SimCorp, Map<string, number>>();

/** The next member of a multi-person code or link, in turn, as WeCom spreads scans over its members. */
export function nextMember(corp: SimCorp, key: string, pool: readonly SimEmployee[]): SimEmployee {
  let turns = rotations.get(corp);
  if (!turns) rotations.set(corp, (turns = new Map()));
  const turn = turns.get(key) ?? 0;
  turns.set(key, turn + 1);
  return pool[turn % pool.length]!;
}

type AddBody = Static<typeof AddCustomerBody>;

/** A customer adds a member: the relation (or half relation) and its add event with State and WelcomeCode. */
function addCustomer(corp: SimCorp, body: AddBody, pick: (pool: SimEmployee[]) => SimEmployee): ActionResult {
  let pool: SimEmployee[] = [];
  let state: string | undefined;
  let addWay = 1;
  if (body.contactWayId !== undefined) {
    const way = corp.contactWays.get(body.contactWayId);
    if (!way) throw notFound(`contact way ${body.contactWayId}`);
    pool = candidates(corp, way.user, way.party);
    state = way.state;
  } else if (body.linkId !== undefined) {
    const link = corp.links.get(body.linkId);
    if (!link) throw notFound(`acquisition link ${body.linkId}`);
    pool = candidates(corp, link.userList, link.departmentList);
    state = body.customerChannel;
    addWay = 16;
  }
  if (body.state !== undefined) state = body.state;
  if (body.addWay !== undefined) addWay = body.addWay;
  let employee: SimEmployee;
  if (body.userid !== undefined) {
    employee = requireFollowerEmployee(corp, body.userid);
  } else {
    if (pool.length === 0) pool = candidates(corp, [...corp.employees.keys()], []);
    if (pool.length === 0) throw new ControlError(409, 'NO_FOLLOWER', 'the corp has no member with customer contact');
    employee = pick(pool);
  }
  const existing = body.externalUserid === undefined ? undefined : corp.customers.get(body.externalUserid);
  if (existing && corp.relation(employee.userid, existing.externalUserid)) {
    throw new ControlError(
      409,
      'ALREADY_CONTACTS',
      `${existing.externalUserid} is already a contact of ${employee.userid}`,
    );
  }
  const customer = existing ?? newCustomer(corp, body.externalUserid, body.customer ?? {});
  const halfKey = `${employee.userid}|${customer.externalUserid}`;
  const half = corp.halfRelations.get(halfKey);
  const wasHalf = half !== undefined;
  if (state === undefined) state = half?.state;
  // No WelcomeCode for another corp's WeCom user, nor when the half add already carried one.
  const wantsCode = body.welcomeCode !== false && customer.type === 1 && !wasHalf;
  const welcomeCode = wantsCode ? issueWelcomeCode(corp, employee.userid, customer.externalUserid) : undefined;
  const event: EventFields = {
    Event: 'change_external_contact',
    ChangeType: body.half === true ? 'add_half_external_contact' : 'add_external_contact',
    UserID: employee.userid,
    ExternalUserID: customer.externalUserid,
    State: state,
    WelcomeCode: welcomeCode,
  };
  if (body.half === true) {
    corp.halfRelations.set(halfKey, { userid: employee.userid, externalUserid: customer.externalUserid, state });
  } else {
    corp.halfRelations.delete(halfKey);
    corp.addRelation(customer, {
      userid: employee.userid,
      remark: '',
      description: '',
      createtime: corp.now(),
      addWay,
      state,
      operUserid: customer.externalUserid,
      remarkMobiles: [...(body.remarkMobiles ?? [])],
      tagIds: [],
    });
  }
  const quotaNotices = body.linkId !== undefined && body.half !== true ? useAcquisitionQuota(corp) : [];
  return {
    done: {
      userid: employee.userid,
      externalUserid: customer.externalUserid,
      newCustomer: existing === undefined,
      half: body.half === true,
      state: state ?? null,
      welcomeCode: welcomeCode ?? null,
    },
    events: [event, ...quotaNotices],
  };
}

export function registerContactActions(router: Router, registry: CorpRegistry): void {
  defineAction(router, registry, 'customer-adds-employee', AddCustomerBody, ({ corp }, body) =>
    addCustomer(corp, body, (pool) => corp.rng.pick(pool)),
  );

  defineAction(router, registry, 'customer-scans', ScanBody, ({ corp }, body) => {
    const { configId, linkId, ...rest } = body;
    if ((configId === undefined) === (linkId === undefined)) {
      throw new ControlError(400, 'BAD_SCAN', 'name exactly one of configId and linkId');
    }
    const source =
      configId !== undefined ? { contactWayId: configId } : { linkId, customerChannel: body.customerChannel };
    const key = configId !== undefined ? `way:${configId}` : `link:${linkId}`;
    return addCustomer(corp, { ...rest, ...source }, (pool) => nextMember(corp, key, pool));
  });

  defineAction(router, registry, 'employee-deletes-customer', PairBody, ({ corp }, body) => {
    corp.removeRelation(requirePair(corp, body.userid, body.externalUserid));
    return {
      done: { userid: body.userid, externalUserid: body.externalUserid },
      events: [
        {
          Event: 'change_external_contact',
          ChangeType: 'del_external_contact',
          UserID: body.userid,
          ExternalUserID: body.externalUserid,
        },
      ],
    };
  });

  defineAction(router, registry, 'customer-deletes-employee', PairBody, ({ corp }, body) => {
    corp.removeRelation(requirePair(corp, body.userid, body.externalUserid));
    return {
      done: { userid: body.userid, externalUserid: body.externalUserid },
      events: [
        {
          Event: 'change_external_contact',
          ChangeType: 'del_follow_user',
          UserID: body.userid,
          ExternalUserID: body.externalUserid,
        },
      ],
    };
  });

  defineAction(router, registry, 'employee-edits-contact', EditBody, ({ corp }, body) => {
    const relation = requirePair(corp, body.userid, body.externalUserid);
    for (const id of [...(body.addTags ?? []), ...(body.removeTags ?? [])]) {
      const tag = corp.tagById.get(id);
      if (!tag || tag.deleted) throw notFound(`tag ${id}`);
    }
    if (body.remark !== undefined) relation.remark = body.remark;
    if (body.description !== undefined) relation.description = body.description;
    if (body.remarkMobiles !== undefined) relation.remarkMobiles = [...body.remarkMobiles];
    if (body.remarkCorpName !== undefined) relation.remarkCorpName = body.remarkCorpName;
    const removed = new Set(body.removeTags ?? []);
    const tags = relation.tagIds.filter((id) => !removed.has(id));
    for (const id of body.addTags ?? []) if (!tags.includes(id)) tags.push(id);
    relation.tagIds = tags;
    return {
      done: { userid: body.userid, externalUserid: body.externalUserid },
      events: [
        {
          Event: 'change_external_contact',
          ChangeType: 'edit_external_contact',
          UserID: body.userid,
          ExternalUserID: body.externalUserid,
        },
      ],
    };
  });
}
