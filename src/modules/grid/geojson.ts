/**
 * GeoJSON in and out of the grid module: reading import files into grid
 * features (with every problem reported, never thrown), writing the tree
 * back out, and the small geometry helpers the API needs (coordinate
 * rounding, an interior label point, touching neighbours).
 */
import { levelOfCode, parentCode, parseGridCode, type GridLevel, GRID_LEVELS } from './rules/codes.js';
import { bboxesIntersect, bboxOf, polygonsOf, ringsOf, segmentsIntersect } from './rules/geometry.js';
import type { GridFeature, GridGeometry, Position } from './rules/types.js';

/** A problem of an import: the rules' codes (validateGridTree) plus those found while reading files. */
export interface ImportProblem {
  code: string;
  featureCode?: string;
  otherCode?: string;
  /** Which file (0-based, in the order given) and which feature in it, when the problem is tied to one. */
  file?: number;
  index?: number;
  message: string;
  details: Record<string, unknown>;
}

export interface ReadResult {
  features: GridFeature[];
  /** Free properties of each feature besides code/name/level/parent, by code. */
  attributes: Map<string, Record<string, unknown>>;
  problems: ImportProblem[];
  /** Where each code first appears (file and feature index), to point later problems at it. */
  origin: Map<string, { file: number; index: number }>;
}

const RESERVED = new Set(['code', 'name', 'level', 'parent', 'parentCode', 'parent_code']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/**
 * Reads one or more FeatureCollections (one file, or one per level) into grid
 * features. Properties: `code` (required), `name` (required), `level`
 * (optional, inferred from the code length), `parent` (optional, inferred
 * from the code). Geometry is checked later by validateGridTree; here only
 * what makes a feature unreadable is reported.
 */
export function readFeatureCollections(files: readonly unknown[]): ReadResult {
  const features: GridFeature[] = [];
  const attributes = new Map<string, Record<string, unknown>>();
  const problems: ImportProblem[] = [];
  const origin = new Map<string, { file: number; index: number }>();
  files.forEach((file, fileIndex) => {
    if (!isObject(file) || file.type !== 'FeatureCollection' || !Array.isArray(file.features)) {
      problems.push({ code: 'FILE_INVALID', file: fileIndex, message: `File ${fileIndex + 1} is not a GeoJSON FeatureCollection`, details: {} });
      return;
    }
    file.features.forEach((raw: unknown, index: number) => {
      const where = { file: fileIndex, index };
      if (!isObject(raw) || raw.type !== 'Feature') {
        problems.push({ code: 'FEATURE_INVALID', ...where, message: `File ${fileIndex + 1}, feature ${index}: not a GeoJSON Feature`, details: {} });
        return;
      }
      const props = isObject(raw.properties) ? raw.properties : {};
      const code = str(props.code);
      if (code && !origin.has(code)) origin.set(code, where);
      const name = str(props.name);
      if (!code) {
        problems.push({ code: 'FEATURE_INVALID', ...where, message: `File ${fileIndex + 1}, feature ${index}: property "code" is missing`, details: { property: 'code' } });
        return;
      }
      const parsed = parseGridCode(code);
      if (!parsed.ok) {
        problems.push({
          code: 'CODE_MALFORMED', featureCode: code, ...where,
          message: `Grid code ${code} is not a grid code: 6, 9, 12 or 15 digits, no 000 segment below the district`,
          details: { reason: parsed.error },
        });
        return;
      }
      if (!name) {
        problems.push({ code: 'FEATURE_INVALID', featureCode: code, ...where, message: `Grid ${code}: property "name" is missing`, details: { property: 'name' } });
        return;
      }
      if (name.length > 100) {
        problems.push({ code: 'FEATURE_INVALID', featureCode: code, ...where, message: `Grid ${code}: the name is longer than 100 characters`, details: { property: 'name' } });
        return;
      }
      const shapeLevel = levelOfCode(code)!;
      const givenLevel = str(props.level);
      let level: GridLevel = shapeLevel;
      if (givenLevel) {
        if (!(GRID_LEVELS as readonly string[]).includes(givenLevel)) {
          problems.push({ code: 'FEATURE_INVALID', featureCode: code, ...where, message: `Grid ${code}: level "${givenLevel}" is not district, street, community or unit`, details: { property: 'level' } });
          return;
        }
        // A mismatch is reported by validateGridTree (CODE_NOT_NESTED, GRID_CODE_LEVEL_MISMATCH).
        level = givenLevel as GridLevel;
      }
      const givenParent = str(props.parent ?? props.parentCode ?? props.parent_code);
      const parent = givenParent ? givenParent : parentCode(code);
      const rest: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) if (!RESERVED.has(k)) rest[k] = v;
      if (Object.keys(rest).length > 0) attributes.set(code, rest);
      features.push({ code, name, level, parentCode: parent, geometry: raw.geometry as GridGeometry });
    });
  });
  return { features, attributes, problems, origin };
}

