import type { Executor } from '../knex';

export interface PartnerRow {
  id: string;
  name: string;
  rate_limit_per_minute: number | null;
  remark: string | null;
  is_del: number;
  ctime: Date;
}

export interface PartnerKeyRow {
  id: string;
  partner_id: string;
  key_id: string;
  secret_sha256: Buffer;
  revoked_at: Date | null;
  ctime: Date;
}

export interface PartnerCredential {
  partnerId: string;
  partnerName: string;
  keyId: string;
  secretSha256: Buffer;
  rateLimitPerMinute: number | null;
  revoked: boolean;
}

export async function findPartnerCredential(db: Executor, keyId: string): Promise<PartnerCredential | undefined> {
  const row = await db('partner_key as k').join('partner as p', 'p.id', 'k.partner_id').where('k.key_id', keyId).first<{
    partner_id: string;
    name: string;
    key_id: string;
    secret_sha256: Buffer;
    rate_limit_per_minute: number | null;
    revoked_at: Date | null;
    is_del: number;
  }>('k.partner_id', 'p.name', 'k.key_id', 'k.secret_sha256', 'p.rate_limit_per_minute', 'k.revoked_at', 'p.is_del');
  if (!row) return undefined;
  return {
    partnerId: row.partner_id,
    partnerName: row.name,
    keyId: row.key_id,
    secretSha256: row.secret_sha256,
    rateLimitPerMinute: row.rate_limit_per_minute,
    revoked: row.revoked_at !== null || row.is_del !== 0,
  };
}

export async function insertPartner(
  db: Executor,
  partner: { name: string; rateLimitPerMinute?: number | null; remark?: string | null; cuser?: string | null },
): Promise<PartnerRow> {
  const [row] = await db('partner')
    .insert({
      name: partner.name,
      rate_limit_per_minute: partner.rateLimitPerMinute ?? null,
      remark: partner.remark ?? null,
      cuser: partner.cuser ?? null,
      muser: partner.cuser ?? null,
    })
    .returning('*');
  return row as PartnerRow;
}

export async function insertPartnerKey(
  db: Executor,
  key: { partnerId: string; keyId: string; secretSha256: Buffer; cuser?: string | null },
): Promise<PartnerKeyRow> {
  const [row] = await db('partner_key')
    .insert({ partner_id: key.partnerId, key_id: key.keyId, secret_sha256: key.secretSha256, cuser: key.cuser ?? null })
    .returning('*');
  return row as PartnerKeyRow;
}

export async function revokePartnerKey(db: Executor, keyId: string): Promise<boolean> {
  const count = await db('partner_key')
    .where({ key_id: keyId })
    .whereNull('revoked_at')
    .update({ revoked_at: db.fn.now() });
  return count > 0;
}

export async function findPartnerById(db: Executor, id: string): Promise<PartnerRow | undefined> {
  return db<PartnerRow>('partner').where({ id, is_del: 0 }).first();
}

export async function listPartnerKeys(db: Executor, partnerId: string): Promise<PartnerKeyRow[]> {
  return db<PartnerKeyRow>('partner_key').where({ partner_id: partnerId }).orderBy('id');
}

/** Partner names by id, for texts that name who sent something. */
export async function partnerNames(db: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = (await db('partner')
    .whereIn('id', [...new Set(ids)])
    .select('id', 'name')) as Array<{ id: string; name: string }>;
  return new Map(rows.map((r) => [String(r.id), r.name]));
}
