/**
 * Pure geometry on GeoJSON Polygon / MultiPolygon in WGS84 ([lng, lat]).
 *
 * Boundary rule (shared with the Locator so both always agree): a point is
 * inside when a ray towards +x crosses the boundary an odd number of times,
 * where an edge is crossed when one end is strictly above the point and the
 * other is not, and the point is strictly left of the edge. That half-open
 * rule acts as if the point were nudged up and right by an infinitesimal, so
 * a point on an edge shared by two polygons of a tiling belongs to exactly
 * one of them: the one to its right (or above, for a horizontal edge).
 * The side test is computed on the edge with its endpoints in a canonical
 * order (lower end first), so both polygons sharing the edge get the very
 * same floating-point result whichever direction their rings run.
 */
import Flatbush from 'flatbush';
import { difference, intersection, union } from 'polyclip-ts';
import { levelOfCode, validateChildCode } from './codes.js';
import type { BBox, GridFeature, GridGeometry, Position, Ring } from './types.js';

/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS_M = 6371008.8;
const M_PER_DEG = (Math.PI / 180) * EARTH_RADIUS_M;

/** Every polygon of a geometry as a list of rings (exterior first). */
export function polygonsOf(geometry: GridGeometry): Ring[][] {
  return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
}

/** Every ring of a geometry, exteriors and holes alike. */
export function ringsOf(geometry: GridGeometry): Ring[] {
  return geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
}

