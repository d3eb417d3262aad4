import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/knex';
import { clearIntakeReceipts, findIntakeReceipt, upsertPartnerClues } from '../../src/db/queries/clues';
import { ClueIntakeQueue } from '../../src/domain/clues/collect-clue';
import { createPartner, testDb, uid } from '../helpers/factories';

const fields = {
  linkManName: '王先生',
  linkManTel: '13800138000',
  phoneNormalized: '13800138000',
  email: null,
  address: null,
  wechat: null,
  remark: '想了解报价',
  source: 1,
  fromPage: 'https://a.example.com',
  landPage: 'https://a.example.com',
  submitPage: 'https://a.example.com',
  device: 'pc',
  tag: null,
  se: null,
  chat: '你好',
};

/**
 * The database as a writer sees it when the connection dies right after the intake statement
 * committed: the statement's effects are stored, but its answer never arrives.
 */
function losingFirstAnswer(db: Db): Db {
  let lost = false;
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property !== 'raw') return Reflect.get(target, property, receiver) as unknown;
      return (sql: string, bindings: unknown[]) => {
        const query = target.raw(sql, bindings as never);
        if (lost || !sql.includes('INSERT INTO clue_intake_receipt')) return query;
        lost = true;
        return {
          options: (options: Record<string, unknown>) =>
            query.options(options).then(() => {
              throw new Error('Connection terminated unexpectedly');
            }),
        };
      };
    },
  });
}

describe('intake receipts', () => {
  let db: Db;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => db.destroy());

  it('records what a committed intake statement answered, under its batch key only', async () => {
    const partner = await createPartner(db);
    const items = [0, 1].map(() => ({ partnerId: partner.partnerId, businessId: uid('r-'), fields, actor: 'test' }));
    const batchKey = randomUUID();
    const written = await upsertPartnerClues(db, items as never, { skipHeld: false, batchKey });
    expect(written.map((w) => w.inserted)).toEqual([true, true]);
    expect(await findIntakeReceipt(db, items as never, batchKey)).toEqual(written);
    expect(await findIntakeReceipt(db, items as never, randomUUID())).toBeUndefined();
    await clearIntakeReceipts(db, 0);
    expect(await findIntakeReceipt(db, items as never, batchKey)).toBeUndefined();
  });

  it('answers from the receipt when the connection is lost after COMMIT, writing the clue once', async () => {
    const partner = await createPartner(db);
    const intake = new ClueIntakeQueue(losingFirstAnswer(db));
    const businessId = uid('lost-');
    const written = await intake.submit({ partnerId: partner.partnerId, businessId, fields, actor: 'test' } as never);
    expect(written).toMatchObject({ inserted: true, deferred: false });
    const rows = await db('clue').where({ partner_id: partner.partnerId, business_id: businessId });
    expect(rows.map((r: { id: string; receive_count: number }) => [r.id, r.receive_count])).toEqual([[written.id, 1]]);
    expect(await db('clue_event').where({ clue_id: written.id, kind: 'intake_update' })).toHaveLength(0);
  });
});
