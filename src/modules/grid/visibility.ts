/**
 * Which grid nodes a caller may see, as a data-layer filter.
 *
 * - A grid scope shows its whole subtree (the prefix rule, `scopeFilter`).
 * - The ancestors of a scope node are visible too (code, name, outline), so
 *   that tree navigation and parent chains work; their child lists and
 *   counts are still filtered, so siblings of the scope stay hidden.
 * - A department scope (a handler's) shows the whole territory read-only:
 *   departments handle cases anywhere in the district and need the map.
 * Anything else reads as 404 (never 403), so codes cannot be probed.
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../database.js';
import type { Principal } from '../../infra/auth/principal.js';
import { gridInScope, scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { ancestorCodes } from './rules/codes.js';

export interface GridVisibility {
  /** Sees the whole territory (a department scope). */
  all: boolean;
  /** Grid scopes: their subtrees are visible. */
  scopes: Scope[];
  /** Ancestors of the grid scopes: visible for navigation. */
  ancestors: string[];
}

export function gridVisibility(principal: Principal, permission = 'grid.read'): GridVisibility {
  const scopes = principal.scopesFor(permission);
  const all = scopes.some((s) => s.kind === 'department');
  const grid = scopes.filter((s) => s.kind === 'grid');
  const ancestors = new Set<string>();
  for (const s of grid) for (const a of ancestorCodes(s.code)) ancestors.add(a);
  return { all, scopes: grid, ancestors: [...ancestors] };
}

/** Everything (for the CLI and the system). */
export const SEE_ALL: GridVisibility = { all: true, scopes: [], ancestors: [] };

export function canSeeGrid(v: GridVisibility, code: string): boolean {
  return v.all || gridInScope(code, v.scopes) || v.ancestors.includes(code);
}

/** The code lies inside a scope's subtree (not merely an ancestor of one). */
export function inScopeSubtree(v: GridVisibility, code: string): boolean {
  return v.all || gridInScope(code, v.scopes);
}

type GridEb = ExpressionBuilder<Database, 'grids'>;

/** WHERE filter over `grids.code` for what the caller sees; ancestors only when asked (tree navigation). */
export function visibleGrids(eb: GridEb, v: GridVisibility, withAncestors = true): Expression<SqlBool> {
  if (v.all) return sql<SqlBool>`1 = 1`;
  const subtree = scopeFilter(eb, v.scopes, { grid: 'grids.code' });
  if (!withAncestors || v.ancestors.length === 0) return subtree;
  return eb.or([subtree, eb('grids.code', 'in', v.ancestors)]);
}
