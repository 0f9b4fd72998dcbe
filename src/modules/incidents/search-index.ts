/**
 * The incident text index: SQLite FTS5 (contentless, rowid = incident id) or
 * an InnoDB FULLTEXT table, both fed the same ASCII tokens
 * (rules/search-tokens.ts), written in the transaction that creates the
 * incident. A text search reads ids from here instead of scanning every
 * incident's text, which at full size took seconds for a rare word.
 */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { gridIndexHelps } from '../../infra/auth/scope.js';
import type { Dialect } from '../../infra/db/database.js';
import { deferred } from '../../infra/db/mysql-driver.js';
import { booleanModeMatch, fts5Match, indexTokens, type QueryPart } from './rules/search-tokens.js';

export interface SearchDocument {
  id: number;
  code: string;
  description: string;
  address: string | null;
  gridCode: string;
}

export function documentTokens(d: SearchDocument): string {
  return indexTokens(`${d.code} ${d.description} ${d.address ?? ''}`, d.gridCode);
}

export async function createSearchIndex(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`create virtual table incident_search using fts5(tokens, content='', contentless_delete=1)`.execute(db);
  } else {
    await sql`create table incident_search (
      incident_id integer not null primary key,
      tokens mediumtext character set ascii collate ascii_general_ci not null,
      fulltext key incident_search_tokens (tokens)
    ) engine=InnoDB`.execute(db);
  }
}

export async function dropSearchIndex(db: Kysely<unknown>): Promise<void> {
  await sql`drop table incident_search`.execute(db);
}

/** Adds documents to the index (each incident once: its text does not change after intake). */
export async function indexDocuments(db: Kysely<unknown>, dialect: Dialect, docs: readonly SearchDocument[]): Promise<void> {
  const CHUNK = 500;
  for (let i = 0; i < docs.length; i += CHUNK) {
    const rows = docs.slice(i, i + CHUNK).map((d) => sql`(${d.id}, ${documentTokens(d)})`);
    const insert = dialect === 'sqlite'
      ? sql`insert into incident_search (rowid, tokens) values ${sql.join(rows)}`
      : sql`insert into incident_search (incident_id, tokens) values ${sql.join(rows)}`;
    // No result is needed: in a MySQL transaction the insert goes with the next statement.
    await db.executeQuery(deferred(insert.compile(db)));
  }
}

/** Indexes every incident not indexed yet, in id order, in batches (the migration's backfill). */
export async function backfillSearchIndex(db: Kysely<unknown>, dialect: Dialect, batch = 5000): Promise<number> {
  let after = 0;
  let done = 0;
  for (;;) {
    const rows = await sql<{ id: number; code: string; description: string; address: string | null; grid_code: string }>`
      select id, code, description, address, grid_code from incidents where id > ${after} order by id limit ${batch}`.execute(db);
    if (rows.rows.length === 0) return done;
    await indexDocuments(db, dialect, rows.rows.map((r) => ({ id: Number(r.id), code: r.code, description: r.description, address: r.address, gridCode: r.grid_code })));
    after = Number(rows.rows[rows.rows.length - 1]!.id);
    done += rows.rows.length;
  }
}

/**
 * Ids of the incidents matching the query within grid scopes, newest
 * (highest id) first: the index alone answers. On MySQL a district-wide
 * scope token is left out (InnoDB would read its posting list, every
 * incident, to intersect it); the caller reads the rows through the scope
 * filter, so nothing outside the scope is ever shown.
 */
export async function matchingIds(db: Kysely<unknown>, dialect: Dialect, parts: readonly QueryPart[], gridScopes: readonly string[], limit: number, offset: number): Promise<number[]> {
  const narrowing = gridScopes.some((code) => !gridIndexHelps(code)) ? [] : gridScopes;
  const result = await (dialect === 'sqlite'
    ? sql<{ id: number }>`select rowid as id from incident_search where incident_search match ${fts5Match(parts, gridScopes)} order by rowid desc limit ${limit} offset ${offset}`
    : sql<{ id: number }>`select incident_id as id from incident_search where match(tokens) against (${booleanModeMatch(parts, narrowing)} in boolean mode) order by incident_id desc limit ${limit} offset ${offset}`
  ).execute(db);
  return result.rows.map((r) => Number(r.id));
}

/** "The incident's text matches" as a condition on incidents.id, for searches combined with other filters. */
export function textMatches(dialect: Dialect, parts: readonly QueryPart[]): Expression<SqlBool> {
  return dialect === 'sqlite'
    ? sql<SqlBool>`incidents.id in (select rowid from incident_search where incident_search match ${fts5Match(parts, [])})`
    : sql<SqlBool>`incidents.id in (select incident_id from incident_search where match(tokens) against (${booleanModeMatch(parts, [])} in boolean mode))`;
}
