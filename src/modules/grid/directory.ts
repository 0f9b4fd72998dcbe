import type { AppDb } from '../../database.js';
import type { ScopeEntry } from '../../infra/auth/scope.js';

/** Grid nodes as scopes: existence and names for role assignments and pickers. */
export async function describeGridScope(db: AppDb, code: string): Promise<ScopeEntry | null> {
  const row = await db.primary.selectFrom('grids').select(['code', 'name', 'level']).where('code', '=', code).executeTakeFirst();
  return row ? { kind: 'grid', code: row.code, name: row.name, level: row.level } : null;
}

export async function searchGridScopes(db: AppDb, query: string, limit: number): Promise<ScopeEntry[]> {
  let q = db.reader().selectFrom('grids').select(['code', 'name', 'level']).where('status', '=', 'active');
  if (query) q = q.where((eb) => eb.or([eb('code', 'like', `${query}%`), eb('name', 'like', `%${query}%`)]));
  const rows = await q.orderBy('code').limit(limit).execute();
  return rows.map((r) => ({ kind: 'grid', code: r.code, name: r.name, level: r.level }));
}
