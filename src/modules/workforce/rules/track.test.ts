import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACK_RULES, filterTrack, type TrackPoint } from './track.js';

const M_PER_DEG_LAT = 111_195.08;
const BASE = { lng: 113, lat: 28 };
/** A point `north` metres north and `east` metres east of the base, at second `s`. */
const pt = (s: number, north: number, east = 0, accuracyM?: number): TrackPoint => ({
  at: s * 1000,
  lat: BASE.lat + north / M_PER_DEG_LAT,
  lng: BASE.lng + east / (M_PER_DEG_LAT * Math.cos((BASE.lat * Math.PI) / 180)),
  ...(accuracyM === undefined ? {} : { accuracyM }),
});
/** A straight walk north: n points, `step` metres every 10 s. */
const walk = (n: number, step: number, from = 0, t0 = 0) => Array.from({ length: n }, (_, i) => pt(t0 + i * 10, from + i * step));

describe('filterTrack', () => {
  it('adds up a straight walk', () => {
    const r = filterTrack(walk(11, 12));
    expect(r.distanceM).toBeCloseTo(120, 1);
    expect(r.acceptedCount).toBe(11);
  });

  it('is empty for no points and zero for one', () => {
    expect(filterTrack([])).toEqual({ accepted: [], distanceM: 0, acceptedCount: 0 });
    expect(filterTrack([pt(0, 0)])).toEqual({ accepted: [true], distanceM: 0, acceptedCount: 1 });
  });

  it('drops a single GPS spike and counts the walk around it', () => {
    const points = walk(11, 12);
    points[5] = pt(50, 60, 2000);
    const r = filterTrack(points);
    expect(r.accepted[5]).toBe(false);
    expect(r.acceptedCount).toBe(10);
    expect(r.distanceM).toBeCloseTo(120, 1);
  });

  it('drops a spike of two points as well', () => {
    const points = walk(12, 12);
    points[5] = pt(50, 60, 2000);
    points[6] = pt(60, 72, 2010);
    const r = filterTrack(points);
    expect(r.accepted.filter((a) => !a)).toHaveLength(2);
    expect(r.distanceM).toBeCloseTo(132, 1);
  });

  it('accepts a real fast move after enough consistent points, without counting the move', () => {
    // Walk 5 × 12 m, then a bus 3 km east in 60 s, then walk 4 × 12 m there.
    const before = walk(5, 12);
    const after = Array.from({ length: 5 }, (_, i) => pt(100 + i * 10, 48 + i * 12, 3000));
    const r = filterTrack([...before, ...after]);
    expect(r.acceptedCount).toBe(10);
    expect(r.distanceM).toBeCloseTo(48 + 48, 1);
  });

  it('drops a fast move that never settles (held points at the end)', () => {
    const r = filterTrack([...walk(5, 12), pt(50, 60, 3000), pt(60, 72, 3000)]);
    expect(r.accepted).toEqual([true, true, true, true, true, false, false]);
    expect(r.distanceM).toBeCloseTo(48, 1);
  });

  it('ignores wander below the minimum step while standing, and counts a slow walk in larger steps', () => {
    // Standing still for 10 minutes with 4 m of wander: nothing.
    const standing = Array.from({ length: 60 }, (_, i) => pt(i * 10, (i % 2) * 4, (i % 3) * 3));
    expect(filterTrack(standing).distanceM).toBe(0);
    expect(filterTrack(standing).acceptedCount).toBe(60);
    // 0.6 m/s: 6 m per point; every second point is 12 m on from the anchor.
    const slow = walk(21, 6);
    expect(filterTrack(slow).distanceM).toBeCloseTo(120, 1);
  });

  it('drops inaccurate fixes first', () => {
    const points = walk(6, 12);
    points[2] = pt(20, 24, 300, 500);
    const r = filterTrack(points);
    expect(r.accepted[2]).toBe(false);
    expect(r.distanceM).toBeCloseTo(60, 1);
  });

  it('takes the rules as given', () => {
    const points = [pt(0, 0), pt(10, 200)];
    expect(filterTrack(points).accepted).toEqual([true, false]);
    expect(filterTrack(points, { ...DEFAULT_TRACK_RULES, maxSpeedMps: 25 }).distanceM).toBeCloseTo(200, 1);
  });
});
