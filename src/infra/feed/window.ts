import type { FeedRow } from './consumer.js';

/**
 * The recent rows a tail handed over, in id order, so a reader near the head
 * takes them from memory instead of the database. It covers the ids above
 * `from`: every row the tail handed over with such an id is here. A row the
 * tail has not read yet is missing, as it would be from a read of the
 * database a moment earlier; the reader's cursor holds it as a gap.
 */
export class FeedWindow<Row extends FeedRow> {
  private rows: Row[] = [];
  /** When each row was kept (same index as `rows`). */
  private kept: number[] = [];

  /**
   * `from`: the tail's high-water mark when the window starts; null covers
   * nothing. Rows go after `maxAgeMs` or past `maxRows`, whichever first: a
   * reader further behind than that reads the database, and the window's
   * memory stays flat whatever the rate (a quiet feed would otherwise keep
   * every row of the day).
   */
  constructor(private from: number | null, private readonly maxRows = 5_000, private readonly maxAgeMs = 30_000, private readonly now: () => number = Date.now) {}

  /** Whether the rows after `high` can be read from here. */
  covers(high: number): boolean {
    return this.from !== null && high >= this.from;
  }

  keep(batch: readonly Row[]): void {
    if (this.from === null) return;
    const from = this.from;
    const { rows, kept } = this;
    const now = this.now();
    for (const row of batch) {
      if (row.id <= from) continue;
      // Batches come in id order; a gap the tail filled late goes in its place.
      if (rows.length === 0 || rows[rows.length - 1]!.id < row.id) {
        rows.push(row);
        kept.push(now);
      } else {
        const at = firstAbove(rows, row.id - 1);
        if (rows[at]?.id !== row.id) {
          rows.splice(at, 0, row);
          kept.splice(at, 0, now);
        }
      }
    }
    // A late row may sit among older ones, so the front goes by the first row kept after the limit.
    let drop = Math.max(0, rows.length - this.maxRows);
    while (drop < rows.length && kept[drop]! < now - this.maxAgeMs) drop++;
    if (drop > 0) {
      // The window then covers only what it still holds all of.
      this.from = rows[drop - 1]!.id;
      rows.splice(0, drop);
      kept.splice(0, drop);
    }
  }

  /** At most `limit` rows after `high` (which it must cover), and whether more follow. */
  after(high: number, limit: number): { rows: Row[]; full: boolean } {
    const at = firstAbove(this.rows, high);
    return { rows: this.rows.slice(at, at + limit), full: this.rows.length - at > limit };
  }
}

/** The index of the first row with an id above `id` (rows in id order). */
function firstAbove(rows: readonly FeedRow[], id: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid]!.id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
