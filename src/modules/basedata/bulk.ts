import { CompiledQuery, type Kysely } from 'kysely';
import type { Dialect } from '../../infra/db/database.js';

/** Bound parameters per statement: under SQLite's 32766 and MySQL's 65535. */
const MAX_PARAMS = 30_000;
const MAX_ROWS = 1000;

/**
 * Multi-row INSERT for bulk loads (imports, the demo generator, benchmarks):
 * plain `INSERT INTO t (cols) VALUES (?,…),(?,…)` with `?` placeholders,
 * which both dialects accept, executed as a precompiled query so a million
 * rows do not pay Kysely's query building per value. Identifiers are quoted
 * per dialect. Rows are arrays in column order.
 */
export async function bulkInsert(db: Kysely<unknown>, dialect: Dialect, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
  if (rows.length === 0) return;
  const q = (name: string) => (dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const per = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / columns.length)));
  const head = `insert into ${q(table)} (${columns.map(q).join(', ')}) values `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  let fullText: string | null = null;
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const text = chunk.length === per ? (fullText ??= head + Array(per).fill(tuple).join(', ')) : head + Array(chunk.length).fill(tuple).join(', ');
    const params: unknown[] = [];
    for (const r of chunk) {
      if (r.length !== columns.length) throw new Error(`bulkInsert ${table}: row has ${r.length} values for ${columns.length} columns`);
      for (const v of r) params.push(v);
    }
    await db.executeQuery(CompiledQuery.raw(text, params));
  }
}
