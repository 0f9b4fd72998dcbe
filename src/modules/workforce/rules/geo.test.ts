import { describe, expect, it } from 'vitest';
import type { GridGeometry } from '../../grid/rules/types.js';
import { distanceToGeometryM, haversineM, toMicro, fromMicro } from './geo.js';

const M_PER_DEG_LAT = 111_195.08;

describe('haversineM', () => {
  it('measures a degree of latitude, a degree of longitude by latitude, and nothing', () => {
    expect(haversineM(113, 28, 113, 29)).toBeCloseTo(M_PER_DEG_LAT, 0);
    expect(haversineM(0, 0, 1, 0)).toBeCloseTo(M_PER_DEG_LAT, 0);
    // Along a parallel a short hop shrinks with cos(latitude).
    expect(haversineM(113, 60, 113.001, 60)).toBeCloseTo((M_PER_DEG_LAT / 1000) * 0.5, 2);
    expect(haversineM(113, 28, 113.2, 28.1)).toBeCloseTo(haversineM(113.2, 28.1, 113, 28), 9);
    expect(haversineM(113, 28, 113, 28)).toBe(0);
  });
});

describe('distanceToGeometryM', () => {
  // A 1 km square (about) with its west edge at 113.0.
  const dLng = 1000 / (M_PER_DEG_LAT * Math.cos((28 * Math.PI) / 180));
  const dLat = 1000 / M_PER_DEG_LAT;
  const square: GridGeometry = {
    type: 'Polygon',
    coordinates: [[[113, 28], [113 + dLng, 28], [113 + dLng, 28 + dLat], [113, 28 + dLat], [113, 28]]],
  };

  it('is 0 inside', () => {
    expect(distanceToGeometryM(square, 113 + dLng / 2, 28 + dLat / 2)).toBe(0);
  });

  it('measures to the nearest edge, not the nearest vertex', () => {
    // 100 m west of the middle of the west edge: the vertices are about 510 m away.
    const lng = 113 - 100 / (M_PER_DEG_LAT * Math.cos((28 * Math.PI) / 180));
    expect(distanceToGeometryM(square, lng, 28 + dLat / 2)).toBeCloseTo(100, 0);
    // 30 m south of the south edge.
    expect(distanceToGeometryM(square, 113 + dLng / 3, 28 - 30 / M_PER_DEG_LAT)).toBeCloseTo(30, 0);
  });

  it('measures to a corner diagonally', () => {
    const lng = 113 + dLng + 30 / (M_PER_DEG_LAT * Math.cos((28 * Math.PI) / 180));
    const lat = 28 + dLat + 40 / M_PER_DEG_LAT;
    expect(distanceToGeometryM(square, lng, lat)).toBeCloseTo(50, 0);
  });

  it('takes the nearest part of a multipolygon, and a hole counts as outside', () => {
    const holed: GridGeometry = {
      type: 'MultiPolygon',
      coordinates: [
        [square.coordinates[0]!, [[113 + dLng * 0.25, 28 + dLat * 0.25], [113 + dLng * 0.75, 28 + dLat * 0.25], [113 + dLng * 0.75, 28 + dLat * 0.75], [113 + dLng * 0.25, 28 + dLat * 0.75], [113 + dLng * 0.25, 28 + dLat * 0.25]]],
        [[[114, 28], [114.001, 28], [114.001, 28.001], [114, 28]]],
      ],
    };
    // The centre of the hole is 250 m from the hole's edges.
    expect(distanceToGeometryM(holed, 113 + dLng / 2, 28 + dLat / 2)).toBeCloseTo(250, 0);
  });
});

describe('microdegrees', () => {
  it('round-trips to a tenth of a metre', () => {
    expect(toMicro(113.1234567)).toBe(113123457);
    expect(fromMicro(toMicro(28.7654321))).toBeCloseTo(28.765432, 6);
  });
});
