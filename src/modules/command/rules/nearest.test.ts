import { describe, expect, it } from 'vitest';
import { nearestWorkers, type WorkerFix } from './nearest.js';

const NOW = Date.UTC(2026, 11, 4, 2, 0);
const P = { lng: 112.98, lat: 28.2 };
// ~111 m per 0.001° of latitude.
const w = (userId: number, dLat: number, extra: Partial<WorkerFix> = {}): WorkerFix => ({ userId, name: `w${userId}`, lng: P.lng, lat: P.lat + dLat, at: NOW - 60_000, onDuty: true, ...extra });
const opts = { limit: 5, maxAgeMs: 30 * 60_000, now: NOW };

describe('nearestWorkers', () => {
  it('ranks on-duty workers by distance, with the distance in metres', () => {
    const out = nearestWorkers(P, [w(1, 0.003), w(2, 0.001), w(3, -0.002)], opts);
    expect(out.map((x) => x.userId)).toEqual([2, 3, 1]);
    expect(out[0]!.distanceM).toBe(111);
    expect(out[1]!.distanceM).toBe(222);
  });
  it('leaves out workers off duty and fixes older than the age limit or from the future', () => {
    const out = nearestWorkers(P, [w(1, 0.001, { onDuty: false }), w(2, 0.002, { at: NOW - 30 * 60_000 - 1 }), w(3, 0.003, { at: NOW + 1000 }), w(4, 0.004, { at: NOW - 30 * 60_000 })], opts);
    expect(out.map((x) => x.userId)).toEqual([4]);
  });
  it('uses each worker\'s newest fix, once', () => {
    const out = nearestWorkers(P, [w(1, 0.0001, { at: NOW - 120_000 }), w(1, 0.005, { at: NOW - 1000 }), w(2, 0.002)], opts);
    expect(out.map((x) => [x.userId, x.distanceM])).toEqual([[2, 222], [1, 556]]);
  });
  it('breaks ties by the newer fix, then the lower id, and keeps the limit', () => {
    const out = nearestWorkers(P, [w(5, 0.001), w(3, 0.001), w(4, -0.001, { at: NOW - 1000 })], { ...opts, limit: 2 });
    expect(out.map((x) => x.userId)).toEqual([4, 3]);
    expect(nearestWorkers(P, [], opts)).toEqual([]);
  });
});
