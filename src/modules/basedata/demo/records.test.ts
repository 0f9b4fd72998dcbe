import { describe, expect, it } from 'vitest';
import { parseCreditCode } from '../rules/credit-code.js';
import { generateGridRecords, type RecordGrid } from './records.js';

const grids: RecordGrid[] = Array.from({ length: 50 }, (_, i) => ({
  code: `430111001001${String(i + 1).padStart(3, '0')}`, name: `第${i + 1}网格`, minLng: 113 + i * 0.01, minLat: 28.1, maxLng: 113.008 + i * 0.01, maxLat: 28.108,
}));

describe('demo base data records', () => {
  const all = grids.map((g, i) => generateGridRecords(7, g, i));

  it('gives every unit grid several buildings with dwellings, and places and components', () => {
    for (const r of all) {
      expect(r.buildings.length).toBeGreaterThanOrEqual(2);
      expect(r.places.length).toBeGreaterThanOrEqual(1);
      expect(r.components.length).toBeGreaterThanOrEqual(3);
      expect(new Set(r.buildings.map((b) => b.name)).size).toBe(r.buildings.length);
      for (const b of r.buildings) {
        expect(b.dwellings.length).toBeGreaterThan(0);
        const rooms = b.dwellings.map((d) => d.roomNo);
        expect(new Set(rooms).size).toBe(rooms.length);
      }
    }
    expect(all.reduce((n, r) => n + r.organizations.length, 0)).toBeGreaterThan(0);
  });

  it('places everything inside its grid box', () => {
    all.forEach((r, i) => {
      const g = grids[i]!;
      for (const p of [...r.buildings, ...r.places, ...r.components]) {
        expect(p.lng).toBeGreaterThanOrEqual(g.minLng);
        expect(p.lng).toBeLessThanOrEqual(g.maxLng);
        expect(p.lat).toBeGreaterThanOrEqual(g.minLat);
        expect(p.lat).toBeLessThanOrEqual(g.maxLat);
      }
    });
  });

  it('makes valid, distinct credit codes across grids', () => {
    const codes = all.flatMap((r) => r.organizations.map((o) => o.creditCode));
    for (const c of codes) expect(parseCreditCode(c).ok, c).toBe(true);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('is deterministic in its seed and grid', () => {
    expect(generateGridRecords(7, grids[3]!, 3)).toEqual(all[3]);
    expect(generateGridRecords(8, grids[3]!, 3)).not.toEqual(all[3]);
  });
});