/** Coordinates rounded to `decimals` places (6 ≈ 0.1 m), consecutive duplicates dropped, rings kept closed. */
export function roundGeometry(geometry: GridGeometry, decimals = 6): GridGeometry {
  const f = 10 ** decimals;
  const ring = (r: Position[]): Position[] => {
    const out: Position[] = [];
    for (const p of r) {
      const q: Position = [Math.round(p[0] * f) / f, Math.round(p[1] * f) / f];
      const last = out[out.length - 1];
      if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
    }
    return out;
  };
  return geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: geometry.coordinates.map(ring) }
    : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((poly) => poly.map(ring)) };
}

/**
 * A point inside the geometry for a label or a fly-to target: on the
 * horizontal line through the middle of the largest part's bbox (nudged off
 * vertices), the midpoint of the widest interval inside the polygon. Unlike
 * the centroid it is inside concave shapes and shapes with holes.
 */
export function interiorPoint(geometry: GridGeometry): Position {
  let best: { rings: Position[][]; boxArea: number } | null = null;
  for (const rings of polygonsOf(geometry)) {
    const b = bboxOf({ type: 'Polygon', coordinates: rings });
    const boxArea = (b[2] - b[0]) * (b[3] - b[1]);
    if (!best || boxArea > best.boxArea) best = { rings, boxArea };
  }
  const rings = best!.rings;
  const b = bboxOf({ type: 'Polygon', coordinates: rings });
  let fallback: Position = [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
  for (const frac of [0.5, 0.37, 0.63, 0.25, 0.75, 0.13, 0.87]) {
    const y = b[1] + (b[3] - b[1]) * frac + (b[3] - b[1]) * 1.234e-7;
    const xs: number[] = [];
    for (const ring of rings) {
      for (let i = 1; i < ring.length; i++) {
        const [x1, y1] = ring[i - 1]!;
        const [x2, y2] = ring[i]!;
        if (y1 > y !== y2 > y) xs.push(x1 + ((y - y1) / (y2 - y1)) * (x2 - x1));
      }
    }
    xs.sort((a, c) => a - c);
    let widest = -1;
    for (let i = 0; i + 1 < xs.length; i += 2) {
      const w = xs[i + 1]! - xs[i]!;
      if (w > widest) {
        widest = w;
        fallback = [(xs[i]! + xs[i + 1]!) / 2, y];
      }
    }
    if (widest > 0) return fallback;
  }
  return fallback;
}

/**
 * Whether two geometries share at least one boundary point (a common edge
 * or a touching corner). Interiors are not compared: siblings of a valid
 * tree do not overlap. Edges are compared pairwise after a bbox rejection
 * per ring, fine for unit grids of tens to hundreds of vertices.
 */
export function geometriesTouch(a: GridGeometry, b: GridGeometry): boolean {
  if (!bboxesIntersect(bboxOf(a), bboxOf(b))) return false;
  const ringsB = ringsOf(b).map((r) => ({ r, box: bboxOf({ type: 'Polygon', coordinates: [r] }) }));
  for (const ra of ringsOf(a)) {
    const boxA = bboxOf({ type: 'Polygon', coordinates: [ra] });
    for (const { r: rb, box } of ringsB) {
      if (!bboxesIntersect(boxA, box)) continue;
      for (let i = 1; i < ra.length; i++) {
        const p = ra[i - 1]!;
        const q = ra[i]!;
        const minX = Math.min(p[0], q[0]);
        const maxX = Math.max(p[0], q[0]);
        const minY = Math.min(p[1], q[1]);
        const maxY = Math.max(p[1], q[1]);
        for (let j = 1; j < rb.length; j++) {
          const s = rb[j - 1]!;
          const t = rb[j]!;
          if (Math.max(s[0], t[0]) < minX || Math.min(s[0], t[0]) > maxX || Math.max(s[1], t[1]) < minY || Math.min(s[1], t[1]) > maxY) continue;
          if (segmentsIntersect(p[0], p[1], q[0], q[1], s[0], s[1], t[0], t[1])) return true;
        }
      }
    }
  }
  return false;
}

export interface ExportFeature {
  type: 'Feature';
  properties: { code: string; name: string; level: GridLevel; parent: string | null } & Record<string, unknown>;
  geometry: GridGeometry;
}

export interface FeatureCollection<F = ExportFeature> {
  type: 'FeatureCollection';
  features: F[];
}
