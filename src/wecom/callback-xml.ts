import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * WeCom callback XML: the encrypted POST envelope, the decrypted event document, and the reverse
 * (building WeCom-shaped XML, used by the simulator). Every value is read as a string; typed events
 * convert the few numeric fields explicitly.
 */

export type CallbackXmlErrorCode = 'MALFORMED_XML' | 'MISSING_FIELD' | 'INVALID_FIELD';

export class CallbackXmlError extends Error {
  override readonly name = 'CallbackXmlError';
  readonly code: CallbackXmlErrorCode;

  constructor(code: CallbackXmlErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Parsed element content: text, child elements, or a list when an element name repeats. */
export type XmlValue = string | XmlElement | XmlValue[];
export interface XmlElement {
  [name: string]: XmlValue;
}

const CDATA = '#cdata';
const TEXT = '#text';

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  cdataPropName: CDATA,
  // Entities are decoded below, limited to XML's predefined ones and character references.
  processEntities: false,
  htmlEntities: false,
});

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return codePoint(Number.parseInt(ref.slice(2), 16), whole);
    if (ref.startsWith('#')) return codePoint(Number.parseInt(ref.slice(1), 10), whole);
    return PREDEFINED_ENTITIES[ref] ?? whole;
  });
}

function codePoint(value: number, fallback: string): string {
  return Number.isInteger(value) && value > 0 && value <= 0x10ffff ? String.fromCodePoint(value) : fallback;
}

/** Parses a WeCom XML document and returns the children of its single root element `<xml>`. */
export function parseXmlDocument(xml: string): XmlElement {
  // Declarations are refused outright; text inside CDATA (e.g. a message a customer typed) does not count.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, ''))) {
    throw new CallbackXmlError('MALFORMED_XML', 'XML with a DOCTYPE or entity declaration is not accepted');
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new CallbackXmlError('MALFORMED_XML', `malformed XML at line ${line}, column ${col}: ${msg}`);
  }
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch (cause) {
    throw new CallbackXmlError('MALFORMED_XML', `malformed XML: ${(cause as Error).message}`, { cause });
  }
  const roots = isRecord(document) ? Object.keys(document) : [];
  if (roots.length !== 1 || roots[0] !== 'xml' || !isRecord(document)) {
    throw new CallbackXmlError('MALFORMED_XML', 'expected a single <xml> root element');
  }
  const root = normalize(document.xml);
  return typeof root === 'string' ? {} : Array.isArray(root) ? {} : root;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalize(node: unknown): XmlValue {
  if (typeof node === 'string') return decodeEntities(node);
  if (Array.isArray(node)) return node.map(normalize);
  if (!isRecord(node)) return '';
  const keys = Object.keys(node);
  if (keys.includes(CDATA) && keys.every((key) => key === CDATA || key === TEXT)) {
    const cdata = node[CDATA];
    const parts = Array.isArray(cdata) ? cdata.map(String) : [String(cdata)];
    const text = node[TEXT];
    return parts.join('') + (typeof text === 'string' ? decodeEntities(text) : '');
  }
  const element: XmlElement = {};
  for (const key of keys) {
    // Stray text between child elements carries no meaning in WeCom documents.
    if (key === TEXT || key === CDATA) continue;
    element[key] = normalize(node[key]);
  }
  return element;
}

// ---------------------------------------------------------------------------------------------
// Reading fields

function optionalText(fields: XmlElement, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  // An empty element that the parser saw as an element with no children reads as ''.
  if (!Array.isArray(value) && Object.keys(value).length === 0) return '';
  throw new CallbackXmlError('INVALID_FIELD', `<${name}> should hold text`);
}

function requiredText(fields: XmlElement, name: string): string {
  const value = optionalText(fields, name);
  if (value === undefined || value === '') throw new CallbackXmlError('MISSING_FIELD', `<${name}> is missing`);
  return value;
}

function optionalInt(fields: XmlElement, name: string): number | undefined {
  const value = optionalText(fields, name);
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw new CallbackXmlError('INVALID_FIELD', `<${name}> should be an integer`);
  return Number(value);
}

function requiredInt(fields: XmlElement, name: string): number {
  const value = optionalInt(fields, name);
  if (value === undefined) throw new CallbackXmlError('MISSING_FIELD', `<${name}> is missing`);
  return value;
}

