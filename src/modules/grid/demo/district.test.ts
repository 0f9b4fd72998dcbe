import { describe, expect, it } from 'vitest';
import { levelOfCode, validateChildCode } from '../rules/codes.js';
import { areaM2, bboxOf, validateGridTree } from '../rules/geometry.js';
import type { GridFeature } from '../rules/types.js';
import { DEMO_BBOX, demoCounts, generateDemoDistrict } from './district.js';

function count(features: GridFeature[], level: GridFeature['level']): number {
  return features.filter((f) => f.level === level).length;
}

const TOL = { overlapToleranceM2: 1, gapToleranceM2: 1 };

describe('generateDemoDistrict', () => {
  const full = generateDemoDistrict({ seed: 1, scale: 1 });

  it('has the reference counts at scale 1', () => {
    expect(count(full, 'district')).toBe(1);
    expect(count(full, 'street')).toBe(12);
    expect(count(full, 'community')).toBe(179);
    expect(count(full, 'unit')).toBe(951);
  });

  it('tiles the district exactly at scale 1: zero validation problems', () => {
    expect(validateGridTree(full, TOL)).toEqual([]);
  });

  it('scales the counts down and stays fast', () => {
    const t0 = performance.now();
    const small = generateDemoDistrict({ seed: 1, scale: 0.1 });
    const ms = performance.now() - t0;
    expect([count(small, 'street'), count(small, 'community'), count(small, 'unit')]).toEqual([1, 18, 95]);
    // Generous bound for loaded CI machines; it takes about 0.1 s.
    expect(ms).toBeLessThan(3000);
    expect(validateGridTree(small, TOL)).toEqual([]);
    expect(demoCounts(0.5)).toEqual({ streets: 6, communities: 90, units: 476 });
    expect(demoCounts(0.001)).toEqual({ streets: 1, communities: 1, units: 1 });
    expect(() => demoCounts(0)).toThrow(RangeError);
  });

  it('is deterministic for a seed and varies with it', () => {
    expect(generateDemoDistrict({ seed: 1, scale: 0.2 })).toEqual(generateDemoDistrict({ seed: 1, scale: 0.2 }));
    expect(JSON.stringify(generateDemoDistrict({ seed: 1, scale: 1 }))).toBe(JSON.stringify(full));
    expect(generateDemoDistrict({ seed: 2, scale: 0.2 })).not.toEqual(generateDemoDistrict({ seed: 1, scale: 0.2 }));
  });

  it('lists parents before children, with nested codes, in code order per level', () => {
    const seen = new Set<string>();
    for (const f of full) {
      expect(levelOfCode(f.code)).toBe(f.level);
      if (f.parentCode === null) expect(f.code).toBe('430111');
      else {
        expect(seen.has(f.parentCode)).toBe(true);
        expect(validateChildCode(f.parentCode, f.code)).toBeNull();
      }
      seen.add(f.code);
    }
    const streets = full.filter((f) => f.level === 'street').map((f) => f.code);
    expect(streets).toEqual(Array.from({ length: 12 }, (_, i) => `430111${String(i + 1).padStart(3, '0')}`));
  });

  it('stays inside the district bbox and has a plausible size', () => {
    const district = full[0]!;
    const [x0, y0, x1, y1] = bboxOf(district.geometry);
    expect(x0).toBeGreaterThanOrEqual(DEMO_BBOX[0]);
    expect(y0).toBeGreaterThanOrEqual(DEMO_BBOX[1]);
    expect(x1).toBeLessThanOrEqual(DEMO_BBOX[2]);
    expect(y1).toBeLessThanOrEqual(DEMO_BBOX[3]);
    const km2 = areaM2(district.geometry) / 1e6;
    expect(km2).toBeGreaterThan(150);
    expect(km2).toBeLessThan(335);
  });

  it('uses Chinese names of the right kind', () => {
    expect(full[0]!.name).toBe('雨花区');
    const streets = full.filter((f) => f.level === 'street');
    expect(streets.filter((s) => s.name.endsWith('镇'))).toHaveLength(2);
    expect(streets.filter((s) => s.name.endsWith('街道'))).toHaveLength(10);
    const towns = new Set(streets.filter((s) => s.name.endsWith('镇')).map((s) => s.code));
    for (const c of full.filter((f) => f.level === 'community')) {
      expect(c.name.endsWith(towns.has(c.parentCode!) ? '村' : '社区')).toBe(true);
    }
    const communityName = new Map(full.filter((f) => f.level === 'community').map((c) => [c.code, c.name]));
    for (const u of full.filter((f) => f.level === 'unit')) {
      expect(u.name).toMatch(new RegExp(`^${communityName.get(u.parentCode!)!}第\\d+网格$`));
    }
    const names = full.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
