import { CompiledQuery, type Insertable, type Kysely, type QueryResult } from 'kysely';

const statements = new Map<string, string>();

/**
 * INSERT of rows that share one set of columns, its SQL text made once per
 * table, column list and row count. On the hot write paths (every report,
 * every action) the query builder's parsing of insert values cost more CPU
 * than the database's insert itself. Identifiers are quoted with backticks,
 * which both SQLite and MySQL accept; an undefined value is bound as null
 * (the query builder would leave the column out).
 */
export async function insertRows<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
  rows: readonly Insertable<DB[T]>[],
): Promise<QueryResult<never>> {
  const first = rows[0];
  if (!first) throw new Error(`insertRows: no rows for ${table}`);
  const columns = Object.keys(first);
  const key = `${table}\u0000${rows.length}\u0000${columns.join('\u0000')}`;
  let text = statements.get(key);
  if (text === undefined) {
    const quote = (name: string) => `\`${name.replaceAll('`', '``')}\``;
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    text = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${Array.from({ length: rows.length }, () => tuple).join(', ')}`;
    // Bounded: the keys come from code, not from input, but row counts vary.
    if (statements.size >= 1000) statements.clear();
    statements.set(key, text);
  }
  const parameters: unknown[] = [];
  for (const row of rows) {
    const values = row as Record<string, unknown>;
    if (Object.keys(values).length !== columns.length) throw new Error(`insertRows: rows for ${table} differ in their columns`);
    for (const column of columns) parameters.push(values[column] ?? null);
  }
  return db.executeQuery<never>(CompiledQuery.raw(text, parameters));
}
