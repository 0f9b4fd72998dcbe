import { describe, expect, it } from 'vitest';
import { slidingCount, windowAt } from './counters.js';

describe('rate counter windows', () => {
  it('places a time in its fixed window', () => {
    expect(windowAt(0, 60_000)).toEqual({ index: 0, elapsedMs: 0 });
    expect(windowAt(59_999, 60_000)).toEqual({ index: 0, elapsedMs: 59_999 });
    expect(windowAt(60_000, 60_000)).toEqual({ index: 1, elapsedMs: 0 });
    expect(windowAt(150_000, 60_000)).toEqual({ index: 2, elapsedMs: 30_000 });
  });

  it('counts the previous window in proportion to what the sliding window still covers', () => {
    // At the start of a window the whole previous one still counts; halfway, half; at its end, none.
    expect(slidingCount(10, 1, 0, 60_000)).toBe(11);
    expect(slidingCount(10, 1, 30_000, 60_000)).toBe(6);
    expect(slidingCount(10, 1, 59_999, 60_000)).toBe(1);
    // Rounded down: 7 × 0.5 = 3.5 counts as 3, never refusing a client under the limit by rounding.
    expect(slidingCount(7, 2, 30_000, 60_000)).toBe(5);
  });

  it('stops a client doubling its rate across a window boundary', () => {
    // 20 hits at the end of one window: a second into the next, the second hit there is past the limit of 20
    // (fixed windows alone would admit 20 more).
    const limit = 20;
    expect(slidingCount(20, 2, 1_000, 60_000)).toBeGreaterThan(limit);
    // A minute after the burst it is free again.
    expect(slidingCount(20, 1, 59_000, 60_000)).toBeLessThanOrEqual(limit);
  });
});