/** "1,2,3" → [1, 2, 3] */
function optionalIntList(fields: XmlElement, name: string): number[] | undefined {
  const value = optionalText(fields, name);
  if (value === undefined) return undefined;
  if (value.trim() === '') return [];
  const items = value.split(',').map((item) => item.trim());
  if (!items.every((item) => /^-?\d+$/.test(item))) {
    throw new CallbackXmlError('INVALID_FIELD', `<${name}> should be a comma-separated list of integers`);
  }
  return items.map(Number);
}

/** Texts of the <Item> children of `name` (absent → []). */
function itemTexts(fields: XmlElement, name: string): string[] {
  const list = fields[name];
  if (list === undefined || typeof list === 'string') return [];
  if (Array.isArray(list)) throw new CallbackXmlError('INVALID_FIELD', `<${name}> appears more than once`);
  return asList(list.Item).map((item) => {
    if (typeof item !== 'string') throw new CallbackXmlError('INVALID_FIELD', `<${name}><Item> should hold text`);
    return item;
  });
}

function asList(value: XmlValue | undefined): XmlValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function asElement(value: XmlValue | undefined): XmlElement {
  return value !== undefined && typeof value !== 'string' && !Array.isArray(value) ? value : {};
}

// ---------------------------------------------------------------------------------------------
// Envelope

export interface CallbackEnvelope {
  toUserName: string;
  encrypt: string;
  /** Absent or '' for callbacks not tied to an app. */
  agentId?: string;
}

/** The encrypted POST body WeCom sends (element order varies). */
export function parseCallbackEnvelope(xml: string): CallbackEnvelope {
  const fields = parseXmlDocument(xml);
  const envelope: CallbackEnvelope = {
    toUserName: optionalText(fields, 'ToUserName') ?? '',
    encrypt: requiredText(fields, 'Encrypt'),
  };
  const agentId = optionalText(fields, 'AgentID');
  if (agentId !== undefined) envelope.agentId = agentId;
  return envelope;
}

// ---------------------------------------------------------------------------------------------
// Events

interface EventBase {
  /** The corp id. */
  toUserName: string;
  /** 'sys' for system events. */
  fromUserName: string;
  /** Unix seconds. */
  createTime: number;
  /** Every element of the document, as parsed. */
  fields: XmlElement;
}

interface ExternalContactBase extends EventBase {
  kind: 'change_external_contact';
  userId: string;
  externalUserId: string;
}

export interface ExternalContactAddedEvent extends ExternalContactBase {
  changeType: 'add_external_contact' | 'add_half_external_contact';
  /** State of the contact way or acquisition link the customer came through. */
  state?: string;
  /** Valid for 20 s; absent when a welcome message may not be sent. */
  welcomeCode?: string;
}

export interface ExternalContactEditedEvent extends ExternalContactBase {
  changeType: 'edit_external_contact';
  state?: string;
}

export interface ExternalContactDeletedEvent extends ExternalContactBase {
  changeType: 'del_external_contact';
  /** 'DELETE_BY_TRANSFER' when the deletion came from an in-service transfer. */
  source?: string;
}

export interface FollowUserDeletedEvent extends ExternalContactBase {
  changeType: 'del_follow_user';
}

export interface TransferFailedEvent extends ExternalContactBase {
  changeType: 'transfer_fail';
  /** 'customer_refused' | 'customer_limit_exceed' */
  failReason: string;
}

export type ExternalContactEvent =
  | ExternalContactAddedEvent
  | ExternalContactEditedEvent
  | ExternalContactDeletedEvent
  | FollowUserDeletedEvent
  | TransferFailedEvent;

export const CHAT_UPDATE_DETAILS = [
  'add_member',
  'del_member',
  'change_owner',
  'change_name',
  'change_notice',
] as const;
export type ChatUpdateDetail = (typeof CHAT_UPDATE_DETAILS)[number];

export interface ExternalChatCreatedEvent extends EventBase {
  kind: 'change_external_chat';
  changeType: 'create';
  chatId: string;
}

export interface ExternalChatUpdatedEvent extends EventBase {
  kind: 'change_external_chat';
  changeType: 'update';
  chatId: string;
  /** 'other' for a detail this code does not know; the raw value stays in fields.UpdateDetail. */
  updateDetail: ChatUpdateDetail | 'other';
  /** add_member: 0 invited by a member, 3 scanned the group QR code (samples also show 1). */
  joinScene?: number;
  /** del_member: 0 left, 1 removed by the owner or an admin. */
  quitScene?: number;
  memChangeCnt?: number;
  memChangeList: string[];
  lastMemVer?: string;
  curMemVer?: string;
}

export interface ExternalChatDismissedEvent extends EventBase {
  kind: 'change_external_chat';
  changeType: 'dismiss';
  chatId: string;
}

