import type { Executor } from '../knex';

export interface WecomCorpRow {
  corp_id: string;
  name: string;
  secret: string;
  agent_id: number | null;
  callback_token: string;
  encoding_aes_key: string;
  ctime: Date;
  mtime: Date;
}

export interface WecomCorpInput {
  corpId: string;
  name?: string;
  secret: string;
  agentId?: number | null;
  callbackToken: string;
  encodingAesKey: string;
}

export async function findWecomCorp(db: Executor, corpId: string): Promise<WecomCorpRow | undefined> {
  return db<WecomCorpRow>('wecom_corp').where({ corp_id: corpId }).first();
}

/** Inserts the corp or replaces its credentials; `name` is kept when not given. */
export async function upsertWecomCorp(db: Executor, corp: WecomCorpInput): Promise<WecomCorpRow> {
  const values = {
    corp_id: corp.corpId,
    secret: corp.secret,
    agent_id: corp.agentId ?? null,
    callback_token: corp.callbackToken,
    encoding_aes_key: corp.encodingAesKey,
    ...(corp.name === undefined ? {} : { name: corp.name }),
  };
  const [row] = await db<WecomCorpRow>('wecom_corp')
    .insert(values as never)
    .onConflict('corp_id')
    .merge({ ...values, mtime: db.fn.now() } as never)
    .returning('*');
  return row as WecomCorpRow;
}

export async function listWecomCorpIds(db: Executor): Promise<string[]> {
  return db('wecom_corp').orderBy('corp_id').pluck<string[]>('corp_id');
}
