import { describe, expect, it } from 'vitest';
import { EARTH_RADIUS_M, haversineM } from '../../workforce/rules/geo.js';
import { DAY_MS, findClusters, type HotSpotCase } from './hotspots.js';

const NOW = Date.UTC(2026, 11, 4, 8, 0);
const LNG = 112.98;
const LAT = 28.2;
/** Metres north of the origin, in degrees of latitude (haversine's own sphere). */
const north = (m: number) => LAT + m / ((EARTH_RADIUS_M * Math.PI) / 180);
const c = (id: number, m: number, at = NOW - DAY_MS, categoryCode = 'A01'): HotSpotCase => ({ id, categoryCode, lng: LNG, lat: north(m), reportedAt: at });
const params = { minCases: 3, radiusM: 100, days: 7 };

describe('findClusters', () => {
  it('finds N cases of one category within R of a centre', () => {
    const spots = findClusters([c(1, 0), c(2, 40), c(3, 80)], params, NOW);
    expect(spots).toHaveLength(1);
    // All three see each other: the tie goes to the earliest reported, then the lowest id.
    expect(spots[0]!.centreId).toBe(1);
    expect(findClusters([c(1, 0), c(2, 40, NOW - 2 * DAY_MS), c(3, 80)], params, NOW)[0]!.centreId).toBe(2);
    expect(spots[0]!.cases.map((x) => x.id).sort()).toEqual([1, 2, 3]);
  });

  it('counts a case at exactly R metres and not one just past it', () => {
    const cases = [c(1, 0), c(2, 0), c(3, 100)];
    const r = haversineM(LNG, LAT, LNG, north(100));
    expect(Math.abs(r - 100)).toBeLessThan(0.01);
    expect(findClusters(cases, { ...params, radiusM: r }, NOW)).toHaveLength(1);
    expect(findClusters(cases, { ...params, radiusM: r - 1e-6 }, NOW)).toEqual([]);
  });

  it('takes a case reported exactly D days ago and not one a millisecond earlier', () => {
    const start = NOW - 7 * DAY_MS;
    expect(findClusters([c(1, 0, start), c(2, 10), c(3, 20)], params, NOW)).toHaveLength(1);
    expect(findClusters([c(1, 0, start - 1), c(2, 10), c(3, 20)], params, NOW)).toEqual([]);
    // After `now` is outside the window too (a clock ahead on a client).
    expect(findClusters([c(1, 0, NOW + 1), c(2, 10), c(3, 20)], params, NOW)).toEqual([]);
    expect(findClusters([c(1, 0, NOW), c(2, 10), c(3, 20)], params, NOW)).toHaveLength(1);
  });

  it('needs N of one minor category: other categories at the same place do not count', () => {
    expect(findClusters([c(1, 0), c(2, 10), c(3, 20, NOW - DAY_MS, 'B02')], params, NOW)).toEqual([]);
    expect(findClusters([c(1, 0), c(2, 10)], { ...params, minCases: 2 }, NOW)).toHaveLength(1);
  });

  it('does not chain cases each R apart into one spot, and puts a case in one spot only', () => {
    // Seven cases 90 m apart along a line: 0..540 m.
    const line = [0, 90, 180, 270, 360, 450, 540].map((m, i) => c(i + 1, m));
    const spots = findClusters(line, params, NOW);
    for (const s of spots) {
      for (const x of s.cases) expect(haversineM(s.lng, s.lat, x.lng, x.lat)).toBeLessThanOrEqual(100);
    }
    const ids = spots.flatMap((s) => s.cases.map((x) => x.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(spots).toHaveLength(2);
  });

  it('gives the same spots whatever the input order, biggest first', () => {
    const cases = [c(1, 0), c(2, 5), c(3, 10), c(4, 15), c(5, 1000), c(6, 1010), c(7, 1020)];
    const a = findClusters(cases, params, NOW);
    const b = findClusters([...cases].reverse(), params, NOW);
    expect(b).toEqual(a);
    expect(a.map((s) => s.cases.length)).toEqual([4, 3]);
    expect(a[0]!.cases.map((x) => x.id)).toEqual([1, 2, 3, 4].sort((x, y) => y - x));
  });

  it('finds nothing in an empty list', () => {
    expect(findClusters([], params, NOW)).toEqual([]);
  });
});
