import { describe, expect, it } from 'vitest';
import { haversineM } from '../../incidents/service.js';
import { coarsen } from './coarsen.js';

describe('public map coarsening', () => {
  it('moves a point to its cell centre, at most half a cell diagonal away', () => {
    for (const [lng, lat] of [[112.9935, 28.1356], [113.0001, 28.0999], [-0.0004, 51.4779]] as const) {
      for (const cell of [50, 100, 500]) {
        const c = coarsen(lng, lat, cell);
        expect(haversineM(lng, lat, c.lng, c.lat)).toBeLessThanOrEqual((cell * Math.SQRT2) / 2 + 1);
      }
    }
  });

  it('answers the same for every point of a cell, so repeats reveal nothing more', () => {
    const a = coarsen(112.99351, 28.13561, 100);
    expect(coarsen(112.99351, 28.13561, 100)).toEqual(a);
    // A few metres away, inside the same cell: the same published point.
    const b = coarsen(a.lng + 0.0001, a.lat + 0.0001, 100);
    expect(b).toEqual(a);
    // The true point is not the published one.
    expect(a).not.toEqual({ lng: 112.99351, lat: 28.13561 });
  });

  it('puts the next row of cells one cell further north (its columns are widened for its own latitude)', () => {
    const a = coarsen(112.9935, 28.1356, 100);
    const b = coarsen(112.9935, 28.1356 + 100 / 111_320, 100);
    expect((b.lat - a.lat) * 111_320).toBeCloseTo(100, 1);
    expect(haversineM(a.lng, a.lat, b.lng, b.lat)).toBeLessThan(150);
  });
});
