import { randomUUID } from 'node:crypto';
import { GroupCommitQueue } from '../../db/group-commit';
import { createDb, type Db } from '../../db/knex';
import {
  applyDeferredClueIntakes,
  clearIntakeReceipts,
  findIntakeReceipt,
  partnerClueKey,
  upsertPartnerClues,
  type PartnerClueUpsert,
  type PartnerClueWritten,
} from '../../db/queries/clues';
import { DomainError, sqlState, SQLSTATE_LOCK_NOT_AVAILABLE, UnavailableError, ValidationError } from '../errors';
import { normalizeChinaPhone } from '../phone';

export interface PartnerClueInput {
  businessId: string;
  linkManName: string;
  linkManTel: string;
  email?: string;
  address?: string;
  wechat?: string;
  remark: string;
  source: number;
  fromPage: string;
  landPage: string;
  submitPage: string;
  device: string;
  tag?: string;
  se?: string;
  chat: string;
}

const emptyToNull = (value: string | undefined): string | null =>
  value === undefined || value.trim() === '' ? null : value.trim();

/**
 * How long an intake statement may wait for a lock (the session setting of the intake's own
 * connections): a clue row held for an assignment is free again within milliseconds; one held
 * longer has its repeat queued instead (see writePartnerClues).
 */
const INTAKE_LOCK_TIMEOUT_MS = 200;
/** Statements in flight at once, and so the intake's own connections. */
const INTAKE_STATEMENTS_IN_FLIGHT = 2;
/** What a partner is told to wait before sending again when intake cannot store its clue now. */
const RETRY_AFTER_SECONDS = 1;

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Whether the error says the database connection was lost or could not be had, rather than that a statement was wrong. */
export function isLostConnection(error: unknown): boolean {
  const state = sqlState(error);
  // 08: connection exception; 57P01-57P03: the server terminated the backend or is shutting down.
  if (state) return /^(08|57P0[1-3])/.test(state);
  if (!(error instanceof Error) || error instanceof DomainError) return false;
  if (error.name === 'KnexTimeoutError') return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return NETWORK_ERROR_CODES.has(code);
  // node-postgres gives the errors of a connection that ended no code, only these messages (knex prefixes the SQL).
  return /(Connection terminated|Client has encountered a connection error|Client was closed)/.test(error.message);
}

/**
 * Writes a batch, waiting at most the lock timeout for a repeated clue's row and, when that ran
 * out, again without waiting: a held row's repeat is then queued, so the answer never waits for
 * whoever holds the row.
 */
async function writePartnerClues(db: Db, items: PartnerClueUpsert[]): Promise<PartnerClueWritten[]> {
  try {
    return await writePartnerCluesOnce(db, items, false);
  } catch (error) {
    if (sqlState(error) !== SQLSTATE_LOCK_NOT_AVAILABLE) throw error;
    return writePartnerCluesOnce(db, items, true);
  }
}

/** Thrown when the statement's connection was lost and its receipt shows it did not commit: safe to write again. */
class LostBeforeCommit extends Error {
  override readonly name = 'LostBeforeCommit';
}

/**
 * One intake statement, in autocommit: a single round trip. It writes its own receipt, so when the
 * connection is lost before the answer arrives the receipt, read on a fresh connection, tells
 * whether it committed: then its answer is the receipt's, otherwise it is surely not stored and the
 * queue writes it again. When even the receipt cannot be read, the partner is asked to send again.
 */
async function writePartnerCluesOnce(
  db: Db,
  items: PartnerClueUpsert[],
  skipHeld: boolean,
): Promise<PartnerClueWritten[]> {
  const batchKey = randomUUID();
  try {
    return await upsertPartnerClues(db, items, { skipHeld, batchKey });
  } catch (error) {
    if (!isLostConnection(error)) throw error;
    let committed: PartnerClueWritten[] | undefined;
    try {
      committed = await findIntakeReceipt(db, items, batchKey);
    } catch {
      throw new UnavailableError(
        'the database connection was lost while storing the clue; send it again',
        'DATABASE_UNAVAILABLE',
        RETRY_AFTER_SECONDS,
      );
    }
    if (committed) return committed;
    throw new LostBeforeCommit((error as Error).message, { cause: error });
  }
}

const APPLY_BATCH = 100;
const APPLY_FIRST_DELAY_MS = 50;
const APPLY_MAX_DELAY_MS = 2000;
/** Repeats queued by a process that stopped before applying them are picked up by this sweep. */
const APPLY_SWEEP_MS = 10_000;
/** A receipt is read within moments of a lost connection; older ones are cleared by the sweep. */
const RECEIPT_MAX_AGE_SECONDS = 300;

/**
 * Applies queued repeats to their clues once the rows are free: soon after a repeat was queued,
 * then less and less often while a row stays held, and in a slow sweep (which also clears old
 * intake receipts). Never waits for a row.
 */
class DeferredIntakeApplier {
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Infinity;
  private running = false;
  private again = false;
  private delayMs = APPLY_FIRST_DELAY_MS;
  private receiptsClearedAt = 0;

  constructor(private readonly db: Db) {
    this.schedule(0);
  }

  /** A repeat was queued. */
  wake(): void {
    this.delayMs = APPLY_FIRST_DELAY_MS;
    if (this.running) this.again = true;
    else this.schedule(APPLY_FIRST_DELAY_MS);
  }

