/**
 * Rate-limit counters kept in the database, so every API node counts the
 * same requests: a limit of 20 a minute stays 20 behind two nodes, not 40.
 *
 * Fixed windows (one row per limit, key and window) read as a sliding
 * window: the count is this window's hits plus the previous window's in
 * proportion to how much of it still lies within the last `windowMs`. That
 * keeps a client from doubling its rate across a window boundary, at the
 * cost of one upsert and one primary-key read per counted request.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { AnyKysely, Dialect } from '../db/database.js';
import type { ClusterTables } from './tables.js';

/** The part of the database handle the counters need (AppDb fits). */
export interface CounterDb {
  readonly dialect: Dialect;
  readonly primary: AnyKysely;
  write<T>(fn: (db: AnyKysely) => Promise<T>): Promise<T>;
}

export interface RateHit {
  /** Hits within the last window, this one included (sliding estimate, whole hits). */
  count: number;
  /** Milliseconds until the current fixed window ends. */
  resetMs: number;
}

/** Where `now` falls: the fixed window's index and how far into it. */
export function windowAt(now: number, windowMs: number): { index: number; elapsedMs: number } {
  const index = Math.floor(now / windowMs);
  return { index, elapsedMs: now - index * windowMs };
}

/**
 * The hits of the last `windowMs`: all of the current window's, and the share
 * of the previous window's that the sliding window still covers (rounded
 * down, so a client that kept under the limit is never refused by rounding).
 */
export function slidingCount(previous: number, current: number, elapsedMs: number, windowMs: number): number {
  const share = Math.max(0, windowMs - elapsedMs) / windowMs;
  return current + Math.floor(previous * share);
}

/** Row names stay within the key column (191 characters): long keys are hashed. */
function rowPrefix(limit: string, key: string): string {
  const plain = `${limit}|${key}|`;
  if (plain.length <= 160) return plain;
  return `${limit.slice(0, 60)}|#${createHash('sha256').update(key).digest('hex')}|`;
}

export class RateCounters {
  constructor(private readonly db: CounterDb) {}

  /** Counts one request of `key` against `limit` and answers the hits within the last window. */
  async hit(limit: string, key: string, windowMs: number, now = Date.now()): Promise<RateHit> {
    const { index, elapsedMs } = windowAt(now, windowMs);
    const prefix = rowPrefix(limit, key);
    const current = `${prefix}${index}`;
    const previous = `${prefix}${index - 1}`;
    // The row still serves as "the previous window" through the next one.
    const expiresAt = (index + 2) * windowMs;
    await this.db.write(async (w) => {
      const db = w as Kysely<ClusterTables>;
      const insert = db.insertInto('rate_counters').values({ name: current, hits: 1, expires_at: expiresAt });
      await (this.db.dialect === 'sqlite'
        ? insert.onConflict((oc) => oc.column('name').doUpdateSet({ hits: sql<number>`hits + 1` }))
        : insert.onDuplicateKeyUpdate({ hits: sql<number>`hits + 1` })).execute();
    });
    const rows = await (this.db.primary as Kysely<ClusterTables>).selectFrom('rate_counters').select(['name', 'hits'])
      .where('name', 'in', [current, previous]).execute();
    const hits = (name: string) => Number(rows.find((r) => r.name === name)?.hits ?? 0);
    // Our own hit is committed, so the current row is at least 1 even on a lagging read.
    return { count: slidingCount(hits(previous), Math.max(1, hits(current)), elapsedMs, windowMs), resetMs: windowMs - elapsedMs };
  }

  /** Deletes rows no window can use any more (run by the clock sweep); answers how many. */
  async purge(now = Date.now()): Promise<number> {
    const result = await this.db.write((w) => (w as Kysely<ClusterTables>).deleteFrom('rate_counters').where('expires_at', '<', now).executeTakeFirst());
    return Number(result.numDeletedRows);
  }
}
