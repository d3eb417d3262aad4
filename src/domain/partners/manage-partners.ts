import type { Db } from '../../db/knex';
import { findPartnerById, insertPartner, insertPartnerKey, revokePartnerKey } from '../../db/queries/partners';
import { NotFoundError } from '../errors';
import { generatePartnerKey } from './partner-keys';

export interface IssuedKey {
  partnerId: string;
  keyId: string;
  /** Shown once; only its digest is stored. */
  secretKey: string;
}

/** Creates a partner together with its first secret key. */
export async function createPartnerWithKey(
  db: Db,
  input: { name: string; rateLimitPerMinute?: number | null; remark?: string | null },
  actor: string,
): Promise<IssuedKey & { name: string }> {
  return db.transaction(async (trx) => {
    const partner = await insertPartner(trx, { ...input, cuser: actor });
    const key = generatePartnerKey();
    await insertPartnerKey(trx, {
      partnerId: partner.id,
      keyId: key.keyId,
      secretSha256: key.secretSha256,
      cuser: actor,
    });
    return { partnerId: partner.id, name: partner.name, keyId: key.keyId, secretKey: key.plaintext };
  });
}

/** Adds another key to a partner (rotation: issue the new key, then revoke the old one). */
export async function issuePartnerKey(db: Db, partnerId: string, actor: string): Promise<IssuedKey> {
  const partner = await findPartnerById(db, partnerId);
  if (!partner) throw new NotFoundError('partner', partnerId, 'PARTNER_NOT_FOUND');
  const key = generatePartnerKey();
  await insertPartnerKey(db, { partnerId, keyId: key.keyId, secretSha256: key.secretSha256, cuser: actor });
  return { partnerId, keyId: key.keyId, secretKey: key.plaintext };
}

export async function revokeKey(db: Db, keyId: string): Promise<void> {
  if (!(await revokePartnerKey(db, keyId)))
    throw new NotFoundError('active partner key', keyId, 'PARTNER_KEY_NOT_FOUND');
}