/** [minLng, minLat, maxLng, maxLat] over every position. */
export function bboxOf(geometry: GridGeometry): BBox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const ring of ringsOf(geometry)) {
    for (const p of ring) {
      const x = p[0];
      const y = p[1];
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  return [minX, minY, maxX, maxY];
}

export function bboxesIntersect(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/**
 * Even-odd test over a set of rings (a polygon with holes, or all parts of a
 * multipolygon), with the half-open boundary rule described at the top.
 */
export function pointInRings(rings: readonly Ring[], x: number, y: number): boolean {
  let inside = false;
  for (const ring of rings) {
    const n = ring.length;
    if (n < 2) continue;
    let px = ring[n - 1]![0];
    let py = ring[n - 1]![1];
    for (let i = 0; i < n; i++) {
      const qx = ring[i]![0];
      const qy = ring[i]![1];
      // Crossed when exactly one end is strictly above y and the point is
      // strictly left of the edge taken lower end first. Locator.contains
      // repeats this expression verbatim; keep the two identical.
      if (py > y !== qy > y) {
        const cross = py < qy ? (qx - px) * (y - py) - (qy - py) * (x - px) : (px - qx) * (y - qy) - (py - qy) * (x - qx);
        if (cross > 0) inside = !inside;
      }
      px = qx;
      py = qy;
    }
  }
  return inside;
}

/**
 * Point in Polygon/MultiPolygon. Parts of a MultiPolygon must not overlap
 * (GeoJSON validity), so one even-odd count over all rings is exact.
 */
export function pointInGeometry(geometry: GridGeometry, lng: number, lat: number): boolean {
  return pointInRings(ringsOf(geometry), lng, lat);
}

export function isRingClosed(ring: readonly Position[]): boolean {
  if (ring.length === 0) return false;
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  return first[0] === last[0] && first[1] === last[1];
}

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/** c is on segment ab, given that a, b, c are collinear. */
function onSegment(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): boolean {
  return Math.min(ax, bx) <= cx && cx <= Math.max(ax, bx) && Math.min(ay, by) <= cy && cy <= Math.max(ay, by);
}

/** Closed segments ab and cd share at least one point. */
export function segmentsIntersect(
  ax: number, ay: number, bx: number, by: number,
  cx: number, cy: number, dx: number, dy: number,
): boolean {
  const o1 = orient(ax, ay, bx, by, cx, cy);
  const o2 = orient(ax, ay, bx, by, dx, dy);
  const o3 = orient(cx, cy, dx, dy, ax, ay);
  const o4 = orient(cx, cy, dx, dy, bx, by);
  if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
  if (o1 === 0 && onSegment(ax, ay, bx, by, cx, cy)) return true;
  if (o2 === 0 && onSegment(ax, ay, bx, by, dx, dy)) return true;
  if (o3 === 0 && onSegment(cx, cy, dx, dy, ax, ay)) return true;
  if (o4 === 0 && onSegment(cx, cy, dx, dy, bx, by)) return true;
  return false;
}

export interface SelfIntersection {
  /** Indexes (into the ring without repeated consecutive positions) of the two edges' start vertices. */
  edgeA: number;
  edgeB: number;
}

/**
 * The first pair of edges of a closed ring that meet anywhere other than at
 * the vertex joining consecutive edges, or null for a simple ring. A
 * consecutive pair that folds back on itself (a spike) counts too.
 * Edges are swept in order of their west end, so only edges whose x ranges
 * overlap are compared: near O(n log n) for real boundaries.
 */
export function ringSelfIntersection(ring: readonly Position[]): SelfIntersection | null {
  const pts: Position[] = [];
  for (const p of ring) {
    const last = pts[pts.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
  }
  if (pts.length > 1 && isRingClosed(pts)) pts.pop();
  const n = pts.length;
  if (n < 3) return null;
  const minX = new Float64Array(n);
  const maxX = new Float64Array(n);
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = pts[i]!;
    const b = pts[(i + 1) % n]!;
    minX[i] = Math.min(a[0], b[0]);
    maxX[i] = Math.max(a[0], b[0]);
    order.push(i);
  }
  order.sort((i, j) => minX[i]! - minX[j]!);
  for (let oi = 0; oi < n; oi++) {
    const i = order[oi]!;
    const a = pts[i]!;
    const b = pts[(i + 1) % n]!;
    for (let oj = oi + 1; oj < n; oj++) {
      const j = order[oj]!;
      if (minX[j]! > maxX[i]!) break;
      const c = pts[j]!;
      const d = pts[(j + 1) % n]!;
      if (Math.min(c[1], d[1]) > Math.max(a[1], b[1]) || Math.min(a[1], b[1]) > Math.max(c[1], d[1])) continue;
      const adjacent = (i + 1) % n === j || (j + 1) % n === i;
      if (adjacent) {
        // Consecutive edges u→v→w share v; they overlap only if w folds back along u→v.
        const [u, v, w] = (i + 1) % n === j ? [a, b, d] : [c, d, b];
        if (orient(u[0], u[1], v[0], v[1], w[0], w[1]) === 0 && (u[0] - v[0]) * (w[0] - v[0]) + (u[1] - v[1]) * (w[1] - v[1]) > 0) {
          return { edgeA: Math.min(i, j), edgeB: Math.max(i, j) };
        }
        continue;
      }
      if (segmentsIntersect(a[0], a[1], b[0], b[1], c[0], c[1], d[0], d[1])) {
        return { edgeA: Math.min(i, j), edgeB: Math.max(i, j) };
      }
    }
  }
  return null;
}

/**
 * Signed ring area in m² on a local equirectangular projection about
 * latitude `refLat` (positive when counter-clockwise). Accurate to well under
 * 0.1% at district scale; pass one refLat for areas that are compared.
 */
export function ringSignedAreaM2(ring: readonly Position[], refLat: number): number {
  const n = ring.length;
  if (n < 3) return 0;
  const kx = M_PER_DEG * Math.cos((refLat * Math.PI) / 180);
  const ky = M_PER_DEG;
  // Offsets from the first vertex keep the shoelace sum free of cancellation.
  const ox = ring[0]![0];
  const oy = ring[0]![1];
  let sum = 0;
  let prev = ring[n - 1]!;
  for (let i = 0; i < n; i++) {
    const cur = ring[i]!;
    sum += (prev[0] - ox) * (cur[1] - oy) - (cur[0] - ox) * (prev[1] - oy);
    prev = cur;
  }
  return (sum / 2) * kx * ky;
}

/** Area in m² of polygons given as ring lists (exterior minus holes). */
export function polygonsAreaM2(polygons: readonly (readonly Ring[])[], refLat: number): number {
  let total = 0;
  for (const rings of polygons) {
    rings.forEach((ring, k) => {
      const a = Math.abs(ringSignedAreaM2(ring, refLat));
      total += k === 0 ? a : -a;
    });
  }
  return total;
}

/** Area in m²; refLat defaults to the middle of the geometry's bbox. */
export function areaM2(geometry: GridGeometry, refLat?: number): number {
  const lat = refLat ?? (() => {
    const b = bboxOf(geometry);
    return (b[1] + b[3]) / 2;
  })();
  return polygonsAreaM2(polygonsOf(geometry), lat);
}

// ---------------------------------------------------------------------------
// Validation of an imported grid tree
// ---------------------------------------------------------------------------

export type GridProblemCode =
  | 'GEOMETRY_INVALID'
  | 'RING_NOT_CLOSED'
  | 'RING_SELF_INTERSECTS'
  | 'OUTSIDE_PARENT'
  | 'SIBLINGS_OVERLAP'
  | 'GAP_IN_PARENT'
  | 'CODE_NOT_NESTED'
  | 'DUPLICATE_CODE'
  | 'PARENT_MISSING';

export interface GridProblem {
  code: GridProblemCode;
  featureCode: string;
  otherCode?: string;
  /** English; the UI translates by `code`. */
  message: string;
  details: Record<string, unknown>;
}

export type ValidatableFeature = Pick<GridFeature, 'code' | 'level' | 'parentCode' | 'geometry'>;

export interface ValidateOptions {
  /** Two siblings may overlap by this much (m²) before it is a problem: absorbs digitizing slivers. */
  overlapToleranceM2: number;
  /** A parent may be left uncovered by its children by this much (m²). */
  gapToleranceM2: number;
  /** A child may stick out of its parent by this much (m²); defaults to overlapToleranceM2. */
  outsideToleranceM2?: number;
}

function isPosition(p: unknown): p is Position {
  return Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

/** Structural problems that make a geometry unusable for anything else, or null. */
function geometryStructureProblem(geometry: unknown): string | null {
  if (typeof geometry !== 'object' || geometry === null) return 'geometry is missing';
  const g = geometry as { type?: unknown; coordinates?: unknown };
  if (g.type !== 'Polygon' && g.type !== 'MultiPolygon') return `geometry type ${String(g.type)} is not Polygon or MultiPolygon`;
  if (!Array.isArray(g.coordinates) || g.coordinates.length === 0) return 'geometry has no coordinates';
  const polygons: unknown[] = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  for (const poly of polygons) {
    if (!Array.isArray(poly) || poly.length === 0) return 'polygon has no rings';
    for (const ring of poly) {
      if (!Array.isArray(ring)) return 'ring is not an array';
      if (ring.length < 4) return `ring has ${ring.length} positions, at least 4 are needed`;
      if (!ring.every(isPosition)) return 'ring has a position that is not a pair of finite numbers';
    }
  }
  return null;
}

function clipArea(result: ClipMultiPolygon, refLat: number): number {
  return polygonsAreaM2(result, refLat);
}

/** The bbox of the largest part of a clip result, to point a reviewer at it. */
function largestPart(result: ClipMultiPolygon, refLat: number): { areaM2: number; bbox: BBox } | null {
  let best: { areaM2: number; bbox: BBox } | null = null;
  for (const poly of result) {
    const a = polygonsAreaM2([poly], refLat);
    if (!best || a > best.areaM2) best = { areaM2: a, bbox: bboxOf({ type: 'Polygon', coordinates: poly }) };
  }
  return best;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

type ClipMultiPolygon = Ring[][];

function clipGeom(geometry: GridGeometry): Ring[][] {
  return polygonsOf(geometry);
}

/**
 * Checks a whole grid tree and reports every problem found (it does not stop
 * at the first). Area checks use polygon clipping per parent: the union of
 * the children is computed once, and its area against the children's summed
 * area tells whether any pair overlaps at all (the excess bounds every
 * pairwise overlap), so the pairwise clipping through a bbox index only runs
 * for parents that actually have overlaps. Features whose geometry is broken
 * are reported and left out of the area checks, whose results would be noise.
 */
export function validateGridTree(features: readonly ValidatableFeature[], options: ValidateOptions): GridProblem[] {
  const problems: GridProblem[] = [];
  const outsideTolerance = options.outsideToleranceM2 ?? options.overlapToleranceM2;
  const byCode = new Map<string, ValidatableFeature>();
  const usable = new Set<ValidatableFeature>();

  for (const [index, f] of features.entries()) {
    if (byCode.has(f.code)) {
      problems.push({
        code: 'DUPLICATE_CODE',
        featureCode: f.code,
        message: `Grid code ${f.code} appears more than once; only the first (index ${features.indexOf(byCode.get(f.code)!)}) is checked`,
        details: { index },
      });
      continue;
    }
    byCode.set(f.code, f);
    if (checkGeometry(f, problems)) usable.add(f);
  }

  const children = new Map<string | null, ValidatableFeature[]>();
  for (const f of byCode.values()) {
    checkCode(f, byCode, problems);
    const key = f.parentCode !== null && byCode.has(f.parentCode) ? f.parentCode : f.parentCode === null ? null : undefined;
    if (key === undefined) continue;
    const list = children.get(key) ?? [];
    list.push(f);
    children.set(key, list);
  }

  for (const parent of byCode.values()) {
    if (parent.level === 'unit' || !usable.has(parent)) continue;
    guardClipping(parent.code, problems, () =>
      checkCoverage(parent, children.get(parent.code) ?? [], usable, options, outsideTolerance, problems),
    );
  }
  const roots = (children.get(null) ?? []).filter((f) => usable.has(f));
  if (roots.length > 1) {
    guardClipping(roots[0]!.code, problems, () => checkSiblingOverlaps(roots, refLatOf(roots), options.overlapToleranceM2, problems));
  }
  return problems;
}

/**
 * Polygon clipping can still fail on degenerate input that passed the ring
 * checks (e.g. zero-area rings); an import gets a report, never an exception.
 */
function guardClipping(featureCode: string, problems: GridProblem[], check: () => void): void {
  try {
    check();
  } catch (error) {
    problems.push({
      code: 'GEOMETRY_INVALID',
      featureCode,
      message: `Grid ${featureCode}: area checks of it and its children failed: ${error instanceof Error ? error.message : String(error)}`,
      details: { reason: 'CLIP_FAILED' },
    });
  }
}

function checkGeometry(f: ValidatableFeature, problems: GridProblem[]): boolean {
  const structural = geometryStructureProblem(f.geometry);
  if (structural !== null) {
    problems.push({ code: 'GEOMETRY_INVALID', featureCode: f.code, message: `Grid ${f.code}: ${structural}`, details: {} });
    return false;
  }
  let ok = true;
  polygonsOf(f.geometry).forEach((rings, polygon) => {
    rings.forEach((ring, ringIndex) => {
      if (!isRingClosed(ring)) {
        ok = false;
        problems.push({
          code: 'RING_NOT_CLOSED',
          featureCode: f.code,
          message: `Grid ${f.code}: ring ${ringIndex} of polygon ${polygon} does not end where it starts`,
          details: { polygon, ring: ringIndex, first: ring[0], last: ring[ring.length - 1] },
        });
        return;
      }
      const hit = ringSelfIntersection(ring);
      if (hit) {
        ok = false;
        problems.push({
          code: 'RING_SELF_INTERSECTS',
          featureCode: f.code,
          message: `Grid ${f.code}: ring ${ringIndex} of polygon ${polygon} crosses or touches itself`,
          details: { polygon, ring: ringIndex, edgeA: hit.edgeA, edgeB: hit.edgeB },
        });
      }
    });
  });
  return ok;
}

function checkCode(f: ValidatableFeature, byCode: Map<string, ValidatableFeature>, problems: GridProblem[]): void {
  const shapeLevel = levelOfCode(f.code);
  if (shapeLevel !== f.level) {
    problems.push({
      code: 'CODE_NOT_NESTED',
      featureCode: f.code,
      message: `Grid ${f.code}: code shape does not match level ${f.level}`,
      details: { reason: shapeLevel === null ? 'GRID_CODE_MALFORMED' : 'GRID_CODE_LEVEL_MISMATCH', level: f.level, codeLevel: shapeLevel },
    });
  }
  if (f.parentCode === null) {
    if (f.level !== 'district') {
      problems.push({
        code: 'PARENT_MISSING',
        featureCode: f.code,
        message: `Grid ${f.code} (${f.level}) has no parent; only a district may be a root`,
        details: { parentCode: null },
      });
    }
    return;
  }
  const reason = validateChildCode(f.parentCode, f.code);
  if (reason !== null) {
    problems.push({
      code: 'CODE_NOT_NESTED',
      featureCode: f.code,
      otherCode: f.parentCode,
      message: `Grid ${f.code} cannot be a child of ${f.parentCode}: a child's code is its parent's code plus 3 digits`,
      details: { reason },
    });
  }
  if (!byCode.has(f.parentCode)) {
    problems.push({
      code: 'PARENT_MISSING',
      featureCode: f.code,
      otherCode: f.parentCode,
      message: `Grid ${f.code}: parent ${f.parentCode} is not in the import`,
      details: { parentCode: f.parentCode },
    });
  }
}

function refLatOf(fs: readonly ValidatableFeature[]): number {
  let minY = Infinity;
  let maxY = -Infinity;
  for (const f of fs) {
    const b = bboxOf(f.geometry);
    minY = Math.min(minY, b[1]);
    maxY = Math.max(maxY, b[3]);
  }
  return (minY + maxY) / 2;
}

function checkCoverage(
  parent: ValidatableFeature,
  all: readonly ValidatableFeature[],
  usable: ReadonlySet<ValidatableFeature>,
  options: ValidateOptions,
  outsideTolerance: number,
  problems: GridProblem[],
): void {
  const kids = all.filter((c) => usable.has(c));
  // One reference latitude per family, so summed and clipped areas are comparable.
  const refLat = refLatOf([parent]);
  const parentGeom = clipGeom(parent.geometry);
  let covered: ClipMultiPolygon = [];
  if (kids.length > 0) {
    const [first, ...rest] = kids.map((k) => clipGeom(k.geometry));
    covered = union(first!, ...rest);
    const summed = kids.reduce((s, k) => s + areaM2(k.geometry, refLat), 0);
    if (summed - clipArea(covered, refLat) > options.overlapToleranceM2) {
      checkSiblingOverlaps(kids, refLat, options.overlapToleranceM2, problems);
    }
    if (clipArea(difference(covered, parentGeom), refLat) > outsideTolerance) {
      for (const k of kids) {
        const outside = difference(clipGeom(k.geometry), parentGeom);
        const a = clipArea(outside, refLat);
        if (a > outsideTolerance) {
          problems.push({
            code: 'OUTSIDE_PARENT',
            featureCode: k.code,
            otherCode: parent.code,
            message: `Grid ${k.code} extends ${round(a)} m² outside its parent ${parent.code}`,
            details: { areaM2: round(a), toleranceM2: outsideTolerance, largest: largestPart(outside, refLat) },
          });
        }
      }
    }
  }
  // A broken child would show up as a gap it does not really leave.
  if (kids.length !== all.length) return;
  const gap = kids.length > 0 ? difference(parentGeom, covered) : parentGeom;
  const gapArea = clipArea(gap, refLat);
  if (gapArea > options.gapToleranceM2) {
    problems.push({
      code: 'GAP_IN_PARENT',
      featureCode: parent.code,
      message: `Grid ${parent.code}: ${round(gapArea)} m² is not covered by any of its ${kids.length} children`,
      details: { areaM2: round(gapArea), toleranceM2: options.gapToleranceM2, parts: gap.length, childCount: kids.length, largest: largestPart(gap, refLat) },
    });
  }
}

function checkSiblingOverlaps(kids: readonly ValidatableFeature[], refLat: number, tolerance: number, problems: GridProblem[]): void {
  const index = new Flatbush(kids.length);
  const boxes = kids.map((k) => bboxOf(k.geometry));
  for (const b of boxes) index.add(b[0], b[1], b[2], b[3]);
  index.finish();
  kids.forEach((a, i) => {
    const b = boxes[i]!;
    const candidates = index.search(b[0], b[1], b[2], b[3]).filter((j) => j > i).sort((x, y) => x - y);
    for (const j of candidates) {
      const other = kids[j]!;
      const overlap = intersection(clipGeom(a.geometry), clipGeom(other.geometry));
      const area = clipArea(overlap, refLat);
      if (area > tolerance) {
        problems.push({
          code: 'SIBLINGS_OVERLAP',
          featureCode: a.code,
          otherCode: other.code,
          message: `Grids ${a.code} and ${other.code} overlap by ${round(area)} m²`,
          details: { areaM2: round(area), toleranceM2: tolerance, largest: largestPart(overlap, refLat) },
        });
      }
    }
  });
}

/**
 * Checks a flat partition (a department's own grids, 专业网格): every ring
 * closed and simple (the same rules as the tree), codes unique, and no two
 * grids overlapping beyond the tolerance. Unlike the tree there is no parent
 * to cover, so gaps are allowed: a department need not cover the district.
 */
export function validatePartition(
  features: ReadonlyArray<Pick<GridFeature, 'code' | 'geometry'>>,
  options: { overlapToleranceM2: number },
): GridProblem[] {
  const problems: GridProblem[] = [];
  const seen = new Map<string, number>();
  const usable: ValidatableFeature[] = [];
  features.forEach((f, index) => {
    const first = seen.get(f.code);
    if (first !== undefined) {
      problems.push({ code: 'DUPLICATE_CODE', featureCode: f.code, message: `Grid code ${f.code} appears more than once; only the first (index ${first}) is checked`, details: { index } });
      return;
    }
    seen.set(f.code, index);
    const v: ValidatableFeature = { code: f.code, level: 'unit', parentCode: null, geometry: f.geometry };
    if (checkGeometry(v, problems)) usable.push(v);
  });
  if (usable.length > 1) {
    guardClipping(usable[0]!.code, problems, () => checkSiblingOverlaps(usable, refLatOf(usable), options.overlapToleranceM2, problems));
  }
  return problems;
}
