/**
 * Grid codes (网格码), Beijing 15-digit form:
 *   district  6 digits  administrative division code, e.g. 430111
 *   street    9 digits  district + 3
 *   community 12 digits street + 3
 *   unit      15 digits community + 3
 *
 * Invariant relied on by scope filtering: a grid's code begins with the codes
 * of all its ancestors, so "is X inside scope S" is `X.startsWith(S)` and a
 * scope's subtree is one `LIKE 'S%'` range scan. validateChildCode() is the
 * one gate that keeps this true when grids are created or imported.
 */

export type GridLevel = 'district' | 'street' | 'community' | 'unit';

/** Root first. */
export const GRID_LEVELS: readonly GridLevel[] = ['district', 'street', 'community', 'unit'];

/** Code length per level. */
export const GRID_CODE_LENGTH: Readonly<Record<GridLevel, number>> = {
  district: 6,
  street: 9,
  community: 12,
  unit: 15,
};

export type GridCodeError =
  | 'GRID_CODE_MALFORMED'
  | 'GRID_CODE_NOT_NESTED'
  | 'GRID_CODE_LEVEL_SKIPPED'
  | 'GRID_CODE_ZERO_SEGMENT';

export interface ParsedGridCode {
  code: string;
  level: GridLevel;
  district: string;
  street?: string;
  community?: string;
  unit?: string;
}

export type ParseResult = { ok: true; value: ParsedGridCode } | { ok: false; error: GridCodeError };

const LEVEL_BY_LENGTH = new Map<number, GridLevel>(GRID_LEVELS.map((l) => [GRID_CODE_LENGTH[l], l]));
const DIGITS = /^[0-9]+$/;

/** The level a code's shape denotes, or null when it is not a grid code. */
export function levelOfCode(code: string): GridLevel | null {
  if (!DIGITS.test(code)) return null;
  return LEVEL_BY_LENGTH.get(code.length) ?? null;
}

export function levelIndex(level: GridLevel): number {
  return GRID_LEVELS.indexOf(level);
}

/**
 * Splits a code into its segments. Segments below the district must not be
 * "000": zero is how the national scheme spells "no such level", so a
 * street 430111000 would be ambiguous with the district itself.
 */
export function parseGridCode(code: string): ParseResult {
  const level = levelOfCode(code);
  if (level === null) return { ok: false, error: 'GRID_CODE_MALFORMED' };
  if (code.startsWith('000000')) return { ok: false, error: 'GRID_CODE_MALFORMED' };
  const value: ParsedGridCode = { code, level, district: code.slice(0, 6) };
  const segments: Array<['street' | 'community' | 'unit', number]> = [
    ['street', 6],
    ['community', 9],
    ['unit', 12],
  ];
  for (const [name, start] of segments) {
    if (code.length <= start) break;
    const segment = code.slice(start, start + 3);
    if (segment === '000') return { ok: false, error: 'GRID_CODE_ZERO_SEGMENT' };
    value[name] = segment;
  }
  return { ok: true, value };
}

/** The parent's code (the code minus its last segment); null for a district or a malformed code. */
export function parentCode(code: string): string | null {
  const level = levelOfCode(code);
  if (level === null || level === 'district') return null;
  return code.slice(0, code.length - 3);
}

/** Codes of all ancestors, root first, excluding the code itself. */
export function ancestorCodes(code: string): string[] {
  const out: string[] = [];
  for (let p = parentCode(code); p !== null; p = parentCode(p)) out.unshift(p);
  return out;
}

/**
 * True when `child` lies strictly below `ancestor` in the tree. This is the
 * prefix rule, so it holds without looking anything up.
 */
export function isDescendantCode(child: string, ancestor: string): boolean {
  if (levelOfCode(child) === null || levelOfCode(ancestor) === null) return false;
  return child.length > ancestor.length && child.startsWith(ancestor);
}

/** Null when `childCode` may be a direct child of `parentCode`, else the stable error code. */
export function validateChildCode(parent: string, childCode: string): GridCodeError | null {
  const p = parseGridCode(parent);
  if (!p.ok) return p.error;
  const c = parseGridCode(childCode);
  if (!c.ok) return c.error;
  if (!childCode.startsWith(parent)) return 'GRID_CODE_NOT_NESTED';
  if (levelIndex(c.value.level) !== levelIndex(p.value.level) + 1) return 'GRID_CODE_LEVEL_SKIPPED';
  return null;
}
