import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';

/**
 * A role assignment's scope: a node of the grid tree (identified by its grid
 * code; every descendant's code begins with it) or a department.
 */
export type Scope = { kind: 'grid'; code: string } | { kind: 'department'; code: string };

/** The district is the root of the grid tree: a 6-digit administrative division code. */
export const DISTRICT_CODE_LENGTH = 6;

export function scopeKey(scope: Scope): string {
  return `${scope.kind}:${scope.code}`;
}

export function gridInScope(gridCode: string, scopes: readonly Scope[]): boolean {
  return scopes.some((s) => s.kind === 'grid' && gridCode.startsWith(s.code));
}

export function departmentInScope(departmentCode: string, scopes: readonly Scope[]): boolean {
  return scopes.some((s) => s.kind === 'department' && s.code === departmentCode);
}

/**
 * "Code begins with `code`" as a range, `code <= col < code + ':'`: codes are
 * digits only and ':' sorts right after '9', so the range holds exactly the
 * codes under the prefix. Unlike LIKE (case-insensitive in SQLite, so never
 * served by a plain index there) a range uses the column's index on both
 * databases. `useIndex: false` writes the column as `+col`, which keeps
 * SQLite's planner from driving the query by that column's index (MySQL
 * ignores the +). Anything but digits is refused.
 */
export function codePrefix(column: string, code: string, options: { useIndex?: boolean } = {}): Expression<SqlBool> {
  if (!/^\d{1,20}$/.test(code)) throw new Error(`invalid code prefix: ${code}`);
  const ref = options.useIndex === false ? sql`+${sql.ref(column)}` : sql.ref(column);
  return sql<SqlBool>`(${ref} >= ${code} and ${ref} < ${`${code}:`})`;
}

/**
 * Whether a grid prefix should drive a query through the grid-code index: a
 * district-wide prefix holds (nearly) every row, so that index never narrows
 * anything, and a filter's index or the sort order serves far better.
 */
export function gridIndexHelps(code: string): boolean {
  return code.length > DISTRICT_CODE_LENGTH;
}

const NOTHING = sql<SqlBool>`1 = 0`;

/**
 * The data-layer filter for scoped rows: a row is visible when its grid code
 * lies under one of the caller's grid scopes, or (when the table has one) its
 * department column equals one of the caller's department scopes. No scopes,
 * no rows.
 */
export function scopeFilter<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  scopes: readonly Scope[],
  columns: { grid?: string; department?: string },
  options: { useGridIndex?: boolean } = {},
): Expression<SqlBool> {
  const ors: Expression<SqlBool>[] = [];
  for (const s of scopes) {
    if (s.kind === 'grid' && columns.grid) {
      ors.push(codePrefix(columns.grid, s.code, { useIndex: (options.useGridIndex ?? true) && gridIndexHelps(s.code) }));
    } else if (s.kind === 'department' && columns.department) {
      ors.push(sql<SqlBool>`${sql.ref(columns.department)} = ${s.code}`);
    }
  }
  if (ors.length === 0) return NOTHING;
  return eb.or(ors);
}

/**
 * Whether `outer` contains `inner`: a grid scope contains the grid nodes
 * under it; a district-level grid scope also contains every department.
 */
export function scopeCovers(outer: Scope, inner: Scope): boolean {
  if (outer.kind === 'grid') {
    if (inner.kind === 'grid') return inner.code.startsWith(outer.code);
    return outer.code.length === DISTRICT_CODE_LENGTH;
  }
  return inner.kind === 'department' && inner.code === outer.code;
}

export interface ScopeEntry {
  kind: Scope['kind'];
  code: string;
  name: string;
  level: 'district' | 'street' | 'community' | 'unit' | 'department';
}

/** Names and existence of scopes; the grid and department modules answer it. */
export interface ScopeDirectory {
  describe(scope: Scope): Promise<ScopeEntry | null>;
  search(query: string, limit: number): Promise<ScopeEntry[]>;
}
