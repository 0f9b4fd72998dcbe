/**
 * Live tails of an append-only table (docs/adr/0011-live-feed.md): what the
 * screens follow. Unlike a FeedConsumer the cursor is not stored: a node's
 * tail starts at the table's end when the server starts, and each client of
 * the live feed carries its own cursor (the SSE event id) to resume from, on
 * any node.
 *
 * A cursor is a high-water mark plus the ids below it not seen yet (on MySQL
 * an id can become visible after a higher one: the gap is held, then
 * delivered when it appears, or given up after the hold). Rows are admitted
 * in ascending id order, so the cursor after each row is exact and a client
 * that resumes from it neither skips a late commit nor gets a row twice.
 */
import type { FeedLogger, FeedRow, FeedSource } from './consumer.js';
import type { Gap } from './cursor.js';

export interface LiveCursor {
  high: number;
  gaps: Gap[];
}

/** At most this many gaps travel in an event id (ids are short-lived; more would be an engine allocating in steps). */
export const MAX_CURSOR_GAPS = 64;

/** `high` or `high.gap.gap…`: opaque to clients, carried as the SSE event id. */
export function encodeCursor(c: LiveCursor): string {
  return [c.high, ...c.gaps.slice(-MAX_CURSOR_GAPS).map((g) => g.id)].join('.');
}

/** Null for anything that is not a cursor this server wrote. */
export function decodeCursor(text: string, now: number, holdMs: number): LiveCursor | null {
  if (!/^\d{1,15}(\.\d{1,15}){0,64}$/.test(text)) return null;
  const [high, ...gaps] = text.split('.').map(Number);
  if (gaps.some((g) => g >= high!)) return null;
  return { high: high!, gaps: [...new Set(gaps)].sort((a, b) => a - b).map((id) => ({ id, holdUntil: now + holdMs })) };
}

/**
 * Whether the row with this id is new to the cursor, advancing it when so.
 * Ids must come in ascending order within a call sequence for the gaps to be
 * right (a batch is sorted before it is admitted).
 */
export function admit(c: LiveCursor, id: number, now: number, holdMs: number): boolean {
  if (id > c.high) {
    for (let missing = c.high + 1; missing < id; missing++) c.gaps.push({ id: missing, holdUntil: now + holdMs });
    if (c.gaps.length > MAX_CURSOR_GAPS * 16) c.gaps.splice(0, c.gaps.length - MAX_CURSOR_GAPS * 16);
    c.high = id;
    return true;
  }
  const i = c.gaps.findIndex((g) => g.id === id);
  if (i < 0) return false;
  c.gaps.splice(i, 1);
  return true;
}

/** Drops the gaps past their hold (rolled-back inserts); answers how many. */
export function expireGaps(c: LiveCursor, now: number): number {
  const before = c.gaps.length;
  c.gaps = c.gaps.filter((g) => g.holdUntil > now);
  return before - c.gaps.length;
}

export interface LiveTailOptions<Row extends FeedRow> {
  source: FeedSource<Row> & { lastId(): Promise<number> };
  /** Poll for commits of other nodes when no broker wakes this one (default 1 s). */
  pollMs?: number;
  gapHoldMs?: number;
  batchSize?: number;
  /**
   * Shortest time between passes started by commits (default 50 ms): under a
   * stream of commits each pass carries several events, and each stream gets
   * one write per pass instead of one per event.
   */
  minIntervalMs?: number;
  logger?: FeedLogger;
  now?: () => number;
}

export type LiveListener<Row> = (rows: readonly Row[]) => void;

/**
 * One per node and table: reads what was committed since its last pass
 * (woken by this node's commits, by the broker for other nodes' commits,
 * and by a poll) and hands each batch, in id order, to its listeners.
 */
export class LiveTail<Row extends FeedRow> {
  private cursor: LiveCursor | null = null;
  private readonly listeners = new Set<LiveListener<Row>>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private wanted = false;
  private stopped = true;
  private failures = 0;
  private readonly hold: number;
  private readonly poll: number;
  private readonly batch: number;
  private readonly minInterval: number;
  private lastStart = 0;
  private wakePending = false;
  private readonly now: () => number;

  constructor(private readonly options: LiveTailOptions<Row>) {
    this.hold = options.gapHoldMs ?? 60_000;
    this.minInterval = options.minIntervalMs ?? 50;
    this.poll = options.pollMs ?? 1000;
    this.batch = options.batchSize ?? 500;
    this.now = options.now ?? Date.now;
  }

  get holdMs(): number {
    return this.hold;
  }

  /** The tail's position, a copy (null before its first pass). */
  position(): LiveCursor | null {
    return this.cursor ? { high: this.cursor.high, gaps: this.cursor.gaps.map((g) => ({ ...g })) } : null;
  }

  /** Starts at the table's end: what was committed before is read by a client's catch-up, not pushed. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.cursor ??= { high: await this.options.source.lastId(), gaps: [] };
    this.schedule(this.poll);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  subscribe(listener: LiveListener<Row>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Cheap and safe from a commit hook or a broker message: schedules a pass, never throws. */
  wake(): void {
    if (this.stopped) return;
    this.wanted = true;
    // A pass already due soon takes this commit too.
    if (this.running || this.failures > 0 || this.wakePending) return;
    this.wakePending = true;
    this.schedule(Math.max(0, this.lastStart + this.minInterval - Date.now()));
  }

  /** Reads until nothing new is visible now (tests). */
  async drain(): Promise<void> {
    while (await this.pass()) {
      // a full batch may have more behind it
    }
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), delay);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    this.timer = null;
    this.wakePending = false;
    if (this.running || this.stopped) return;
    this.running = true;
    this.lastStart = Date.now();
    let delay = this.poll;
    try {
      this.wanted = false;
      while (!this.stopped && (await this.pass())) this.wanted = false;
      this.failures = 0;
    } catch (err) {
      this.failures++;
      delay = Math.min(30_000, 500 * 2 ** (this.failures - 1));
      this.options.logger?.error({ err }, 'live feed pass failed; retrying');
    } finally {
      this.running = false;
    }
    if (!this.stopped) this.schedule(this.wanted && this.failures === 0 ? Math.max(0, this.lastStart + this.minInterval - Date.now()) : delay);
  }

  private passing: Promise<boolean> | null = null;

  private pass(): Promise<boolean> {
    // The loop and a drain may ask at once: one pass at a time.
    const run = (this.passing ?? Promise.resolve(false)).then(() => this.passOnce());
    this.passing = run.catch(() => false);
    return run;
  }

  private async passOnce(): Promise<boolean> {
    const { source } = this.options;
    this.cursor ??= { high: await source.lastId(), gaps: [] };
    const c = this.cursor;
    const now = this.now();
    const expired = expireGaps(c, now);
    if (expired > 0) this.options.logger?.warn({ count: expired }, 'live feed ids never appeared within the hold; given up');
    const found = c.gaps.length > 0 ? await source.byIds(c.gaps.map((g) => g.id)) : [];
    const fresh = await source.after(c.high, this.batch);
    const rows = [...found, ...fresh].sort((a, b) => a.id - b.id).filter((r) => admit(c, r.id, now, this.hold));
    if (rows.length > 0) {
      for (const listener of this.listeners) {
        try {
          listener(rows);
        } catch (err) {
          this.options.logger?.error({ err }, 'a live feed listener failed');
        }
      }
    }
    return fresh.length >= this.batch;
  }
}