export type ExternalChatEvent = ExternalChatCreatedEvent | ExternalChatUpdatedEvent | ExternalChatDismissedEvent;

export interface ExternalTagChangedEvent extends EventBase {
  kind: 'change_external_tag';
  changeType: 'create' | 'update' | 'delete';
  id: string;
  tagType: 'tag' | 'tag_group';
  /** Only for rule-group tags. */
  strategyId?: string;
}

export interface ExternalTagShuffledEvent extends EventBase {
  kind: 'change_external_tag';
  changeType: 'shuffle';
  /** Tag group whose tags were reordered; '' when all groups were. */
  id: string;
  strategyId?: string;
}

export type ExternalTagEvent = ExternalTagChangedEvent | ExternalTagShuffledEvent;

export interface ContactExtAttr {
  name: string;
  /** 0 text, 1 web, 2 mini program. */
  type: number;
  text?: string;
  web?: { title: string; url: string };
}

/** Member fields of change_contact; updates carry only what changed. */
export interface ContactUserFields {
  name?: string;
  department?: number[];
  mainDepartment?: number;
  /** Parallel to department: 1 leader, 0 not. */
  isLeaderInDept?: number[];
  mobile?: string;
  position?: string;
  gender?: number;
  email?: string;
  bizMail?: string;
  status?: number;
  avatar?: string;
  alias?: string;
  telephone?: string;
  address?: string;
  extAttr?: ContactExtAttr[];
}

export interface ContactUserCreatedEvent extends EventBase, ContactUserFields {
  kind: 'change_contact';
  changeType: 'create_user';
  userId: string;
}

export interface ContactUserUpdatedEvent extends EventBase, ContactUserFields {
  kind: 'change_contact';
  changeType: 'update_user';
  userId: string;
  /** Only when the userid itself changed. */
  newUserId?: string;
}

export interface ContactUserDeletedEvent extends EventBase {
  kind: 'change_contact';
  changeType: 'delete_user';
  userId: string;
}

export interface ContactPartyCreatedEvent extends EventBase {
  kind: 'change_contact';
  changeType: 'create_party';
  id: number;
  name?: string;
  parentId?: number;
  order?: number;
}

export interface ContactPartyUpdatedEvent extends EventBase {
  kind: 'change_contact';
  changeType: 'update_party';
  id: number;
  name?: string;
  parentId?: number;
}

export interface ContactPartyDeletedEvent extends EventBase {
  kind: 'change_contact';
  changeType: 'delete_party';
  id: number;
}

export type ContactEvent =
  | ContactUserCreatedEvent
  | ContactUserUpdatedEvent
  | ContactUserDeletedEvent
  | ContactPartyCreatedEvent
  | ContactPartyUpdatedEvent
  | ContactPartyDeletedEvent;

/** Anything else: messages, other events, change types this code does not model. */
export interface OtherCallbackEvent extends EventBase {
  kind: 'other';
  msgType: string;
  event?: string;
  changeType?: string;
}

export type CallbackEvent =
  ExternalContactEvent | ExternalChatEvent | ExternalTagEvent | ContactEvent | OtherCallbackEvent;

/** Parses the decrypted callback document into a typed event. */
export function parseCallbackEvent(xml: string): CallbackEvent {
  return toCallbackEvent(parseXmlDocument(xml));
}

export function toCallbackEvent(fields: XmlElement): CallbackEvent {
  const base: EventBase = {
    toUserName: optionalText(fields, 'ToUserName') ?? '',
    fromUserName: optionalText(fields, 'FromUserName') ?? '',
    createTime: requiredInt(fields, 'CreateTime'),
    fields,
  };
  const msgType = optionalText(fields, 'MsgType') ?? '';
  const event = optionalText(fields, 'Event');
  const changeType = optionalText(fields, 'ChangeType');
  const typed =
    msgType === 'event' && changeType !== undefined ? typedEvent(base, event ?? '', changeType, fields) : undefined;
  if (typed) return typed;
  const other: OtherCallbackEvent = { ...base, kind: 'other', msgType };
  if (event !== undefined) other.event = event;
  if (changeType !== undefined) other.changeType = changeType;
  return other;
}

function typedEvent(base: EventBase, event: string, changeType: string, fields: XmlElement): CallbackEvent | undefined {
  switch (event) {
    case 'change_external_contact':
      return externalContactEvent(base, changeType, fields);
    case 'change_external_chat':
      return externalChatEvent(base, changeType, fields);
    case 'change_external_tag':
      return externalTagEvent(base, changeType, fields);
    case 'change_contact':
      return contactEvent(base, changeType, fields);
    default:
      return undefined;
  }
}

