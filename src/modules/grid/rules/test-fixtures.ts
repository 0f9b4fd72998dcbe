/**
 * Small hand-made grid trees for the geometry and locator tests. Coordinates
 * are in units of 0.001° (about 100 m) from (113°E, 28°N), computed by one
 * function so that shared vertices are bit-identical.
 */
import type { GridLevel } from './codes.js';
import type { GridFeature, Position, Ring } from './types.js';

export const STEP = 0.001;
export const LNG0 = 113;
export const LAT0 = 28;

export function pt(x: number, y: number): Position {
  return [LNG0 + x * STEP, LAT0 + y * STEP];
}

/** Closed ring through the given lattice points, in the order given. */
export function ring(...points: Array<[number, number]>): Ring {
  const r = points.map(([x, y]) => pt(x, y));
  r.push([r[0]![0], r[0]![1]]);
  return r;
}

/** Counter-clockwise rectangle. */
export function rect(x0: number, y0: number, x1: number, y1: number): Ring {
  return ring([x0, y0], [x1, y0], [x1, y1], [x0, y1]);
}

export function feature(code: string, level: GridLevel, parentCode: string | null, rings: Ring[]): GridFeature {
  return { code, level, parentCode, name: code, geometry: { type: 'Polygon', coordinates: rings } };
}

/**
 * A valid 4-level tree on a 4×4 square:
 *   streets 001 (x 0..2) and 002 (x 2..4), one community each, covering them;
 *   community 001001: units 001 (y 0..2) and 002 (y 2..4), sharing a horizontal edge;
 *   community 002001: unit 001 is the whole half with a hole (3,1)-(3.5,1.5),
 *     and unit 002 fills the hole exactly.
 */
export function validTree(): GridFeature[] {
  return [
    feature('430111', 'district', null, [rect(0, 0, 4, 4)]),
    feature('430111001', 'street', '430111', [rect(0, 0, 2, 4)]),
    feature('430111002', 'street', '430111', [rect(2, 0, 4, 4)]),
    feature('430111001001', 'community', '430111001', [rect(0, 0, 2, 4)]),
    feature('430111002001', 'community', '430111002', [rect(2, 0, 4, 4)]),
    feature('430111001001001', 'unit', '430111001001', [rect(0, 0, 2, 2)]),
    feature('430111001001002', 'unit', '430111001001', [rect(0, 2, 2, 4)]),
    feature('430111002001001', 'unit', '430111002001', [rect(2, 0, 4, 4), ring([3, 1], [3, 1.5], [3.5, 1.5], [3.5, 1])]),
    feature('430111002001002', 'unit', '430111002001', [rect(3, 1, 3.5, 1.5)]),
  ];
}
