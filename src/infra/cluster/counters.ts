/**
 * Rate-limit counters kept in the database, so every API node counts the
 * same requests: a limit of 20 a minute stays 20 behind two nodes, not 40.
 *
 * One row per limit and key: a window opens at the key's first hit and lasts
 * `windowMs`; the first hit after it opens the next one. These are the
 * semantics of @fastify/rate-limit's own in-memory store, kept exactly, at
 * the cost of one upsert and one primary-key read per counted request.
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
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the current window ends. */
  resetMs: number;
}

/** Row names stay within the key column (191 characters): long keys are hashed. */
export function counterName(limit: string, key: string): string {
  const plain = `${limit}|${key}`;
  if (plain.length <= 191) return plain;
  return `${limit.slice(0, 60)}|#${createHash('sha256').update(key).digest('hex')}`;
}

export class RateCounters {
  constructor(private readonly db: CounterDb) {}

  /** Counts one request of `key` against `limit` and answers the hits of its window so far. */
  async hit(limit: string, key: string, windowMs: number, now = Date.now()): Promise<RateHit> {
    const name = counterName(limit, key);
    // The window has passed when it ends at or before now: the hit opens a new one.
    const passed = sql<boolean>`expires_at <= ${now}`;
    await this.db.write(async (w) => {
      const db = w as Kysely<ClusterTables>;
      const insert = db.insertInto('rate_counters').values({ name, hits: 1, expires_at: now + windowMs });
      // Both read the row as it was (SQLite evaluates every SET on the old row; MySQL left to right, expires_at last).
      const update = {
        hits: sql<number>`case when ${passed} then 1 else hits + 1 end`,
        expires_at: sql<number>`case when ${passed} then ${now + windowMs} else expires_at end`,
      };
      await (this.db.dialect === 'sqlite'
        ? insert.onConflict((oc) => oc.column('name').doUpdateSet(update))
        : insert.onDuplicateKeyUpdate(update)).execute();
    });
    const row = await (this.db.primary as Kysely<ClusterTables>).selectFrom('rate_counters').select(['hits', 'expires_at'])
      .where('name', '=', name).executeTakeFirst();
    // Our own hit is committed, so the row is there; another node's hit in between only counts against the client.
    return { count: Math.max(1, Number(row?.hits ?? 1)), resetMs: Math.max(0, Number(row?.expires_at ?? now + windowMs) - now) };
  }

  /** Deletes the rows of windows that have ended (run by the clock sweep); answers how many. */
  async purge(now = Date.now()): Promise<number> {
    const result = await this.db.write((w) => (w as Kysely<ClusterTables>).deleteFrom('rate_counters').where('expires_at', '<', now).executeTakeFirst());
    return Number(result.numDeletedRows);
  }
}
