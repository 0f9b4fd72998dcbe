import { describe, expect, it } from 'vitest';
import {
  areaM2,
  bboxOf,
  isRingClosed,
  pointInGeometry,
  ringSelfIntersection,
  segmentsIntersect,
  validateGridTree,
  type GridProblem,
  type ValidatableFeature,
} from './geometry.js';
import { LAT0, LNG0, STEP, feature, pt, rect, ring, validTree } from './test-fixtures.js';
import type { GridGeometry } from './types.js';

const TOL = { overlapToleranceM2: 1, gapToleranceM2: 1 };

function poly(...rings: ReturnType<typeof rect>[]): GridGeometry {
  return { type: 'Polygon', coordinates: rings };
}

function kinds(problems: GridProblem[]): string[] {
  return problems.map((p) => `${p.code} ${p.featureCode}${p.otherCode ? ` ${p.otherCode}` : ''}`).sort();
}

function replace(tree: ValidatableFeature[], code: string, patch: Partial<ValidatableFeature>): ValidatableFeature[] {
  return tree.map((f) => (f.code === code ? { ...f, ...patch } : f));
}

describe('bbox, closure and area', () => {
  it('computes the bbox over every ring and part', () => {
    const g: GridGeometry = { type: 'MultiPolygon', coordinates: [[rect(0, 0, 1, 1)], [rect(3, -2, 4, 5)]] };
    expect(bboxOf(g)).toEqual([LNG0, LAT0 - 2 * STEP, LNG0 + 4 * STEP, LAT0 + 5 * STEP]);
  });

  it('detects unclosed rings', () => {
    expect(isRingClosed(rect(0, 0, 1, 1))).toBe(true);
    expect(isRingClosed(rect(0, 0, 1, 1).slice(0, -1))).toBe(false);
    expect(isRingClosed([])).toBe(false);
  });

  it('measures area in square metres, holes subtracted', () => {
    // 0.001° × 0.001° at 28°N ≈ 111.2 m × 98.2 m.
    const expected = (Math.PI / 180) * 6371008.8 * ((Math.PI / 180) * 6371008.8 * Math.cos((28.0005 * Math.PI) / 180)) * STEP * STEP;
    expect(areaM2(poly(rect(0, 0, 1, 1)))).toBeCloseTo(expected, 3);
    expect(areaM2(poly(rect(0, 0, 1, 1)))).toBeGreaterThan(10_900);
    expect(areaM2(poly(rect(0, 0, 1, 1)))).toBeLessThan(11_000);
    const withHole = areaM2(poly(rect(0, 0, 2, 2), ring([0.5, 0.5], [0.5, 1.5], [1.5, 1.5], [1.5, 0.5])), 28.001);
    expect(withHole / areaM2(poly(rect(0, 0, 1, 1)), 28.001)).toBeCloseTo(3, 6);
    // Winding does not matter for the area.
    expect(areaM2(poly(ring([0, 0], [0, 1], [1, 1], [1, 0])))).toBeCloseTo(areaM2(poly(rect(0, 0, 1, 1))), 6);
  });
});

