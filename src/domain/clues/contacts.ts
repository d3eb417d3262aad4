import type { Db, Executor } from '../../db/knex';
import {
  demotePrimary,
  insertClueContact,
  listClueContacts,
  type ClueContactRow,
  type ContactType,
} from '../../db/queries/clue-contacts';
import { findClueInScope, insertClueEvent, type ClueRow } from '../../db/queries/clues';
import type { Viewer } from '../../db/queries/data-scope';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { normalizeChinaPhone } from '../phone';

export type ContactAction = 'add' | 'update' | 'remove' | 'makePrimary';

export interface ContactChange {
  action: ContactAction;
  contactId?: string;
  type?: ContactType;
  value?: string;
  remark?: string | null;
  /** add: make the new contact its type's primary. */
  primary?: boolean;
  /** remove of a primary: the contact (same type) that becomes primary instead. */
  newPrimaryId?: string;
}

/** A contact as shown; `id` is null for a clue whose contacts still live only in its columns. */
export interface ContactView {
  id: string | null;
  type: ContactType;
  value: string;
  primary: boolean;
  remark: string | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const QQ = /^[1-9]\d{4,11}$/;
const MAX: Record<ContactType, number> = { phone: 32, wechat: 64, email: 254, qq: 12, other: 128 };

/** The stored value and the key that makes two contacts of a type equal; the collect API's rules. */
export function normalizeContact(type: ContactType, raw: string): { value: string; key: string } {
  const value = raw.trim();
  if (value === '') throw ValidationError.field('value', 'must not be blank', 'field.notBlank');
  if (value.length > MAX[type])
    throw ValidationError.field('value', `must be at most ${MAX[type]} characters`, 'field.maxLength', {
      limit: MAX[type],
    });
  if (type === 'phone') {
    const digits = normalizeChinaPhone(value);
    if (!digits) throw ValidationError.field('value', 'must be a phone number used in China', 'rule.cnPhone');
    return { value, key: digits };
  }
  if (type === 'email') {
    if (!EMAIL.test(value)) throw ValidationError.field('value', 'must be an email address', 'format.email');
    return { value, key: value.toLowerCase() };
  }
  if (type === 'qq' && !QQ.test(value))
    throw ValidationError.field('value', 'must be a QQ number (5 to 12 digits)', 'rule.qqNumber');
  return { value, key: value };
}

/** The contacts the clue's own columns hold (what a clue shows before its contacts are edited). */
export function contactsFromColumns(clue: ClueRow): ContactView[] {
  const views: ContactView[] = [{ id: null, type: 'phone', value: clue.link_man_tel, primary: true, remark: null }];
  if (clue.wechat) views.push({ id: null, type: 'wechat', value: clue.wechat, primary: true, remark: null });
  if (clue.email) views.push({ id: null, type: 'email', value: clue.email, primary: true, remark: null });
  return views;
}

export const presentContactRow = (r: ClueContactRow): ContactView => ({
  id: String(r.id),
  type: r.type,
  value: r.value,
  primary: r.is_primary,
  remark: r.remark,
});

/** The clue's contacts for display: its rows, or its columns while it has none. */
export async function readClueContacts(db: Executor, clue: ClueRow): Promise<ContactView[]> {
  const rows = await listClueContacts(db, clue.id);
  return rows.length > 0 || clue.merged_into_clue_id ? rows.map(presentContactRow) : contactsFromColumns(clue);
}

function columnContacts(clue: ClueRow): Array<{ type: ContactType; value: string | null; key: string | null }> {
  const text = (v: string | null) => (v && v.trim() !== '' ? v.trim() : null);
  const email = text(clue.email);
  return [
    { type: 'phone', value: clue.link_man_tel, key: clue.phone_normalized },
    { type: 'wechat', value: text(clue.wechat), key: text(clue.wechat) },
    { type: 'email', value: email, key: email?.toLowerCase() ?? null },
  ];
}

/**
 * Brings the locked clue's contact rows in step with its phone / wechat / email columns (which
 * intake repeats and clue.update also write): a column value that is not its type's primary
 * becomes it. Creates the rows on first use. Returns the rows.
 */
export async function ensureClueContacts(trx: Executor, clue: ClueRow, actor: string): Promise<ClueContactRow[]> {
  let rows = await listClueContacts(trx, clue.id);
  for (const col of columnContacts(clue)) {
    const primary = rows.find((r) => r.type === col.type && r.is_primary);
    if (col.key === null || col.value === null) {
      if (primary) await demotePrimary(trx, clue.id, col.type);
      continue;
    }
    if (primary?.value_key === col.key) continue;
    const same = rows.find((r) => r.type === col.type && r.value_key === col.key);
    await demotePrimary(trx, clue.id, col.type, same?.id);
    if (same) await trx('clue_contact').where({ id: same.id }).update({ is_primary: true, mtime: trx.fn.now() });
    else
      await insertClueContact(trx, clue.id, {
        type: col.type,
        value: col.value,
        valueKey: col.key,
        isPrimary: true,
        cuser: actor,
      });
  }
  rows = await listClueContacts(trx, clue.id);
  return rows;
}

/** Writes each type's primary back to the clue's columns: the list, duplicate matching and intake read those. */
export async function syncClueColumns(trx: Executor, clue: ClueRow, actor: string): Promise<void> {
  const rows = await listClueContacts(trx, clue.id);
  const primaryOf = (type: ContactType) => rows.find((r) => r.type === type && r.is_primary);
  const phone = primaryOf('phone');
  const changes: Record<string, unknown> = {};
  if (phone && (phone.value !== clue.link_man_tel || phone.value_key !== clue.phone_normalized)) {
    changes['link_man_tel'] = phone.value;
    changes['phone_normalized'] = phone.value_key;
  }
  const wechat = primaryOf('wechat')?.value ?? null;
  if (wechat !== clue.wechat) changes['wechat'] = wechat;
  const email = primaryOf('email')?.value ?? null;
  if (email !== clue.email) changes['email'] = email;
  if (Object.keys(changes).length > 0)
    await trx('clue')
      .where({ id: clue.id })
      .update({ ...changes, mtime: trx.fn.now(), muser: actor });
}

/** A change to a clue that a merge moved into another: made on the survivor instead. */
export const mergedAway = (clue: ClueRow) =>
  new ConflictError(`clue ${clue.id} was merged into ${clue.merged_into_clue_id}`, 'CLUE_MERGED', {
    id: String(clue.id),
    survivorId: String(clue.merged_into_clue_id),
  });

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw ValidationError.field(field, 'is required', 'field.required');
  return value;
}

