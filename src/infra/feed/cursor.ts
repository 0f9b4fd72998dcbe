/**
 * A feed consumer's cursor, kept in a database table beside the consumer's
 * own effects, so that saving it and applying a batch commit together
 * (docs/adr/0008-event-feed.md).
 */
import { sql, type Kysely } from 'kysely';
import type { AnyKysely } from '../db/database.js';
import { tableOptions, dialectOfKysely } from '../db/migrator.js';
import { deferred } from '../db/mysql-driver.js';
import { fromJson, toJson } from '../db/values.js';

export const FEED_CURSOR_TABLE = 'feed_cursors';

export interface FeedCursorTable {
  name: string;
  /** The highest id applied. */
  high: number;
  /** JSON [[id, holdUntilMs], …]: ids below high not seen yet (a MySQL commit still in flight, or a rolled-back insert). */
  gaps: string;
  updated_at: number;
}

export interface FeedCursorTables {
  feed_cursors: FeedCursorTable;
}

/**
 * A cursor parked past every id: its consumers apply nothing and re-read it on
 * every pass, so a job that rewrites their effects (a rebuild) can hold them
 * off and then hand them the cursor it computed.
 */
export const PARKED_HIGH = Number.MAX_SAFE_INTEGER;

/** One id below the high-water mark not visible yet, and until when it is waited for. */
export interface Gap {
  id: number;
  holdUntil: number;
}

export interface CursorState {
  high: number;
  gaps: Gap[];
}

/**
 * Creates the cursor table; called by the migration of whichever store keeps
 * the consumer's effects. If it is missing only: two stores may share one
 * database (the statistics store beside the business tables on MySQL).
 */
export async function createFeedCursorTable(db: Kysely<unknown>): Promise<void> {
  await tableOptions(
    dialectOfKysely(db),
    db.schema
      .createTable(FEED_CURSOR_TABLE)
      .ifNotExists()
      .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('high', 'bigint', (c) => c.notNull())
      .addColumn('gaps', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull()),
  ).execute();
}

export async function loadCursor(db: AnyKysely, name: string): Promise<CursorState> {
  const row = await (db as Kysely<FeedCursorTables>).selectFrom('feed_cursors').select(['high', 'gaps']).where('name', '=', name).executeTakeFirst();
  if (!row) return { high: 0, gaps: [] };
  const gaps = fromJson<[number, number][]>(row.gaps, []).map(([id, holdUntil]) => ({ id, holdUntil }));
  return { high: Number(row.high), gaps };
}

/** Update first, insert when there was no row (dialect-free upsert, ADR 0001); runs inside the consumer's transaction. */
export async function saveCursor(db: AnyKysely, name: string, state: CursorState, now: number): Promise<void> {
  const k = db as Kysely<FeedCursorTables>;
  const gaps = toJson(state.gaps.map((g) => [g.id, g.holdUntil]));
  const result = await k.updateTable('feed_cursors').set({ high: state.high, gaps, updated_at: now }).where('name', '=', name).executeTakeFirst();
  if (Number(result.numUpdatedRows) > 0) return;
  // MySQL reports 0 changed rows when the values are the same: check before inserting.
  const exists = await k.selectFrom('feed_cursors').select(sql<number>`1`.as('one')).where('name', '=', name).executeTakeFirst();
  if (!exists) await k.insertInto('feed_cursors').values({ name, high: state.high, gaps, updated_at: now }).execute();
}

/**
 * Takes the cursor row's lock (an UPDATE: InnoDB row lock, SQLite's write lock) before it is read in the
 * consumer's transaction. On MySQL it goes to the server with that read, in one round trip.
 */
export async function touchCursor(db: AnyKysely, name: string, now: number): Promise<void> {
  const k = db as Kysely<FeedCursorTables>;
  await k.executeQuery(deferred(k.updateTable('feed_cursors').set({ updated_at: now }).where('name', '=', name).compile()));
}

export function sameCursor(a: CursorState, b: CursorState): boolean {
  return a.high === b.high && a.gaps.length === b.gaps.length && a.gaps.every((g, i) => g.id === b.gaps[i]!.id && g.holdUntil === b.gaps[i]!.holdUntil);
}
