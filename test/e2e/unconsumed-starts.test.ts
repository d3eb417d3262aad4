import type { Db } from '../../src/db/knex';
import { UnconsumedStarts } from '../../src/temporal/unconsumed-starts';
import { testDb } from '../helpers/factories';

/**
 * The distribution outbox starts no more clues than the workers take up (the dispatcher's side
 * is unit-tested in outbox-dispatcher): this checks the count it keeps against real clue rows.
 */
describe('clues started and not yet taken up', () => {
  let db: Db;
  const ids: string[] = [];
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db('clue').whereIn('id', ids).delete();
    await db.destroy();
  });

  // Rows as the outbox leaves them once started, so no other process's outbox picks them up.
  const startedClue = async (): Promise<string> => {
    const [row] = (await db('clue')
      .insert({
        link_man_name: '测试',
        link_man_tel: '13800000000',
        phone_normalized: '13800000000',
        distribution_state: 'started',
        status: 'pending',
      })
      .returning(db.raw('id::text AS id'))) as Array<{ id: string }>;
    ids.push(row!.id);
    return row!.id;
  };

  it('has room until the bound; at the bound, the clues taken up since free their slots', async () => {
    const starts = new UnconsumedStarts(db, 2);
    expect(await starts.room()).toBe(2);
    const [a, b] = [await startedClue(), await startedClue()];
    starts.started(a);
    expect(await starts.room()).toBe(1);
    starts.started(b);
    expect(await starts.room()).toBe(0);
    await db('clue').where({ id: a }).update({ status: 'assigned' });
    expect(await starts.room()).toBe(1);
    starts.started(await startedClue());
    expect(await starts.room()).toBe(0);
    await db('clue').where({ id: b }).update({ status: 'waiting' });
    expect(await starts.room()).toBe(1);
  });

  it('stops counting a clue nobody took up once its window has passed', async () => {
    const starts = new UnconsumedStarts(db, 1, 200);
    starts.started(await startedClue());
    expect(await starts.room()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await starts.room()).toBe(1);
  });
});
