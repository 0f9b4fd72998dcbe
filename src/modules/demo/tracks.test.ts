import { describe, expect, it } from 'vitest';
import { createRandom } from '../grid/demo/random.js';
import { haversineM } from '../workforce/rules/geo.js';
import { demoUuid, walkPatrol, type WalkArea } from './tracks.js';

// An L-shaped area (about 1 km × 1 km with the north-east quarter missing), so straight legs could cut outside.
const D = 0.009;
const inside = (lng: number, lat: number) => lng >= 113 && lng <= 113 + D && lat >= 28 && lat <= 28 + D && !(lng > 113 + D / 2 && lat > 28 + D / 2);
const area: WalkArea = {
  inside,
  randomPoint(rng) {
    for (;;) {
      const p: [number, number] = [113 + rng.range(0, D), 28 + rng.range(0, D)];
      if (inside(p[0], p[1])) return p;
    }
  },
};
const START = Date.UTC(2026, 2, 2, 1, 0);
const HOUR = 3_600_000;

describe('walkPatrol', () => {
  it('samples at the interval, at a walking pace, inside the area', () => {
    const { points } = walkPatrol(createRandom('w1'), area, START, START + 2 * HOUR, [], { intervalMs: 10_000, spikeChance: 0 });
    expect(points.length).toBe(720);
    for (let i = 1; i < points.length; i++) expect(points[i]!.at - points[i - 1]!.at).toBe(10_000);
    let metres = 0;
    for (let i = 1; i < points.length; i++) metres += haversineM(points[i - 1]!.lng, points[i - 1]!.lat, points[i]!.lng, points[i]!.lat);
    expect(metres / 7200).toBeGreaterThan(0.5);
    expect(metres / 7200).toBeLessThan(2.5);
    // Noise of a few metres aside, every fix is inside (legs are checked every 40 m).
    const margin = 30 / 111_195;
    const out = points.filter((p) => !inside(p.lng - margin, p.lat) && !inside(p.lng + margin, p.lat) && !inside(p.lng, p.lat - margin) && !inside(p.lng, p.lat + margin));
    expect(out).toEqual([]);
  });

  it('is at each reachable case when it was reported, across the missing corner', () => {
    const anchors = [
      { at: START + 20 * 60_000, lng: 113.001, lat: 28.008 },
      { at: START + 50 * 60_000, lng: 113.008, lat: 28.001 },
      // 3 km away a minute later: out of reach, left out.
      { at: START + 51 * 60_000, lng: 113.03, lat: 28.03 },
    ];
    const { points, reached } = walkPatrol(createRandom('w2'), area, START, START + 2 * HOUR, anchors, { intervalMs: 10_000, spikeChance: 0 });
    expect(reached).toEqual(anchors.slice(0, 2));
    for (const a of reached) {
      const near = points.filter((p) => Math.abs(p.at - a.at) <= 10_000);
      expect(near.some((p) => haversineM(p.lng, p.lat, a.lng, a.lat) < 20)).toBe(true);
    }
  });

  it('is deterministic for a stream and makes version-4-shaped ids', () => {
    const a = walkPatrol(createRandom('same'), area, START, START + HOUR, [], { intervalMs: 30_000 });
    const b = walkPatrol(createRandom('same'), area, START, START + HOUR, [], { intervalMs: 30_000 });
    expect(a).toEqual(b);
    expect(demoUuid(createRandom('id'))).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