function withOptional<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): T {
  if (value !== undefined) target[key] = value;
  return target;
}

function externalContactEvent(
  base: EventBase,
  changeType: string,
  fields: XmlElement,
): ExternalContactEvent | undefined {
  const common = () => ({
    ...base,
    kind: 'change_external_contact' as const,
    userId: requiredText(fields, 'UserID'),
    externalUserId: requiredText(fields, 'ExternalUserID'),
  });
  switch (changeType) {
    case 'add_external_contact':
    case 'add_half_external_contact': {
      const added: ExternalContactAddedEvent = { ...common(), changeType };
      withOptional(added, 'state', optionalText(fields, 'State'));
      return withOptional(added, 'welcomeCode', optionalText(fields, 'WelcomeCode') || undefined);
    }
    case 'edit_external_contact':
      return withOptional<ExternalContactEditedEvent, 'state'>(
        { ...common(), changeType },
        'state',
        optionalText(fields, 'State'),
      );
    case 'del_external_contact':
      return withOptional<ExternalContactDeletedEvent, 'source'>(
        { ...common(), changeType },
        'source',
        optionalText(fields, 'Source') || undefined,
      );
    case 'del_follow_user':
      return { ...common(), changeType };
    case 'transfer_fail':
      return { ...common(), changeType, failReason: requiredText(fields, 'FailReason') };
    default:
      return undefined;
  }
}

function externalChatEvent(base: EventBase, changeType: string, fields: XmlElement): ExternalChatEvent | undefined {
  const common = () => ({ ...base, kind: 'change_external_chat' as const, chatId: requiredText(fields, 'ChatId') });
  switch (changeType) {
    case 'create':
    case 'dismiss':
      return { ...common(), changeType };
    case 'update': {
      const detail = optionalText(fields, 'UpdateDetail') ?? '';
      const updated: ExternalChatUpdatedEvent = {
        ...common(),
        changeType,
        updateDetail: (CHAT_UPDATE_DETAILS as readonly string[]).includes(detail)
          ? (detail as ChatUpdateDetail)
          : 'other',
        memChangeList: itemTexts(fields, 'MemChangeList'),
      };
      withOptional(updated, 'joinScene', optionalInt(fields, 'JoinScene'));
      withOptional(updated, 'quitScene', optionalInt(fields, 'QuitScene'));
      withOptional(updated, 'memChangeCnt', optionalInt(fields, 'MemChangeCnt'));
      withOptional(updated, 'lastMemVer', optionalText(fields, 'LastMemVer'));
      return withOptional(updated, 'curMemVer', optionalText(fields, 'CurMemVer'));
    }
    default:
      return undefined;
  }
}

function externalTagEvent(base: EventBase, changeType: string, fields: XmlElement): ExternalTagEvent | undefined {
  const strategyId = optionalText(fields, 'StrategyId') || undefined;
  switch (changeType) {
    case 'create':
    case 'update':
    case 'delete': {
      const tagType = requiredText(fields, 'TagType');
      if (tagType !== 'tag' && tagType !== 'tag_group') {
        throw new CallbackXmlError('INVALID_FIELD', `<TagType> should be tag or tag_group, got ${tagType}`);
      }
      const changed: ExternalTagChangedEvent = {
        ...base,
        kind: 'change_external_tag',
        changeType,
        id: requiredText(fields, 'Id'),
        tagType,
      };
      return withOptional(changed, 'strategyId', strategyId);
    }
    case 'shuffle': {
      const shuffled: ExternalTagShuffledEvent = {
        ...base,
        kind: 'change_external_tag',
        changeType,
        id: optionalText(fields, 'Id') ?? '',
      };
      return withOptional(shuffled, 'strategyId', strategyId);
    }
    default:
      return undefined;
  }
}

