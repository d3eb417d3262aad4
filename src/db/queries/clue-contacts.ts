import type { Executor } from '../knex';

export const CONTACT_TYPES = ['phone', 'wechat', 'email', 'qq', 'other'] as const;
export type ContactType = (typeof CONTACT_TYPES)[number];

export interface ClueContactRow {
  id: string;
  clue_id: string;
  type: ContactType;
  value: string;
  value_key: string;
  is_primary: boolean;
  remark: string | null;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

export interface ClueContactInsert {
  type: ContactType;
  value: string;
  valueKey: string;
  isPrimary: boolean;
  remark?: string | null;
  cuser: string | null;
}

/** The clue's contact rows, primary first within each type, in type order. */
export async function listClueContacts(db: Executor, clueId: string): Promise<ClueContactRow[]> {
  const rows = (await db('clue_contact').where({ clue_id: clueId }).orderBy('id')) as ClueContactRow[];
  const rank = (t: string) => CONTACT_TYPES.indexOf(t as ContactType);
  return rows.sort((a, b) => rank(a.type) - rank(b.type) || Number(b.is_primary) - Number(a.is_primary));
}

export async function insertClueContact(db: Executor, clueId: string, c: ClueContactInsert): Promise<ClueContactRow> {
  const [row] = (await db('clue_contact')
    .insert({
      clue_id: clueId,
      type: c.type,
      value: c.value,
      value_key: c.valueKey,
      is_primary: c.isPrimary,
      remark: c.remark ?? null,
      cuser: c.cuser,
      muser: c.cuser,
    })
    .returning('*')) as ClueContactRow[];
  return row!;
}

/** Clears the primary flag of every contact of `type` except `keepId` (run before setting a new primary). */
export async function demotePrimary(db: Executor, clueId: string, type: ContactType, keepId?: string): Promise<void> {
  const q = db('clue_contact').where({ clue_id: clueId, type, is_primary: true });
  if (keepId !== undefined) q.whereNot({ id: keepId });
  await q.update({ is_primary: false, mtime: db.fn.now() });
}