  private schedule(ms: number): void {
    const at = Date.now() + ms;
    if (this.timer && this.dueAt <= at) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => void this.run(), ms);
    // A process on its way out need not wait for this: the repeats are stored.
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.dueAt = Infinity;
    this.running = true;
    this.again = false;
    let next = APPLY_SWEEP_MS;
    try {
      if (Date.now() - this.receiptsClearedAt >= APPLY_SWEEP_MS) {
        this.receiptsClearedAt = Date.now();
        await clearIntakeReceipts(this.db, RECEIPT_MAX_AGE_SECONDS);
      }
      const { applied, waiting } = await applyDeferredClueIntakes(this.db, APPLY_BATCH);
      if (applied === APPLY_BATCH) next = 0;
      else if (waiting > 0) next = this.backOff();
      else this.delayMs = APPLY_FIRST_DELAY_MS;
    } catch {
      // The database is unreachable: the repeats stay queued and the next attempt comes later.
      next = this.backOff();
    } finally {
      this.running = false;
    }
    this.schedule(this.again ? APPLY_FIRST_DELAY_MS : next);
  }

  private backOff(): number {
    const ms = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, APPLY_MAX_DELAY_MS);
    return ms;
  }
}

/**
 * Writes partner clues in group commits, the intake path's one database statement: up to 64 clues
 * per statement, two statements at once, enough to keep PostgreSQL busy while the next batch
 * gathers and never more than two of the pool's connections.
 */
/** Optional hooks for metrics. */
export interface IntakeObserver {
  batchSize?(clues: number): void;
}

export class ClueIntakeQueue {
  private readonly queue: GroupCommitQueue<PartnerClueUpsert, PartnerClueWritten>;
  private readonly deferred: DeferredIntakeApplier;

  constructor(db: Db, observe: IntakeObserver = {}) {
    this.queue = new GroupCommitQueue({
      onBatch: observe.batchSize,
      write: (items) => writePartnerClues(db, items),
      keyOf: (item) => partnerClueKey(item.partnerId, item.businessId),
      maxBatch: 64,
      maxInFlight: INTAKE_STATEMENTS_IN_FLIGHT,
      // Data exceptions, constraint violations, transaction rollbacks (deadlock, serialization) and
      // lock timeouts can be one clue's doing; a lost connection is everybody's.
      retryAlone: (error) => /^(22|23|40|55P03)/.test(sqlState(error) ?? ''),
      retryOnce: (error) => error instanceof LostBeforeCommit,
      unavailable: () =>
        new UnavailableError(
          'the database is unreachable; send the clue again',
          'DATABASE_UNAVAILABLE',
          RETRY_AFTER_SECONDS,
        ),
    });
    this.deferred = new DeferredIntakeApplier(db);
  }

  /** Resolves once the clue is committed (as the clue, or as a queued repeat of it). */
  async submit(item: PartnerClueUpsert): Promise<PartnerClueWritten> {
    let written: PartnerClueWritten;
    try {
      written = await this.queue.submit(item);
    } catch (error) {
      if (sqlState(error) === SQLSTATE_LOCK_NOT_AVAILABLE) {
        throw new UnavailableError('clue intake is busy; send the clue again', 'INTAKE_BUSY', RETRY_AFTER_SECONDS);
      }
      throw error;
    }
    if (written.deferred) this.deferred.wake();
    return written;
  }

  /** Items waiting for a statement, for tests and metrics. */
  get waiting(): number {
    return this.queue.waiting;
  }
}

/**
 * The intake queue with connections of its own: their session lock_timeout is what lets intake
 * never wait on distribution, and admin queries can never take the connections intake needs.
 */
export function createClueIntakeQueue(
  databaseUrl: string,
  observe: IntakeObserver = {},
): { queue: ClueIntakeQueue; close(): Promise<void> } {
  // One connection per statement in flight, and one for applying deferred repeats.
  const db = createDb(databaseUrl, INTAKE_STATEMENTS_IN_FLIGHT + 1, { lockTimeoutMs: INTAKE_LOCK_TIMEOUT_MS });
  return { queue: new ClueIntakeQueue(db, observe), close: () => db.destroy() };
}

/**
 * Stores a partner's clue (insert, or update in place for a businessId the partner sent before).
 * When this resolves the clue is committed; `inserted` says whether a distribution must start.
 */
export async function collectPartnerClue(
  intake: ClueIntakeQueue,
  partner: { partnerId: string; partnerName: string },
  input: PartnerClueInput,
): Promise<{ clueId: string; inserted: boolean }> {
  const phone = normalizeChinaPhone(input.linkManTel);
  if (!phone) throw ValidationError.field('linkManTel', 'must be a phone number used in China', 'rule.cnPhone');
  const { id, inserted } = await intake.submit({
    partnerId: partner.partnerId,
    businessId: input.businessId,
    fields: {
      linkManName: input.linkManName.trim(),
      linkManTel: input.linkManTel.trim(),
      phoneNormalized: phone,
      email: emptyToNull(input.email),
      address: emptyToNull(input.address),
      wechat: emptyToNull(input.wechat),
      remark: input.remark,
      source: input.source,
      fromPage: input.fromPage,
      landPage: input.landPage,
      submitPage: input.submitPage,
      device: input.device,
      tag: emptyToNull(input.tag),
      se: emptyToNull(input.se),
      chat: input.chat,
    },
    actor: `partner:${partner.partnerId}`,
  });
  return { clueId: id, inserted };
}
