import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';

export interface CappedTotal {
  /** Matches, at most the cap. */
  total: number;
  /** More than `total` match: counting stopped at the cap. */
  totalCapped: boolean;
}

/**
 * Counts what a query matches, stopping after `cap` + 1 rows: counting every
 * match of a broad filter at full size costs more than the page itself.
 */
export async function countUpTo<DB, TB extends keyof DB>(db: Kysely<DB>, query: SelectQueryBuilder<DB, TB, object>, cap: number): Promise<CappedTotal> {
  const limited = query.select(sql<number>`1`.as('one')).limit(cap + 1);
  // Over the derived table the schema is irrelevant; Kysely cannot type it for any DB.
  const row = await (db as unknown as Kysely<object>).selectFrom(limited.as('matched')).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  const n = Number(row.n);
  return n > cap ? { total: cap, totalCapped: true } : { total: n, totalCapped: false };
}
