import type { Executor } from '../knex';

export interface SysUserRow {
  id: string;
  username: string;
  password_hash: string;
  emp_no: string | null;
  real_name: string | null;
  phone_num: string | null;
  email: string | null;
  avatar: string | null;
  wecom_userid: string | null;
  dept_id: string | null;
  corp_id: string | null;
  account_status: number;
  token_version: number;
  must_change_password: boolean;
  is_del: number;
}

export async function findUserById(db: Executor, id: string): Promise<SysUserRow | undefined> {
  return db<SysUserRow>('sys_user').where({ id, is_del: 0 }).first();
}

export async function findUserByUsername(db: Executor, username: string): Promise<SysUserRow | undefined> {
  return db<SysUserRow>('sys_user').whereRaw('lower(username) = lower(?)', [username]).andWhere({ is_del: 0 }).first();
}

export async function insertUser(
  db: Executor,
  user: {
    username: string;
    passwordHash: string;
    realName?: string;
    empNo?: string;
    phoneNum?: string;
    corpId?: string;
    cuser?: string;
  },
): Promise<SysUserRow> {
  const [row] = await db<SysUserRow>('sys_user')
    .insert({
      username: user.username,
      password_hash: user.passwordHash,
      real_name: user.realName ?? null,
      emp_no: user.empNo ?? null,
      corp_id: user.corpId ?? null,
      phone_num: user.phoneNum ?? null,
      cuser: user.cuser ?? null,
      muser: user.cuser ?? null,
    } as never)
    .returning('*');
  return row as SysUserRow;
}
