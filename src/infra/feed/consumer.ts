/**
 * The platform's live feed (docs/adr/0008-event-feed.md): an in-process
 * consumer that tails an append-only table by ascending id, with its cursor
 * stored in the database of its effects and saved in the same transaction as
 * each applied batch.
 *
 * Ids of an auto-increment table commit out of order on MySQL: id 11 may be
 * visible while id 10 is still in flight. The consumer applies what it sees
 * and remembers each missing id below its high-water mark as a gap, looked
 * for again on every pass until a bounded hold expires (then it was a
 * rolled-back insert, or a transaction longer than the hold: logged and
 * counted, and a rebuild recovers it). So a late commit is neither skipped at
 * once nor waited for forever, and nothing behind it waits.
 *
 * Delivery is at least once: a batch whose transaction fails is read and
 * applied again, so apply must be idempotent (an effect kept in the same
 * transaction as the cursor is in effect applied exactly once). Rows of one
 * key written by successive transactions (the events of one incident) arrive
 * in id order; rows of different keys may not.
 */
import type { Kysely, Transaction } from 'kysely';
import { loadCursor, PARKED_HIGH, sameCursor, saveCursor, touchCursor, type CursorState, type Gap } from './cursor.js';

export interface FeedRow {
  id: number;
}

/** Where the rows come from: the table read by id (see tableSource). */
export interface FeedSource<Row extends FeedRow> {
  /** Rows with id > afterId in ascending id order, at most limit. */
  after(afterId: number, limit: number): Promise<Row[]>;
  /** The rows of these ids that exist now. */
  byIds(ids: readonly number[]): Promise<Row[]>;
}

/** The store that keeps the consumer's effects and cursor: a transaction runner (Db.transaction fits). */
export interface FeedStore<DB> {
  transaction<T>(fn: (tx: Transaction<DB>) => Promise<T>): Promise<T>;
}

export interface FeedLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface FeedConsumerOptions<Row extends FeedRow, DB = any> {
  /** The cursor's name: one per consumer. */
  name: string;
  source: FeedSource<Row>;
  store: FeedStore<DB>;
  /** Applies a batch inside the store's transaction; must be idempotent and may run more than once. */
  apply(tx: Transaction<DB>, rows: readonly Row[]): Promise<void>;
  /** How long an id below the high-water mark is looked for before it is given up (default 60 s). */
  gapHoldMs?: number;
  batchSize?: number;
  /** Poll interval for writes of other nodes and processes (default 1 s); commits of this node wake it at once. */
  pollMs?: number;
  /**
   * Shortest time between two passes started by commits (default 0): commits
   * that arrive meanwhile are taken in the next pass, as one larger batch, so
   * a busy writer pays for fewer passes. The latency of the feed is at most this.
   */
  minIntervalMs?: number;
  /** Pause after a failed pass, doubled up to 30 s. */
  retryMs?: number;
  /** At most this many gaps are remembered (ids allocated in large steps, as on TiDB, would grow the list without end). */
  maxGaps?: number;
  logger?: FeedLogger;
  now?: () => number;
}

export interface FeedStatus {
  high: number;
  gaps: number;
  applied: number;
  skipped: number;
  failures: number;
  lastError: string | null;
}

