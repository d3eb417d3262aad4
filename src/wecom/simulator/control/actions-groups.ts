import type Router from '@koa/router';
import { Type, type Static } from '@sinclair/typebox';
import type { EventFields } from '../callbacks';
import { changeOwner } from '../handlers/groups';
import { GIVEN_CHARS, SURNAMES } from '../names';
import type { CorpRegistry } from '../runtime';
import type { SimChatMember, SimCorp, SimGroupChat } from '../state';
import { ActionOptions, defineAction } from './emit';
import { ControlError, notFound } from './http';

const Opt = Type.Optional;

const MemberInput = Type.Object({
  /** A corp member joining. */
  userid: Opt(Type.String({ minLength: 1 })),
  /** An external user joining (a customer or anyone); neither id → a new external user. */
  externalUserid: Opt(Type.String({ minLength: 1 })),
  name: Opt(Type.String()),
  unionid: Opt(Type.String()),
  invitor: Opt(Type.String()),
  /** The join way's state the member came through. */
  state: Opt(Type.String({ maxLength: 30 })),
  groupNickname: Opt(Type.String()),
});

const SceneApi = Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)]);

const JoinBody = Type.Object({
  ...ActionOptions,
  chatId: Type.String({ minLength: 1 }),
  members: Type.Array(MemberInput, { minItems: 1, maxItems: 500 }),
  /** As groupchat/get reports it: 1 invited directly, 2 invited by link, 3 scanned the group QR code. */
  joinScene: Opt(SceneApi),
});

const LeaveBody = Type.Object({
  ...ActionOptions,
  chatId: Type.String({ minLength: 1 }),
  members: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 500 }),
  /** 0 left by themselves, 1 removed by the owner or an admin. */
  quitScene: Opt(Type.Union([Type.Literal(0), Type.Literal(1)])),
});

const CreateBody = Type.Object({
  ...ActionOptions,
  owner: Type.String({ minLength: 1 }),
  name: Opt(Type.String()),
  notice: Opt(Type.String()),
  members: Opt(Type.Array(MemberInput, { maxItems: 500 })),
});

const JoinWayBody = Type.Object({
  ...ActionOptions,
  configId: Type.String({ minLength: 1 }),
  /** The customer scanning; neither id → a new external user. */
  externalUserid: Opt(Type.String({ minLength: 1 })),
  name: Opt(Type.String()),
  unionid: Opt(Type.String()),
});

const ChatBody = Type.Object({ ...ActionOptions, chatId: Type.String({ minLength: 1 }) });
const RenameBody = Type.Object({ ...ActionOptions, chatId: Type.String({ minLength: 1 }), name: Type.String() });
const NoticeBody = Type.Object({ ...ActionOptions, chatId: Type.String({ minLength: 1 }), notice: Type.String() });
const OwnerBody = Type.Object({ ...ActionOptions, chatId: Type.String({ minLength: 1 }), owner: Type.String() });

/** Members a group takes through a join way's QR code; fuller groups are skipped (WeCom: 200). */
export const JOIN_WAY_GROUP_CAPACITY = 200;

function requireChat(corp: SimCorp, chatId: string): SimGroupChat {
  const chat = corp.chats.get(chatId);
  if (!chat) throw notFound(`group chat ${chatId}`);
  return chat;
}

function buildMember(
  corp: SimCorp,
  chat: SimGroupChat,
  input: Static<typeof MemberInput>,
  joinScene: 1 | 2 | 3,
): SimChatMember {
  const base = { joinTime: corp.now(), joinScene, groupNickname: input.groupNickname, state: input.state };
  const invitor = joinScene === 3 ? undefined : (input.invitor ?? chat.owner);
  if (input.userid !== undefined) {
    const employee = corp.employee(input.userid);
    if (!employee) throw notFound(`member ${input.userid}`);
    return { ...base, userid: employee.userid, type: 1, name: input.name ?? employee.name, invitor };
  }
  const customer = input.externalUserid === undefined ? undefined : corp.customers.get(input.externalUserid);
  const member: SimChatMember = {
    ...base,
    userid: input.externalUserid ?? corp.newId('wm'),
    type: 2,
    name: input.name ?? customer?.name ?? corp.rng.pick(SURNAMES) + corp.rng.pick(GIVEN_CHARS),
    invitor,
  };
  const unionid = input.unionid ?? customer?.unionid;
  if (unionid !== undefined) member.unionid = unionid;
  return member;
}

