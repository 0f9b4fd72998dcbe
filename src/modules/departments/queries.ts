import type { AppDb } from '../../database.js';
import type { ScopeEntry } from '../../infra/auth/scope.js';

export async function describeDepartment(db: AppDb, code: string): Promise<ScopeEntry | null> {
  const row = await db.primary.selectFrom('departments').select(['code', 'name']).where('code', '=', code).executeTakeFirst();
  return row ? { kind: 'department', code: row.code, name: row.name, level: 'department' } : null;
}

export async function searchDepartments(db: AppDb, query: string, limit: number): Promise<ScopeEntry[]> {
  let q = db.reader().selectFrom('departments').select(['code', 'name']).where('status', '=', 'active');
  if (query) q = q.where((eb) => eb.or([eb('code', 'like', `${query}%`), eb('name', 'like', `%${query}%`)]));
  const rows = await q.orderBy('code').limit(limit).execute();
  return rows.map((r) => ({ kind: 'department', code: r.code, name: r.name, level: 'department' }));
}

export interface DepartmentSeed {
  code: string;
  name: string;
  nameEn: string;
}

/** Inserts departments that do not exist yet (demo and first start). */
export async function ensureDepartments(db: AppDb, departments: readonly DepartmentSeed[], now = Date.now()): Promise<number> {
  const existing = new Set((await db.primary.selectFrom('departments').select('code').execute()).map((r) => r.code));
  const missing = departments.filter((d) => !existing.has(d.code));
  if (missing.length > 0) {
    await db.primary
      .insertInto('departments')
      .values(missing.map((d) => ({ code: d.code, name: d.name, name_en: d.nameEn, status: 'active' as const, created_at: now, updated_at: now })))
      .execute();
  }
  return missing.length;
}