const MAX_RETRY_MS = 30_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export class FeedConsumer<Row extends FeedRow, DB = any> {
  private state: CursorState | null = null;
  private running = false;
  private wanted = false;
  private stopped = true;
  private timer: NodeJS.Timeout | null = null;
  private failuresInRow = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly status: FeedStatus = { high: 0, gaps: 0, applied: 0, skipped: 0, failures: 0, lastError: null };
  private readonly hold: number;
  private readonly batch: number;
  private readonly poll: number;
  private readonly retry: number;
  private readonly maxGaps: number;
  private readonly minInterval: number;
  private lastStart = 0;
  private readonly now: () => number;

  constructor(private readonly options: FeedConsumerOptions<Row, DB>) {
    this.hold = options.gapHoldMs ?? 60_000;
    this.batch = options.batchSize ?? 500;
    this.poll = options.pollMs ?? 1000;
    this.retry = options.retryMs ?? 500;
    this.maxGaps = options.maxGaps ?? 10_000;
    this.minInterval = options.minIntervalMs ?? 0;
    this.now = options.now ?? Date.now;
  }

  get name(): string {
    return this.options.name;
  }

  stats(): FeedStatus {
    return { ...this.status };
  }

  /** Drops the in-memory cursor, so the next pass reads it from the store (after a rebuild rewrote it). */
  forget(): void {
    this.state = null;
  }

  /** Stops, and resolves once a pass in flight has finished (before a rebuild rewrites the store under it). */
  async halt(): Promise<void> {
    this.stop();
    await this.queue;
  }

  /** Starts polling; `wake` (e.g. from Db.onCommit) makes it run at once. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Cheap and safe to call from a commit hook: schedules a pass, never throws, never waits. */
  wake(): void {
    if (this.stopped) return;
    this.wanted = true;
    // While backing off after a failure the pause stands: a broken store must not be retried at every commit.
    if (this.running || this.failuresInRow > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), this.nextDelay(0));
    this.timer.unref();
  }

  /**
   * Runs passes until nothing is left to read now (gaps may remain held).
   * For tests, the CLI and benchmarks; throws the error of a failed pass.
   */
  async drain(): Promise<void> {
    while (await this.pass()) {
      // keep reading: a full batch or a filled gap may have more behind it
    }
  }

  /** At least `delay`, and no sooner than minIntervalMs after the last pass started. */
  private nextDelay(delay: number): number {
    return Math.max(delay, this.lastStart + this.minInterval - Date.now());
  }

  private async loop(): Promise<void> {
    this.timer = null;
    if (this.running || this.stopped) return;
    this.running = true;
    this.lastStart = Date.now();
    let delay = this.poll;
    try {
      this.wanted = false;
      while (!this.stopped && (await this.pass())) this.wanted = false;
      this.failuresInRow = 0;
    } catch (err) {
      this.failuresInRow++;
      this.status.failures++;
      this.status.lastError = err instanceof Error ? err.message : String(err);
      this.options.logger?.error({ err, consumer: this.name }, 'feed consumer pass failed; retrying');
      delay = Math.min(MAX_RETRY_MS, this.retry * 2 ** (this.failuresInRow - 1));
      // A failure is retried after the pause, not at the next commit: a broken store must not spin.
      this.wanted = false;
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.loop(), this.wanted && this.failuresInRow === 0 ? this.nextDelay(0) : delay);
    this.timer.unref();
  }

  /** Passes of this consumer run one at a time (the loop and a drain may ask at once). */
  private pass(): Promise<boolean> {
    const run = this.queue.then(() => this.passOnce());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** One batch: the held gaps that have appeared, then new rows. Answers whether there may be more to read now. */
  private async passOnce(): Promise<boolean> {
    const { source, store, apply, name } = this.options;
    this.state ??= await store.transaction((tx) => loadCursor(tx as never, name));
    const state = this.state;
    const now = this.now();
    const found = state.gaps.length > 0 ? await source.byIds(state.gaps.map((g) => g.id)) : [];
    const foundIds = new Set(found.map((r) => Number(r.id)));
    const expired: Gap[] = [];
    const gaps: Gap[] = [];
    for (const g of state.gaps) {
      if (foundIds.has(g.id)) continue;
      if (g.holdUntil <= now) expired.push(g);
      else gaps.push(g);
    }
    const fresh = await source.after(state.high, this.batch);
    let high = state.high;
    for (const row of fresh) {
      const id = Number(row.id);
      for (let missing = high + 1; missing < id; missing++) gaps.push({ id: missing, holdUntil: now + this.hold });
      high = id;
    }
    const dropped = gaps.length > this.maxGaps ? gaps.splice(0, gaps.length - this.maxGaps) : [];
    if (found.length === 0 && fresh.length === 0 && expired.length === 0 && dropped.length === 0 && gaps.length === state.gaps.length) {
      if (state.high === PARKED_HIGH) this.state = null;
      return false;
    }
    const rows = [...found, ...fresh];
    const next: CursorState = { high, gaps };
    const stale = await store.transaction(async (tx) => {
      // The cursor row is the serialization point: another node (or process) running the same consumer waits here, then sees it moved.
      await touchCursor(tx as never, name, now);
      if (!sameCursor(await loadCursor(tx as never, name), state)) return true;
      if (rows.length > 0) await apply(tx, rows);
      await saveCursor(tx as never, name, next, now);
      return false;
    });
    if (stale) {
      this.state = null;
      return true;
    }
    this.state = next;
    this.status.high = high;
    this.status.gaps = gaps.length;
    this.status.applied += rows.length;
    const given = [...expired, ...dropped];
    if (given.length > 0) {
      this.status.skipped += given.length;
      this.options.logger?.warn({ consumer: name, ids: given.slice(0, 20).map((g) => g.id), count: given.length }, 'feed ids never appeared within the hold; given up (a rebuild recovers any that commit later)');
    }
    return fresh.length >= this.batch || found.length > 0;
  }
}

/** A source over one table of any database, read by its integer id column. */
export function tableSource<Row extends FeedRow>(db: Kysely<unknown>, table: string, columns: readonly string[] | '*' = '*', idColumn = 'id'): FeedSource<Row> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const k = db as Kysely<any>;
  const select = () => (columns === '*' ? k.selectFrom(table).selectAll() : k.selectFrom(table).select([...columns]));
  const normalize = (rows: Record<string, unknown>[]): Row[] =>
    rows.map((r) => ({ ...r, id: Number(r[idColumn]) }) as unknown as Row);
  return {
    async after(afterId, limit) {
      return normalize(await select().where(idColumn, '>', afterId).orderBy(idColumn).limit(limit).execute());
    },
    async byIds(ids) {
      if (ids.length === 0) return [];
      const out: Row[] = [];
      for (let i = 0; i < ids.length; i += 1000) {
        out.push(...normalize(await select().where(idColumn, 'in', ids.slice(i, i + 1000)).orderBy(idColumn).execute()));
      }
      return out;
    },
  };
}
