import { countUnconsumedStarts } from '../../src/db/queries/clues';
import type { Db } from '../../src/db/knex';
import { testDb } from '../helpers/factories';

/**
 * The distribution outbox starts no more clues than the workers take up (the dispatcher's side
 * is unit-tested in outbox-dispatcher): this checks what it counts. Other suites' clues share the
 * table, so the count is read twice in one REPEATABLE READ transaction, before and after this
 * test's own rows, and only the difference is checked.
 */
describe('clues started and not yet taken up', () => {
  let db: Db;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('counts started, still pending clues of the recent window, and nothing else', async () => {
    await db
      .transaction(
        async (trx) => {
          const before = await countUnconsumedStarts(trx, 120);
          const clue = (distributionState: string, status: string, startedSecondsAgo: number | null) => ({
            link_man_name: '测试',
            link_man_tel: '13800000000',
            phone_normalized: '13800000000',
            distribution_state: distributionState,
            status,
            distribution_started_at:
              startedSecondsAgo === null ? null : trx.raw(`now() - interval '${startedSecondsAgo} seconds'`),
          });
          await trx('clue').insert([
            clue('started', 'pending', 1), // counted
            clue('started', 'pending', 60), // counted
            clue('started', 'pending', 600), // too old: a workflow ended by hand must not hold a slot
            clue('started', 'assigned', 1), // taken up
            clue('started', 'waiting', 1), // taken up, waiting for a member
            clue('pending', 'pending', null), // not started yet
          ]);
          expect((await countUnconsumedStarts(trx, 120)) - before).toBe(2);
          throw new Rollback();
        },
        { isolationLevel: 'repeatable read' },
      )
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
  });
});

class Rollback extends Error {}
