import type { Executor } from '../knex';

/** A corp's mini-program credentials; `app_secret` never leaves the server. */
export interface MiniProgramAppRow {
  corp_id: string;
  app_id: string;
  app_secret: string;
  ctime: Date;
  cuser: string | null;
  mtime: Date;
  muser: string | null;
}

export async function findMiniProgramApp(
  db: Executor,
  corpId: string,
  appId: string,
): Promise<MiniProgramAppRow | undefined> {
  return (await db('mini_program_app').where({ corp_id: corpId, app_id: appId }).first()) as
    MiniProgramAppRow | undefined;
}

export async function listMiniProgramApps(db: Executor, corpId: string): Promise<MiniProgramAppRow[]> {
  return (await db('mini_program_app').where({ corp_id: corpId }).orderBy('app_id')) as MiniProgramAppRow[];
}

/** Adds the app's credentials or replaces its secret. */
export async function upsertMiniProgramApp(
  db: Executor,
  corpId: string,
  appId: string,
  appSecret: string,
  actor: string,
): Promise<MiniProgramAppRow> {
  const [row] = (await db('mini_program_app')
    .insert({ corp_id: corpId, app_id: appId, app_secret: appSecret, cuser: actor, muser: actor })
    .onConflict(['corp_id', 'app_id'])
    .merge({ app_secret: appSecret, muser: actor, mtime: db.fn.now() })
    .returning('*')) as MiniProgramAppRow[];
  if (!row) throw new Error('mini_program_app upsert returned no row');
  return row;
}
