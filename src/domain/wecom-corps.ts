import type { Config } from '../config';
import type { Db } from '../db/knex';
import { upsertWecomCorp } from '../db/queries/wecom-corps';

/** Registers (or updates) the corp given by the WECOM_* settings; a no-op when they are not set. */
export async function registerConfiguredCorp(db: Db, config: Config): Promise<string | undefined> {
  if (!config.WECOM_CORP_ID || !config.WECOM_SECRET || !config.WECOM_CALLBACK_TOKEN || !config.WECOM_ENCODING_AES_KEY) {
    return undefined;
  }
  await upsertWecomCorp(db, {
    corpId: config.WECOM_CORP_ID,
    secret: config.WECOM_SECRET,
    agentId: config.WECOM_AGENT_ID ?? null,
    callbackToken: config.WECOM_CALLBACK_TOKEN,
    encodingAesKey: config.WECOM_ENCODING_AES_KEY,
  });
  return config.WECOM_CORP_ID;
}
