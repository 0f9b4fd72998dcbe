import { describe, expect, it } from 'vitest';
import { generateDemoDistrict } from '../demo/district.js';
import { createRandom } from '../demo/random.js';
import { pointInGeometry, ringsOf } from './geometry.js';
import { Locator, bruteForceLocate } from './locator.js';
import { feature, pt, rect, ring, validTree } from './test-fixtures.js';

const units = validTree().filter((f) => f.level === 'unit');
const [U1, U2, U3, U4] = units.map((u) => u.code) as [string, string, string, string];

describe('Locator on a hand-made tree', () => {
  const locator = new Locator(units);

  it('finds the unit grid of interior points', () => {
    expect(locator.locate(...pt(1, 1))).toBe(U1);
    expect(locator.locate(...pt(1, 3))).toBe(U2);
    expect(locator.locate(...pt(3.9, 3.9))).toBe(U3);
  });

  it('finds the grid that fills another grid’s hole', () => {
    expect(locator.locate(...pt(3.25, 1.25))).toBe(U4);
    expect(locator.locate(...pt(2.9, 1.25))).toBe(U3);
  });

  it('answers null outside the district and for non-numbers', () => {
    expect(locator.locate(...pt(-0.1, 1))).toBeNull();
    expect(locator.locate(...pt(5, 5))).toBeNull();
    expect(locator.locate(0, 0)).toBeNull();
    expect(locator.locate(Number.NaN, 28)).toBeNull();
    expect(locator.locateIndex(...pt(9, 9))).toBe(-1);
  });

  it('resolves points on shared edges and vertices to exactly one grid', () => {
    const cases: Array<[[number, number], string]> = [
      [[2, 1], U3], // vertical edge U1|U3: the grid to the right
      [[1, 2], U2], // horizontal edge U1|U2: the grid above
      [[2, 2], U3], // vertex of U1, U2, U3
      [[3, 1.25], U4], // hole edge: left side of the hole
      [[3.5, 1.25], U3], // hole edge: right side of the hole
      [[3.25, 1.5], U3], // top of the hole
      [[3.25, 1], U4], // bottom of the hole
    ];
    for (const [[x, y], expected] of cases) {
      const p = pt(x, y);
      expect(locator.locate(...p)).toBe(expected);
      expect(bruteForceLocate(units, ...p)).toBe(expected);
      expect(units.filter((u) => pointInGeometry(u.geometry, ...p))).toHaveLength(1);
    }
  });

  it('treats the right and top edges of the district as outside', () => {
    expect(locator.locate(...pt(0, 1))).toBe(U1);
    expect(locator.locate(...pt(4, 1))).toBeNull();
    expect(locator.locate(...pt(1, 4))).toBeNull();
  });

  it('lets the first grid win where grids overlap, like the brute force', () => {
    const overlapping = [feature('430111001001001', 'unit', null, [rect(0, 0, 2, 2)]), feature('430111001001002', 'unit', null, [rect(1, 1, 3, 3)])];
    const l = new Locator(overlapping);
    expect(l.locate(...pt(1.5, 1.5))).toBe('430111001001001');
    expect(bruteForceLocate(overlapping, ...pt(1.5, 1.5))).toBe('430111001001001');
    expect(new Locator([...overlapping].reverse()).locate(...pt(1.5, 1.5))).toBe('430111001001002');
  });

  it('handles MultiPolygon grids', () => {
    const multi = { code: '430111001001003', geometry: { type: 'MultiPolygon' as const, coordinates: [[rect(10, 10, 11, 11)], [rect(12, 10, 13, 11)]] } };
    const l = new Locator([...units, multi]);
    expect(l.locate(...pt(10.5, 10.5))).toBe(multi.code);
    expect(l.locate(...pt(12.5, 10.5))).toBe(multi.code);
    expect(l.locate(...pt(11.5, 10.5))).toBeNull();
  });

  it('returns the ancestor chain by the code prefix rule, or a custom lookup', () => {
    expect(locator.locateChain(...pt(1, 1))).toEqual({ unit: U1, ancestors: ['430111001001', '430111001', '430111'] });
    const custom = new Locator(units, { parentOf: (c) => (c === U1 ? 'X' : null) });
    expect(custom.locateChain(...pt(1, 1))).toEqual({ unit: U1, ancestors: ['X'] });
    expect(locator.locateChain(...pt(9, 9))).toBeNull();
  });

  it('works with no grids at all', () => {
    expect(new Locator([]).locate(113, 28)).toBeNull();
  });

  it('resolves every point along a shared slanted edge to one grid', () => {
    const a = feature('430111001001001', 'unit', null, [ring([0, 0], [3, 0], [1, 5], [0, 5])]);
    const b = feature('430111001001002', 'unit', null, [ring([3, 0], [6, 0], [6, 5], [1, 5])]);
    const l = new Locator([a, b]);
    const [ax, ay] = pt(3, 0);
    const [bx, by] = pt(1, 5);
    for (let i = 0; i < 500; i++) {
      const t = i / 500;
      const x = ax + (bx - ax) * t;
      const y = ay + (by - ay) * t;
      const found = l.locate(x, y);
      expect(found).not.toBeNull();
      expect(found).toBe(bruteForceLocate([a, b], x, y));
    }
  });
});

describe('Locator on the demo district', () => {
  const tree = generateDemoDistrict({ seed: 3, scale: 0.1 });
  const demoUnits = tree.filter((f) => f.level === 'unit');
  const district = tree.find((f) => f.level === 'district')!;
  const locator = new Locator(demoUnits);

  it('agrees with the brute force on random points', () => {
    const rng = createRandom(11);
    const [x0, y0, x1, y1] = [112.98, 28.03, 113.16, 28.2];
    let inside = 0;
    for (let i = 0; i < 5000; i++) {
      const x = rng.range(x0, x1);
      const y = rng.range(y0, y1);
      const found = locator.locate(x, y);
      expect(found).toBe(bruteForceLocate(demoUnits, x, y));
      expect(found !== null).toBe(pointInGeometry(district.geometry, x, y));
      if (found !== null) inside++;
    }
    expect(inside).toBeGreaterThan(1000);
  });

  it('gives every vertex and every point along shared edges exactly one grid', () => {
    const rng = createRandom(12);
    let checked = 0;
    for (const unit of demoUnits) {
      for (const r of ringsOf(unit.geometry)) {
        for (let i = 0; i + 1 < r.length; i++) {
          const [ax, ay] = r[i]!;
          const [bx, by] = r[i + 1]!;
          for (const t of [0, 0.5, rng.next()]) {
            const x = ax + (bx - ax) * t;
            const y = ay + (by - ay) * t;
            const owners = demoUnits.filter((u) => pointInGeometry(u.geometry, x, y)).length;
            // Points on the district's outer boundary may have no owner, never two.
            expect(owners).toBeLessThanOrEqual(1);
            if (pointInGeometry(district.geometry, x, y)) expect(owners).toBe(1);
            expect(locator.locate(x, y)).toBe(bruteForceLocate(demoUnits, x, y));
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
