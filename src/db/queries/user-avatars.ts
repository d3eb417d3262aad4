import type { Executor } from '../knex';

/** Sets the avatar of a live user; answers the user's id, or undefined when there is no such user. */
export async function updateUserAvatar(
  db: Executor,
  userId: string,
  avatar: string,
  muser: string,
): Promise<{ id: string; avatar: string } | undefined> {
  const [row] = await db('sys_user')
    .where({ id: userId, is_del: 0 })
    .update({ avatar, muser, mtime: db.fn.now() })
    .returning<Array<{ id: string; avatar: string }>>(['id', 'avatar']);
  return row;
}
