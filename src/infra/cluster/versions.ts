/**
 * Version marks of the caches a node keeps in memory (the grid locator).
 * A change bumps its mark in the same transaction, from whichever node or
 * command made it; each node reads the mark (one primary-key read) now and
 * then, and on a broker message, and reloads when it moved. The mark, not
 * the message, is the truth: a lost message costs at most one poll.
 */
import { sql, type Kysely } from 'kysely';
import type { AnyKysely } from '../db/database.js';
import { dialectOfKysely } from '../db/migrator.js';
import type { ClusterTables } from './tables.js';

/** Moves the mark of `name` on; call inside the transaction of the change. */
export async function bumpVersion(tx: AnyKysely, name: string): Promise<void> {
  const db = tx as Kysely<ClusterTables>;
  const insert = db.insertInto('cache_versions').values({ name, version: 1 });
  await (dialectOfKysely(tx as Kysely<unknown>) === 'sqlite'
    ? insert.onConflict((oc) => oc.column('name').doUpdateSet({ version: sql<number>`version + 1` }))
    : insert.onDuplicateKeyUpdate({ version: sql<number>`version + 1` })).execute();
}

/** The mark of `name` (0 before its first change). */
export async function readVersion(db: AnyKysely, name: string): Promise<number> {
  const row = await (db as Kysely<ClusterTables>).selectFrom('cache_versions').select('version').where('name', '=', name).executeTakeFirst();
  return Number(row?.version ?? 0);
}