describe('self-intersection', () => {
  it('accepts simple rings, including concave ones', () => {
    expect(ringSelfIntersection(rect(0, 0, 1, 1))).toBeNull();
    expect(ringSelfIntersection(ring([0, 0], [4, 0], [4, 4], [2, 1], [0, 4]))).toBeNull();
    // A repeated vertex is not a crossing.
    expect(ringSelfIntersection(ring([0, 0], [1, 0], [1, 0], [1, 1], [0, 1]))).toBeNull();
  });

  it('finds a bow tie, a touching vertex and a spike', () => {
    expect(ringSelfIntersection(ring([0, 0], [2, 2], [2, 0], [0, 2]))).not.toBeNull();
    expect(ringSelfIntersection(ring([0, 0], [4, 0], [2, 2], [4, 4], [0, 4], [2, 2]))).not.toBeNull();
    expect(ringSelfIntersection(ring([0, 0], [2, 0], [3, 0], [1, 0], [1, 1]))).not.toBeNull();
  });

  it('handles a few thousand vertices quickly', () => {
    const n = 4000;
    const star: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) {
      const a = (2 * Math.PI * i) / n;
      const r = i % 2 === 0 ? 10 : 9;
      star.push([r * Math.cos(a), r * Math.sin(a)]);
    }
    const t0 = performance.now();
    expect(ringSelfIntersection(ring(...star))).toBeNull();
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('tests closed segments', () => {
    expect(segmentsIntersect(0, 0, 2, 2, 0, 2, 2, 0)).toBe(true);
    expect(segmentsIntersect(0, 0, 1, 0, 1, 0, 2, 1)).toBe(true);
    expect(segmentsIntersect(0, 0, 1, 0, 2, 0, 3, 0)).toBe(false);
    expect(segmentsIntersect(0, 0, 2, 0, 1, 0, 3, 0)).toBe(true);
  });
});

describe('point in polygon', () => {
  const square = poly(rect(0, 0, 2, 2), ring([0.5, 0.5], [0.5, 1.5], [1.5, 1.5], [1.5, 0.5]));

  it('respects holes', () => {
    expect(pointInGeometry(square, ...pt(0.25, 0.25))).toBe(true);
    expect(pointInGeometry(square, ...pt(1, 1))).toBe(false);
    expect(pointInGeometry(square, ...pt(3, 1))).toBe(false);
  });

  it('puts boundary points on the right and upper side, deterministically', () => {
    // Left and bottom edges belong to the polygon, right and top edges do not.
    expect(pointInGeometry(square, ...pt(0, 0.25))).toBe(true);
    expect(pointInGeometry(square, ...pt(2, 0.25))).toBe(false);
    expect(pointInGeometry(square, ...pt(0.25, 0))).toBe(true);
    expect(pointInGeometry(square, ...pt(0.25, 2))).toBe(false);
    expect(pointInGeometry(square, ...pt(0, 0))).toBe(true);
    expect(pointInGeometry(square, ...pt(2, 2))).toBe(false);
  });

  it('gives a point on a shared slanted edge to exactly one of the two polygons', () => {
    const left = poly(ring([0, 0], [3, 0], [1, 5], [0, 5]));
    const right = poly(ring([3, 0], [6, 0], [6, 5], [1, 5]));
    const [ax, ay] = pt(3, 0);
    const [bx, by] = pt(1, 5);
    for (let i = 0; i <= 1000; i++) {
      const t = i / 1000;
      const x = ax + (bx - ax) * t;
      const y = ay + (by - ay) * t;
      const owners = Number(pointInGeometry(left, x, y)) + Number(pointInGeometry(right, x, y));
      if (i === 1000) expect(owners).toBe(0); // the top vertex lies on the outer boundary
      else expect(owners).toBe(1);
    }
  });
});

describe('validateGridTree', () => {
  it('accepts a valid tree, holes included', () => {
    expect(validateGridTree(validTree(), TOL)).toEqual([]);
  });

  it('reports RING_NOT_CLOSED', () => {
    const open = rect(0, 0, 2, 2).slice(0, -1);
    const problems = validateGridTree(replace(validTree(), '430111001001001', { geometry: poly(open) }), TOL);
    expect(kinds(problems)).toEqual(['RING_NOT_CLOSED 430111001001001']);
    expect(problems[0]!.message).toMatch(/does not end where it starts/);
  });

  it('reports RING_SELF_INTERSECTS and leaves the broken grid out of area checks', () => {
    const bowTie = ring([0, 0], [2, 2], [2, 0], [0, 2]);
    const problems = validateGridTree(replace(validTree(), '430111001001001', { geometry: poly(bowTie) }), TOL);
    expect(kinds(problems)).toEqual(['RING_SELF_INTERSECTS 430111001001001']);
  });

  it('reports GEOMETRY_INVALID for rings too short or wrong types', () => {
    const tree = replace(validTree(), '430111001001001', {
      geometry: { type: 'Polygon', coordinates: [[pt(0, 0), pt(1, 0), pt(0, 0)]] },
    });
    const broken = { ...tree[6]!, geometry: { type: 'Point', coordinates: [113, 28] } as unknown as GridGeometry };
    const problems = validateGridTree([...tree.slice(0, 6), broken, ...tree.slice(7)], TOL);
    expect(kinds(problems)).toEqual(['GEOMETRY_INVALID 430111001001001', 'GEOMETRY_INVALID 430111001001002']);
  });

  it('reports OUTSIDE_PARENT beyond the tolerance', () => {
    const tree = replace(validTree(), '430111001001002', { geometry: poly(rect(0, 2, 2, 4.5)) });
    const problems = validateGridTree(tree, TOL);
    expect(kinds(problems)).toEqual(['OUTSIDE_PARENT 430111001001002 430111001001']);
    // Half a cell: 0.5 × 0.001° × 2 × 0.001° ≈ 10,900 m².
    expect(problems[0]!.details.areaM2).toBeGreaterThan(10_800);
    expect(problems[0]!.details.areaM2).toBeLessThan(11_000);
    expect(validateGridTree(tree, { ...TOL, outsideToleranceM2: 20_000 })).toEqual([]);
  });

  it('reports SIBLINGS_OVERLAP beyond the tolerance, once per pair', () => {
    const tree = replace(validTree(), '430111001001001', { geometry: poly(rect(0, 0, 2, 2.1)) });
    const problems = validateGridTree(tree, TOL);
    expect(kinds(problems)).toEqual(['SIBLINGS_OVERLAP 430111001001001 430111001001002']);
    expect(problems[0]!.details.areaM2).toBeGreaterThan(2000);
    expect(validateGridTree(tree, { ...TOL, overlapToleranceM2: 5000 })).toEqual([]);
  });

  it('reports GAP_IN_PARENT beyond the tolerance', () => {
    const tree = replace(validTree(), '430111001001002', { geometry: poly(rect(0, 2.5, 2, 4)) });
    const problems = validateGridTree(tree, TOL);
    expect(kinds(problems)).toEqual(['GAP_IN_PARENT 430111001001']);
    expect(problems[0]!.details).toMatchObject({ parts: 1, childCount: 2 });
    expect(validateGridTree(tree, { ...TOL, gapToleranceM2: 20_000 })).toEqual([]);
  });

  it('reports a parent with no children at all as a gap', () => {
    const tree = validTree().filter((f) => f.parentCode !== '430111002001');
    expect(kinds(validateGridTree(tree, TOL))).toEqual(['GAP_IN_PARENT 430111002001']);
  });

  it('reports CODE_NOT_NESTED for a wrong prefix, a skipped level and a level mismatch', () => {
    const tree: ValidatableFeature[] = validTree().map((f) => {
      if (f.code === '430111001001002') return { ...f, code: '430111002001009' };
      if (f.code === '430111002') return { ...f, level: 'community' };
      return f;
    });
    tree.push(feature('430111001001', 'community', '430111', [rect(0, 0, 0, 0)]));
    const problems = validateGridTree(tree, TOL);
    const nested = problems.filter((p) => p.code === 'CODE_NOT_NESTED');
    expect(nested.map((p) => [p.featureCode, p.details.reason])).toEqual([
      ['430111002', 'GRID_CODE_LEVEL_MISMATCH'],
      ['430111002001009', 'GRID_CODE_NOT_NESTED'],
    ]);
    expect(kinds(problems)).toContain('DUPLICATE_CODE 430111001001');
  });

  it('reports DUPLICATE_CODE and checks only the first occurrence', () => {
    const tree = validTree();
    tree.push({ ...tree[5]!, geometry: poly(rect(10, 10, 11, 11)) });
    const problems = validateGridTree(tree, TOL);
    expect(kinds(problems)).toEqual(['DUPLICATE_CODE 430111001001001']);
    expect(problems[0]!.details).toEqual({ index: 9 });
  });

  it('reports PARENT_MISSING for a lost parent and for a non-district root', () => {
    const tree = validTree().filter((f) => f.code !== '430111002001');
    tree.push(feature('430111003', 'street', null, [rect(4, 0, 5, 1)]));
    const problems = validateGridTree(tree, TOL);
    expect(kinds(problems)).toEqual([
      'GAP_IN_PARENT 430111002',
      'GAP_IN_PARENT 430111003',
      'PARENT_MISSING 430111002001001 430111002001',
      'PARENT_MISSING 430111002001002 430111002001',
      'PARENT_MISSING 430111003',
    ]);
    expect(problems.every((p) => p.message.length > 0)).toBe(true);
  });

  it('reports overlapping roots', () => {
    const tree = [...validTree(), feature('430112', 'district', null, [rect(3, 3, 6, 6)])];
    // The second district has no children, so it is one big gap too.
    expect(kinds(validateGridTree(tree, TOL))).toEqual(['GAP_IN_PARENT 430112', 'SIBLINGS_OVERLAP 430111 430112']);
  });
});