function contactEvent(base: EventBase, changeType: string, fields: XmlElement): ContactEvent | undefined {
  const common = { ...base, kind: 'change_contact' as const };
  switch (changeType) {
    case 'create_user':
      return { ...common, changeType, userId: requiredText(fields, 'UserID'), ...contactUserFields(fields) };
    case 'update_user': {
      const updated: ContactUserUpdatedEvent = {
        ...common,
        changeType,
        userId: requiredText(fields, 'UserID'),
        ...contactUserFields(fields),
      };
      return withOptional(updated, 'newUserId', optionalText(fields, 'NewUserID') || undefined);
    }
    case 'delete_user':
      return { ...common, changeType, userId: requiredText(fields, 'UserID') };
    case 'create_party': {
      const created: ContactPartyCreatedEvent = { ...common, changeType, id: requiredInt(fields, 'Id') };
      withOptional(created, 'name', optionalText(fields, 'Name'));
      withOptional(created, 'parentId', optionalInt(fields, 'ParentId'));
      return withOptional(created, 'order', optionalInt(fields, 'Order'));
    }
    case 'update_party': {
      const updated: ContactPartyUpdatedEvent = { ...common, changeType, id: requiredInt(fields, 'Id') };
      withOptional(updated, 'name', optionalText(fields, 'Name'));
      return withOptional(updated, 'parentId', optionalInt(fields, 'ParentId'));
    }
    case 'delete_party':
      return { ...common, changeType, id: requiredInt(fields, 'Id') };
    default:
      return undefined;
  }
}

function contactUserFields(fields: XmlElement): ContactUserFields {
  const user: ContactUserFields = {};
  withOptional(user, 'name', optionalText(fields, 'Name'));
  withOptional(user, 'department', optionalIntList(fields, 'Department'));
  withOptional(user, 'mainDepartment', optionalInt(fields, 'MainDepartment'));
  withOptional(user, 'isLeaderInDept', optionalIntList(fields, 'IsLeaderInDept'));
  withOptional(user, 'mobile', optionalText(fields, 'Mobile'));
  withOptional(user, 'position', optionalText(fields, 'Position'));
  withOptional(user, 'gender', optionalInt(fields, 'Gender'));
  withOptional(user, 'email', optionalText(fields, 'Email'));
  withOptional(user, 'bizMail', optionalText(fields, 'BizMail'));
  withOptional(user, 'status', optionalInt(fields, 'Status'));
  withOptional(user, 'avatar', optionalText(fields, 'Avatar'));
  withOptional(user, 'alias', optionalText(fields, 'Alias'));
  withOptional(user, 'telephone', optionalText(fields, 'Telephone'));
  withOptional(user, 'address', optionalText(fields, 'Address'));
  if (fields.ExtAttr !== undefined) user.extAttr = extAttrs(fields.ExtAttr);
  return user;
}

function extAttrs(value: XmlValue): ContactExtAttr[] {
  return asList(asElement(value).Item).map((raw) => {
    const item = asElement(raw);
    const attr: ContactExtAttr = { name: optionalText(item, 'Name') ?? '', type: optionalInt(item, 'Type') ?? 0 };
    if (item.Text !== undefined) attr.text = optionalText(asElement(item.Text), 'Value') ?? '';
    if (item.Web !== undefined) {
      const web = asElement(item.Web);
      attr.web = { title: optionalText(web, 'Title') ?? '', url: optionalText(web, 'Url') ?? '' };
    }
    return attr;
  });
}

// ---------------------------------------------------------------------------------------------
// Building

/** Strings become CDATA, numbers stay bare, arrays repeat the element, objects nest, undefined is left out. */
export type XmlBuildValue = string | number | bigint | undefined | XmlBuildValue[] | { [name: string]: XmlBuildValue };

const ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A WeCom-shaped document: <xml> with the given children, in the given order. */
export function buildEventXml(fields: Readonly<Record<string, XmlBuildValue>>): string {
  return `<xml>${buildChildren(fields)}</xml>`;
}

function buildChildren(fields: Readonly<Record<string, XmlBuildValue>>): string {
  let out = '';
  for (const [name, value] of Object.entries(fields)) {
    if (!ELEMENT_NAME.test(name)) {
      throw new CallbackXmlError('INVALID_FIELD', `${JSON.stringify(name)} is not a usable element name`);
    }
    if (Array.isArray(value)) {
      for (const item of value) {
        if (Array.isArray(item)) throw new CallbackXmlError('INVALID_FIELD', `<${name}> cannot hold nested lists`);
        out += buildElement(name, item);
      }
    } else {
      out += buildElement(name, value);
    }
  }
  return out;
}

function buildElement(name: string, value: Exclude<XmlBuildValue, XmlBuildValue[]>): string {
  if (value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new CallbackXmlError('INVALID_FIELD', `<${name}> must be a finite number`);
    }
    return `<${name}>${String(value)}</${name}>`;
  }
  if (typeof value === 'string') return `<${name}>${cdata(value)}</${name}>`;
  return `<${name}>${buildChildren(value)}</${name}>`;
}

/** A CDATA section cannot contain "]]>", so that sequence is split across two sections. */
function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}
