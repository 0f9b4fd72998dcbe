import { CompiledQuery, type Insertable, type Kysely, type QueryResult } from 'kysely';
import { deferred } from './mysql-driver.js';

/** Bound parameters per statement: under SQLite's 32766 and MySQL's 65535. */
const MAX_PARAMS = 30_000;
const MAX_ROWS = 1000;

const texts = new Map<string, string>();

/** The SQL text for `rowCount` rows, made once per table, column list and row count (every report and action inserts rows). */
function statementText(table: string, columns: readonly string[], rowCount: number): string {
  const key = `${table}\u0000${rowCount}\u0000${columns.join('\u0000')}`;
  let text = texts.get(key);
  if (text === undefined) {
    const quote = (name: string) => `\`${name.replaceAll('`', '``')}\``;
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${Array(rowCount).fill(tuple).join(', ')}`;
    // Bounded: tables and columns come from code, not from input, but row counts vary.
    if (texts.size >= 1000) texts.clear();
    texts.set(key, text);
  }
  return text;
}

/**
 * Multi-row INSERT: plain `INSERT INTO t (cols) VALUES (?,…),(?,…)` with `?`
 * placeholders, executed as a precompiled query, so a million rows of a bulk
 * load (imports, the demo generator, benchmarks) do not pay the query
 * builder per value, and neither do the statements every report and action
 * runs, where building cost more CPU than executing. Identifiers are quoted
 * with backticks, which both SQLite and MySQL accept. Rows are arrays in
 * column order; answers the result of the last statement.
 */
export async function bulkInsert(
  db: Kysely<unknown>,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  options: InsertOptions = {},
): Promise<QueryResult<never> | null> {
  if (rows.length === 0) return null;
  const per = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / columns.length)));
  let result: QueryResult<never> | null = null;
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const text = statementText(table, columns, chunk.length);
    const params: unknown[] = [];
    for (const r of chunk) {
      if (r.length !== columns.length) throw new Error(`bulkInsert ${table}: row has ${r.length} values for ${columns.length} columns`);
      for (const v of r) params.push(v);
    }
    const query = CompiledQuery.raw(text, params);
    result = await db.executeQuery<never>(options.deferred ? deferred(query) : query);
  }
  return result;
}

export interface InsertOptions {
  /** The caller needs no id or count back: in a MySQL transaction the insert goes with the next statement (mysql-driver.ts `deferred`). */
  deferred?: boolean;
}

/**
 * bulkInsert of typed rows that share one set of columns (the first row's).
 * An undefined value is bound as null (the query builder would leave the
 * column out).
 */
export async function insertRows<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
  rows: readonly Insertable<DB[T]>[],
  options: InsertOptions = {},
): Promise<QueryResult<never>> {
  const first = rows[0];
  if (!first) throw new Error(`insertRows: no rows for ${table}`);
  const columns = Object.keys(first);
  const values = rows.map((row) => {
    const r = row as Record<string, unknown>;
    if (Object.keys(r).length !== columns.length) throw new Error(`insertRows: rows for ${table} differ in their columns`);
    return columns.map((c) => r[c] ?? null);
  });
  return (await bulkInsert(db as Kysely<unknown>, table, columns, values, options))!;
}