async function setPrimary(trx: Executor, contact: ClueContactRow): Promise<void> {
  await demotePrimary(trx, contact.clue_id, contact.type, contact.id);
  await trx('clue_contact').where({ id: contact.id }).update({ is_primary: true, mtime: trx.fn.now() });
}

/**
 * Adds, edits, removes or makes primary one contact of a clue in the viewer's data scope, in one
 * transaction, and records it in the clue's timeline. Each type with contacts keeps exactly one
 * primary; a clue always keeps a phone. Returns the clue's contacts afterwards.
 */
export async function changeClueContacts(
  db: Db,
  viewer: Viewer,
  clueId: string,
  change: ContactChange,
  actor: string,
): Promise<ContactView[]> {
  return db.transaction(async (trx) => {
    const clue = await findClueInScope(trx, viewer, clueId, { forUpdate: true });
    if (!clue) throw new NotFoundError('clue', clueId, 'CLUE_NOT_FOUND');
    if (clue.merged_into_clue_id) throw mergedAway(clue);
    const rows = await ensureClueContacts(trx, clue, actor);
    const find = (id: string) => {
      const row = rows.find((r) => String(r.id) === id);
      if (!row) throw new NotFoundError('contact', id, 'CONTACT_NOT_FOUND');
      return row;
    };
    const event = (kind: string, c: { type: string; value: string }) =>
      insertClueEvent(trx, clue.id, kind, { type: c.type, value: c.value }, actor);
    const refuseEqual = (type: ContactType, key: string, exceptId?: string) => {
      if (rows.some((r) => r.type === type && r.value_key === key && String(r.id) !== exceptId))
        throw new ConflictError(`the clue already has this ${type}`, 'CONTACT_EXISTS');
    };

    if (change.action === 'add') {
      const type = required(change.type, 'type');
      const { value, key } = normalizeContact(type, required(change.value, 'value'));
      refuseEqual(type, key);
      const first = !rows.some((r) => r.type === type);
      const primary = first || change.primary === true;
      if (primary) await demotePrimary(trx, clue.id, type);
      await insertClueContact(trx, clue.id, {
        type,
        value,
        valueKey: key,
        isPrimary: primary,
        remark: change.remark ?? null,
        cuser: actor,
      });
      await event('contact_added', { type, value });
      if (primary && !first) await event('contact_primary', { type, value });
    } else if (change.action === 'update') {
      const contact = find(required(change.contactId, 'contactId'));
      if (change.type !== undefined && change.type !== contact.type)
        throw ValidationError.field('type', 'a contact keeps its type; remove it and add another', 'rule.contactType');
      const { value, key } =
        change.value !== undefined
          ? normalizeContact(contact.type, change.value)
          : { value: contact.value, key: contact.value_key };
      refuseEqual(contact.type, key, String(contact.id));
      await trx('clue_contact')
        .where({ id: contact.id })
        .update({
          value,
          value_key: key,
          ...(change.remark !== undefined ? { remark: change.remark } : {}),
          mtime: trx.fn.now(),
          muser: actor,
        });
      await event('contact_updated', { type: contact.type, value });
    } else if (change.action === 'makePrimary') {
      const contact = find(required(change.contactId, 'contactId'));
      if (!contact.is_primary) {
        await setPrimary(trx, contact);
        await event('contact_primary', contact);
      }
    } else {
      const contact = find(required(change.contactId, 'contactId'));
      const others = rows.filter((r) => r.type === contact.type && r.id !== contact.id);
      if (contact.type === 'phone' && others.length === 0)
        throw ValidationError.field('contactId', 'a clue keeps at least one phone', 'rule.lastPhone');
      let successor: ClueContactRow | undefined;
      if (contact.is_primary && others.length > 0) {
        if (change.newPrimaryId === undefined)
          throw ValidationError.field(
            'newPrimaryId',
            'removing a primary contact needs another of its type made primary',
            'rule.primaryContactRemoval',
          );
        successor = others.find((r) => String(r.id) === change.newPrimaryId);
        if (!successor)
          throw ValidationError.field(
            'newPrimaryId',
            'must be another contact of the same type on this clue',
            'rule.newPrimaryContact',
          );
      }
      await trx('clue_contact').where({ id: contact.id }).delete();
      await event('contact_removed', contact);
      if (successor) {
        await setPrimary(trx, successor);
        await event('contact_primary', successor);
      }
    }
    await syncClueColumns(trx, clue, actor);
    return (await listClueContacts(trx, clue.id)).map(presentContactRow);
  });
}