function updateEvent(chat: SimGroupChat, detail: string, extra: Omit<EventFields, 'Event'> = {}): EventFields {
  return { Event: 'change_external_chat', ChatId: chat.chatId, ChangeType: 'update', UpdateDetail: detail, ...extra };
}

/** Applies a membership change and returns the versions WeCom reports around it. */
function bumpVersion(corp: SimCorp, chat: SimGroupChat): { LastMemVer: string; CurMemVer: string } {
  const last = chat.memberVersion;
  chat.memberVersion = corp.newHex(32);
  return { LastMemVer: last, CurMemVer: chat.memberVersion };
}

export function registerGroupActions(router: Router, registry: CorpRegistry): void {
  defineAction(router, registry, 'member-joins-group', JoinBody, ({ corp }, body) => {
    const chat = requireChat(corp, body.chatId);
    const joinScene = body.joinScene ?? 1;
    const members = body.members.map((m) => buildMember(corp, chat, m, joinScene));
    const ids = members.map((m) => m.userid);
    if (new Set(ids).size !== ids.length || chat.members.some((m) => ids.includes(m.userid))) {
      throw new ControlError(409, 'ALREADY_MEMBER', 'a joining member is already in the group');
    }
    chat.members.push(...members);
    const versions = bumpVersion(corp, chat);
    // The callback encodes the scene differently from groupchat/get: 0 invited (directly or by link), 3 QR code.
    const event = updateEvent(chat, 'add_member', {
      JoinScene: joinScene === 3 ? 3 : 0,
      MemChangeCnt: members.length,
      MemChangeList: { Item: ids },
      ...versions,
    });
    return { done: { chatId: chat.chatId, joined: ids, memberVersion: chat.memberVersion }, events: [event] };
  });

  // A customer joins through a join way: the first of its groups with room takes them, with the way's
  // state (groupchat/get member_list[].state); when all are full, auto_create_room makes the next one
  // (named room_base_name + room_base_id, the sequence then moving on), owned by the first group's owner.
  defineAction(router, registry, 'customer-joins-via-join-way', JoinWayBody, ({ corp }, body) => {
    const way = corp.joinWays.get(body.configId);
    if (!way) throw notFound(`join way ${body.configId}`);
    const chats = way.chatIds.map((id) => corp.chats.get(id)).filter((c): c is SimGroupChat => c !== undefined);
    let chat = chats.find((c) => c.members.length < JOIN_WAY_GROUP_CAPACITY);
    const events: EventFields[] = [];
    if (!chat) {
      const template = chats[0];
      if (way.autoCreateRoom !== 1 || !template) {
        throw new ControlError(409, 'JOIN_WAY_FULL', 'every group of the join way is full and auto_create_room is off');
      }
      const owner = corp.employee(template.owner);
      const seq = way.roomBaseId ?? 1;
      const now = corp.now();
      chat = corp.addChat({
        name: `${way.roomBaseName ?? template.name}${seq}`,
        owner: template.owner,
        createTime: now,
        notice: '',
        members: [
          { userid: template.owner, type: 1, joinTime: now, joinScene: 1, name: owner?.name ?? template.owner },
        ],
        admins: [],
        memberVersion: corp.newHex(32),
        status: 0,
      });
      way.chatIds.push(chat.chatId);
      way.roomBaseId = seq + 1;
      events.push({ Event: 'change_external_chat', ChatId: chat.chatId, ChangeType: 'create' });
    }
    const input = { externalUserid: body.externalUserid, name: body.name, unionid: body.unionid, state: way.state };
    const member = buildMember(corp, chat, input, 3);
    if (chat.members.some((m) => m.userid === member.userid)) {
      throw new ControlError(409, 'ALREADY_MEMBER', 'the customer is already in the group');
    }
    chat.members.push(member);
    const versions = bumpVersion(corp, chat);
    events.push(
      updateEvent(chat, 'add_member', {
        JoinScene: 3,
        MemChangeCnt: 1,
        MemChangeList: { Item: [member.userid] },
        ...versions,
      }),
    );
    return { done: { chatId: chat.chatId, joined: member.userid, state: way.state ?? null }, events };
  });

  defineAction(router, registry, 'member-leaves-group', LeaveBody, ({ corp }, body) => {
    const chat = requireChat(corp, body.chatId);
    for (const id of body.members) {
      if (id === chat.owner)
        throw new ControlError(409, 'OWNER_CANNOT_LEAVE', 'the owner cannot leave; dismiss or transfer');
      if (!chat.members.some((m) => m.userid === id)) throw notFound(`member ${id} of ${chat.chatId}`);
    }
    const leaving = new Set(body.members);
    chat.members = chat.members.filter((m) => !leaving.has(m.userid));
    chat.admins = chat.admins.filter((a) => !leaving.has(a));
    const versions = bumpVersion(corp, chat);
    const event = updateEvent(chat, 'del_member', {
      QuitScene: body.quitScene ?? 0,
      MemChangeCnt: leaving.size,
      MemChangeList: { Item: [...leaving] },
      ...versions,
    });
    return { done: { chatId: chat.chatId, left: [...leaving], memberVersion: chat.memberVersion }, events: [event] };
  });

  defineAction(router, registry, 'group-created', CreateBody, ({ corp }, body) => {
    const owner = corp.employee(body.owner);
    if (!owner) throw notFound(`member ${body.owner}`);
    const now = corp.now();
    const chat = corp.addChat({
      name: body.name ?? '',
      owner: owner.userid,
      createTime: now,
      notice: body.notice ?? '',
      members: [{ userid: owner.userid, type: 1, joinTime: now, joinScene: 1, name: owner.name }],
      admins: [],
      memberVersion: corp.newHex(32),
      status: 0,
    });
    for (const input of body.members ?? []) {
      const member = buildMember(corp, chat, input, 1);
      if (!chat.members.some((m) => m.userid === member.userid)) chat.members.push(member);
    }
    return {
      done: { chatId: chat.chatId, members: chat.members.map((m) => m.userid) },
      events: [{ Event: 'change_external_chat', ChatId: chat.chatId, ChangeType: 'create' }],
    };
  });

  defineAction(router, registry, 'group-renamed', RenameBody, ({ corp }, body) => {
    const chat = requireChat(corp, body.chatId);
    chat.name = body.name;
    return { done: { chatId: chat.chatId, name: chat.name }, events: [updateEvent(chat, 'change_name')] };
  });

  defineAction(router, registry, 'group-notice-changed', NoticeBody, ({ corp }, body) => {
    const chat = requireChat(corp, body.chatId);
    chat.notice = body.notice;
    return { done: { chatId: chat.chatId, notice: chat.notice }, events: [updateEvent(chat, 'change_notice')] };
  });

  defineAction(router, registry, 'group-owner-changed', OwnerBody, ({ corp }, body) => {
    const chat = requireChat(corp, body.chatId);
    if (!corp.employee(body.owner)) throw notFound(`member ${body.owner}`);
    if (!changeOwner(corp, chat, body.owner))
      throw new ControlError(409, 'SAME_OWNER', `${body.owner} already owns the group`);
    if (chat.status === 1) chat.status = 3;
    return { done: { chatId: chat.chatId, owner: chat.owner }, events: [updateEvent(chat, 'change_owner')] };
  });

  defineAction(router, registry, 'group-dismissed', ChatBody, ({ corp }, body) => {
    const chat = requireChat(corp, body.chatId);
    corp.chats.delete(chat.chatId);
    return {
      done: { chatId: chat.chatId },
      events: [{ Event: 'change_external_chat', ChatId: chat.chatId, ChangeType: 'dismiss' }],
    };
  });
}
